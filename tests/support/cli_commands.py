"""Each command's own parser, by name, read from the real command line's parser (argparse keeps
them in a private action: tests may look, the app does not)."""

from __future__ import annotations

import argparse


def cli_commands() -> dict[str, argparse.ArgumentParser]:
    from breakglass_gui.cli import _parser

    actions = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1
    return dict(actions[0].choices)
