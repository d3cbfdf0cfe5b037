#!/usr/bin/env python3
"""Break Glass — entry point. See README.md and `python main.py --help`."""

import sys

from breakglass_gui.cli import main

if __name__ == "__main__":
    sys.exit(main())
