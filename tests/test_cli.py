"""The command line (docs/rules.md §11): bad input is one line on stderr with exit 2, never a
traceback."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from breakglass_gui import __version__
from breakglass_gui.cli import main
from breakglass_gui.cli_help import EXIT_USAGE, program
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.resources import resource_path
from tests.fakes.clock import ManualClock
from tests.support.cli_commands import cli_commands
from tests.support.fresh_python import run_python

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"breakglass {__version__}"


@pytest.mark.parametrize("args", [["--no-such-option"], ["verify"], ["bogus-command"]])
def test_bad_arguments_give_one_line_and_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_check_config_accepts_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(resource_path("example-config.toml"))]) == 0
    assert "valid" in capsys.readouterr().out


def test_check_config_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    text = resource_path("example-config.toml").read_text()
    bad.write_text(
        text.replace('id = "222222222222"', 'id = "12345"').replace("mfa_mode =", "mfa_mod =")
    )
    result = run("check-config", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert 'accounts[1].id: "12345" is not a 12-digit AWS account id' in lines
    assert "session.mfa_mod: unknown key (check the spelling)" in lines
    assert "Traceback" not in result.stderr


def test_check_config_on_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run("check-config", str(tmp_path / "absent.toml"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def python(code: str) -> str:
    return run_python(code).stdout.strip()


def _journal(tmp_path: Path) -> Path:
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path, ManualClock())
    for i in range(5):
        journal.append("BG-20270101-ABCD", "entry", {"i": i})
    journal.close()
    return path


def test_verify_an_intact_journal(tmp_path: Path) -> None:
    result = run("verify", str(_journal(tmp_path)))
    assert result.returncode == 0
    assert "journal intact: 5 entries" in result.stdout


def test_verify_reports_the_first_bad_entry_of_an_edited_journal(tmp_path: Path) -> None:
    path = _journal(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE entries SET payload = '{\"i\":99}' WHERE seq = 3")
    conn.commit()
    conn.close()
    result = run("verify", str(path))
    assert result.returncode == 1
    assert "broken at entry 3" in result.stderr


def test_verify_a_review_json_and_its_truncation(tmp_path: Path) -> None:
    path = _journal(tmp_path)
    journal = Journal(path, ManualClock())
    anchor, span = journal.span("BG-20270101-ABCD")
    review = {
        "journal": {
            "anchor": anchor,
            "entries": [e.as_dict() for e in span],
            "final_hash": span[-1].hash,
        }
    }
    good = tmp_path / "review.json"
    good.write_text(json.dumps(review))
    assert run("verify", str(good)).returncode == 0
    review["journal"]["entries"] = review["journal"]["entries"][:-1]  # type: ignore[index]
    good.write_text(json.dumps(review))
    result = run("verify", str(good))
    assert result.returncode == 1
    assert "entry 5" in result.stderr


def test_verify_something_else_is_one_line_exit_2(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    result = run("verify", str(other))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    shutil.copy(resource_path("example-config.toml"), tmp_path / "c.json")
    assert run("verify", str(tmp_path / "c.json")).returncode == 2


def test_core_dumps_are_disabled_and_the_process_is_not_dumpable() -> None:
    code = (
        "import resource; from breakglass_gui.core.hardening import harden_process, "
        "is_dumpable; harden_process(); "
        "print(resource.getrlimit(resource.RLIMIT_CORE), is_dumpable())"
    )
    assert python(code) == "(0, 0) False"


def test_an_import_race_on_the_warning_filters_puts_nothing_on_stderr() -> None:
    """The race, replayed in order: botocore's `catch_warnings` saves the filters before
    requests adds its own, and restores them just before requests imports urllib3's SOCKS
    support. The filter harden_process installs first is in the list it restores."""
    race = (
        "import warnings; cm = warnings.catch_warnings(); cm.__enter__(); import requests; "
        "cm.__exit__(None, None, None)\n"
        "try:\n import urllib3.contrib.socks\nexcept ImportError:\n pass\n"
    )
    hardened = "from breakglass_gui.core.hardening import harden_process; harden_process()\n"
    for code, noisy in ((race, True), (hardened + race, False)):
        done = run_python(code)
        assert done.returncode == 0, done.stderr
        assert ("SOCKS support" in done.stderr) is noisy, done.stderr


def test_the_start_up_path_imports_no_heavy_library() -> None:
    code = (
        "import sys; from breakglass_gui import cli; "
        "print(sorted(m for m in ('boto3','botocore','hvac','moto','jinja2','requests') "
        "if m in sys.modules))"
    )
    assert python(code) == "[]"


# A fresh interpreter's preamble: the first import of PySide6 fails ("Qt asked for"), so a
# desktop start runs as far as Qt and no further.
STOP_AT_QT = (
    "import os, sys\n"
    "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
    "class Stop:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'PySide6':\n"
    "            raise ImportError('Qt asked for')\n"
    "sys.meta_path.insert(0, Stop())\n"
)


def test_the_desktop_start_imports_the_core_s_start_modules_before_qt() -> None:
    """PySide6 reads the source of every module imported after it (cli.BEFORE_QT): the config,
    the journal and the rest of the Qt-free start are in before Qt is first asked for."""
    code = STOP_AT_QT + (
        "from breakglass_gui import cli\n"
        "code = cli.main(['--config', 'resources/example-config.toml'])\n"
        "wanted = (*cli.BEFORE_QT, 'breakglass_gui.core.config.model', "
        "'breakglass_gui.core.journal', 'tomllib', 'sqlite3')\n"
        "print(code, [m for m in wanted if m not in sys.modules])\n"
    )
    done = run_python(code)
    assert "Qt asked for" in done.stderr  # the desktop start went as far as Qt
    assert done.stdout.strip() == f"{EXIT_USAGE} []"


def test_the_desktop_start_leaves_what_the_first_page_does_not_need() -> None:
    """Up to Qt, the desktop start (the paths, the config, the journal, the composition root)
    imports none of these: platformdirs (core/paths.py computes the XDG directories), the
    browser's subprocess and shlex, secrets (incident ids and redirect pages)."""
    code = STOP_AT_QT + (
        "from breakglass_gui import cli\n"
        "from breakglass_gui.core import paths\n"
        "cli.main(['--config', 'resources/example-config.toml'])\n"
        "paths.data_dir(), paths.default_config()  # the window's AppOptions asks for them\n"
        "import breakglass_gui.core.deps\n"
        "print([m for m in ('platformdirs', 'subprocess', 'shlex', 'secrets') "
        "if m in sys.modules])\n"
    )
    done = run_python(code)
    assert "Qt asked for" in done.stderr
    assert done.stdout.strip() == "[]"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    return cli_commands()


