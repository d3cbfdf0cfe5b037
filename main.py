#!/usr/bin/env python3
"""Break Glass — entry point. See README.md and `python main.py --help`."""

from breakglass_gui.cli import run

if __name__ == "__main__":
    run()
