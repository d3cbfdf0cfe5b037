"""One shape for every subcommand's `--help` (issue 22): what it does, examples, exit codes.

Each subcommand also takes `--config`, so `main.py readiness --config P` and
`main.py --config P readiness` mean the same (the subcommand's copy has no default: given
nowhere, the top-level value stands; given in both places, the later one wins).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

WIDTH = 88  # descriptions are wrapped here; examples and exit codes are kept as written
USAGE_TEXT = "bad arguments, or a configuration or file that cannot be used (one line each)"
# Every command's exit statuses (the command-line modules return these).
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def exit_codes(
    ok: str, failed: str | None = None, usage: str | None = USAGE_TEXT
) -> dict[int, str]:
    """What each usual exit status means for one command (None: it never exits so)."""
    meanings = {EXIT_OK: ok, EXIT_FAILED: failed, EXIT_USAGE: usage}
    return {code: text for code, text in meanings.items() if text is not None}


class HelpFormat(argparse.HelpFormatter):
    """Descriptions wrapped (when help is shown, not when the parser is built: the GUI's start
    builds it too); the examples and exit codes kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, min(width, WIDTH), indent)


def program() -> str:
    """How the user started us: `main.py` from a checkout, `breakglass` from the bundle."""
    started = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "main.py" if started == "main.py" else "breakglass"


def epilog(examples: Sequence[str], exit_codes: Mapping[int, str]) -> str:
    prog = program()
    lines = ["examples:", *(f"  {prog} {example}".rstrip() for example in examples)]
    lines += ["", "exit codes:"]
    lines += [f"  {code}  {meaning}" for code, meaning in sorted(exit_codes.items())]
    return "\n".join(lines)


def add_command(
    commands: Any,
    name: str,
    *,
    summary: str,
    description: str,
    examples: Sequence[str],
    exit_codes: Mapping[int, str],
    reads_config: bool = True,
) -> argparse.ArgumentParser:
    """A subcommand whose help has a description, examples and exit codes; `--config` when it
    reads the configuration."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog(examples, exit_codes),
        formatter_class=HelpFormat,
    )
    if reads_config:
        add_config(parser)
    return parser


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="P",
        help="configuration file (TOML); the default is printed by `paths`",
    )