def test_every_subcommand_s_help_has_a_description_examples_and_exit_codes() -> None:
    """Issue 22 item 5. Read from the parser itself: a command added later without them fails."""
    commands = _subcommands()
    assert {"check-config", "verify", "readiness", "paths", "approvers", "audit-trail"} <= set(
        commands
    )
    for name, parser in commands.items():
        text = parser.format_help()
        assert parser.description and len(parser.description) > 40, name
        examples = text.split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert examples and all(e.startswith(f"  {program()} {name}") for e in examples), name
        codes = text.split("exit codes:\n", 1)[1].splitlines()
        assert codes[0].startswith("  0  "), name


def test_the_examples_in_help_parse() -> None:
    """An example whose options no longer exist would mislead: each one parses."""
    from breakglass_gui.cli import _parser

    for parser in _subcommands().values():
        text = parser.format_help()
        for line in text.split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines():
            words = shlex.split(line.split(">", 1)[0])[1:]  # no "main.py", no redirection
            _parser().parse_args(words)  # exits 2 (SystemExit) on an unknown option


@pytest.mark.parametrize("before", [True, False])
def test_config_works_before_or_after_the_subcommand(before: bool, tmp_path: Path) -> None:
    example = str(resource_path("example-config.toml"))
    given = ["--config", example]
    command = ["render-cfn", "--out", str(tmp_path)]
    result = run(*(given + command if before else command + given))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "stackset.json").is_file()


def test_a_config_after_the_subcommand_wins_over_one_before() -> None:
    example = str(resource_path("example-config.toml"))
    result = run("--config", "/no/such.toml", "check-config", "--config", example)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{example}: valid")
    missing = run("--config", example, "check-config", "--config", "/no/such.toml")
    assert missing.returncode == 2


def test_paths_prints_every_default_location_and_help_prints_them_too(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }

    def out(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=True,
        )
        return done.stdout

    printed = out("paths")
    data = tmp_path / "data" / "breakglass"
    expected = {
        "configuration": tmp_path / "cfg" / "breakglass" / "config.toml",
        "journal": data / "journal.sqlite3",
        "reviews and approval bundles": data / "reviews",
        "account snapshot": data / "accounts.json",
        "drill journal": data / "drill" / "journal.sqlite3",
    }
    for label, path in expected.items():
        assert re.search(rf"^  {re.escape(label)} +{re.escape(str(path))}$", printed, re.M), label
    assert printed.strip() in out("--help")
    assert not any(p.exists() for p in (tmp_path / "cfg", tmp_path / "data"))  # nothing made


def test_a_command_line_run_ends_with_its_exit_handlers_run_and_its_output_flushed(
    tmp_path: Path,
) -> None:
    """cli.run() freezes the heap before the exit (no final collection walks it) and ends the
    ordinary way: the exit handlers run (the console's redirect pages are removed there) and
    every byte of output is written, even through a pipe."""
    marker = tmp_path / "handlers-ran"
    code = (
        "import atexit, gc, sys; from pathlib import Path; "
        f"atexit.register(lambda: Path({str(marker)!r}).write_text(str(gc.get_freeze_count()))); "
        "sys.argv = ['main.py', 'paths']; from breakglass_gui.cli import run; run()"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert int(marker.read_text()) > 1000  # the heap was frozen before the handlers ran
    assert done.stdout.count("\n") == 8 and "journal" in done.stdout

    refused = run("check-config", str(tmp_path / "missing.toml"))
    assert refused.returncode == 2 and refused.stderr.strip()


@pytest.mark.parametrize(
    ("argv", "desktop"),
    [
        ([], True),
        (["--drill"], True),
        (["--config", "c.toml"], True),
        (["--config=c.toml", "--drill"], True),
        (["--config", "a.toml", "--config", "b.toml"], True),  # the last, as argparse takes
        (["--config", "c.toml", "readiness"], False),
        (["readiness", "--config", "c.toml"], False),
        (["--drill", "--help"], False),
        (["--drill", "--version"], False),
        (["--config"], False),  # the parser's own error, with the whole parser
        (["--config", "--drill"], False),
    ],
)
def test_the_desktop_start_parses_its_own_options_as_the_parser_does(
    argv: list[str], desktop: bool
) -> None:
    """§13: the GUI's cold start parses only its own options, without building argparse's
    parser, to the same result; anything else gets the full CLI."""
    from breakglass_gui.cli import _desktop_arguments, _parser

    parsed = _desktop_arguments(argv)
    assert (parsed is not None) is desktop
    if parsed is not None:
        assert parsed == _parser().parse_args(argv)
