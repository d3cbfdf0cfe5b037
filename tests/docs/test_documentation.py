"""The documentation is true of the code (issue 22 item 4).

- Every command of the app shown anywhere in README.md and docs/ (a line of a fenced shell
  block, or an inline code span) is accepted by the real command-line parser; a usage summary
  (`[--profile P]`, `a|b`, `…`) names only options its command has.
- Every fenced `sh` block is **run**, in document order, in one scratch home — the `bao` lines
  against a real OpenBao server initialised for the test, the `main.py` lines with this
  checkout — unless its first line says why not: `# needs real AWS`, `# run by PATH` (another
  test or CI runs it; PATH must exist) or `# not run by the tests: REASON`.
- What the deployment guide's Vault chapter builds is usable by the app: its own gateway logs
  in with the documented login and reads the documented record.
- Every menu entry and button the guides name in bold exists in the UI with that text.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from breakglass_gui.cli import _parser
from tests.support.cli_commands import cli_commands

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# The order an administrator reads them in: the guides build on what the deployment made.
RUN_ORDER = ["deployment.md", "administrator-guide.md", "auditor-guide.md", "runbook.md"]
MARKERS = ("# needs real AWS", "# run by ", "# not run by the tests: ")
PASSWORD = "documented-login-password-for-the-test"
SHELL_BREAKS = ("|", ">", "<", ";", "&&", "||", "2>", "2>/dev/null")


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    lang: str
    text: str

    @property
    def marker(self) -> str:
        first = self.text.splitlines()[0] if self.text else ""
        return first if first.startswith(MARKERS) else ""

    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks(doc: Path) -> list[Block]:
    found, lang, start, lines = [], None, 0, []
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            if lang is None:
                lang, start, lines = line[3:].strip(), number, []
            else:
                found.append(Block(doc, start, lang, "\n".join(lines)))
                lang = None
        elif lang is not None:
            lines.append(line)
    return found


def command_lines(text: str) -> list[str]:
    """The block's commands: comments dropped, continuation lines joined."""
    out, pending = [], ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line and not pending:
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        out.append((pending + line).strip())
        pending = ""
    return [c for c in out if c]


def app_arguments(command: str) -> list[str] | None:
    """The arguments after `main.py` or `breakglass` up to a shell operator, else None."""
    try:
        words = shlex.split(command, comments=False)
    except ValueError:
        return None
    while words and ("=" in words[0] or words[0] == "sudo"):  # VAR=value, sudo
        words = words[1:]
    if words[:1] in (["python"], ["python3"]) and len(words) > 1:
        words = words[1:]
    if not words or not (words[0].endswith("main.py") or words[0] == "breakglass"):
        return None  # another program (cp, bao, aws...), even with "breakglass" in its arguments
    rest = []
    for w in words[1:]:
        if w in SHELL_BREAKS or w.startswith(("2>", ">")):
            break
        rest.append(w)
    return rest


def inline_commands(doc: Path) -> Iterator[tuple[str, str]]:
    text = doc.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # fenced blocks are checked as blocks
    for span in re.findall(r"`([^`\n]+)`", text):
        if re.match(r"(python )?main\.py( |$)|breakglass ", span):
            yield doc.name, span


def _subcommands() -> dict[str, object]:
    return dict(cli_commands())


def _options(parser: object) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings}  # type: ignore[attr-defined]


def _check_summary(span: str) -> None:
    """A usage summary: its command exists and every option it names is that command's."""
    words = span.replace("|", " ").replace("[", " ").replace("]", " ").split()
    words = [w for w in words if w not in ("python", "main.py", "breakglass", "…", "...")]
    commands = _subcommands()
    parser: object = _parser()
    if words and words[0] in commands:
        parser = commands[words[0]]
    known = _options(parser) | _options(_parser())
    for word in words:
        if word.startswith("--"):
            assert word.split("=", 1)[0] in known, f"`{span}`: {word} is not an option"


def test_every_app_command_shown_is_accepted_by_the_parser() -> None:
    checked = 0
    for doc in DOCS:
        for block in blocks(doc):
            if block.lang not in ("sh", "bash"):
                continue
            for command in command_lines(block.text):
                args = app_arguments(command)
                if args is None or any(w in ("…", "...") or "|" in w for w in args):
                    continue
                try:
                    _parser().parse_args(args)
                except SystemExit as exc:
                    if exc.code != 0:  # --help and --version exit 0
                        pytest.fail(f"{block.where()}: `{command}` is refused by the parser")
                checked += 1
        for name, span in inline_commands(doc):
            if re.search(r"[\[|…]|\.\.\.", span) or re.search(r"\b[A-Z]{2,}\b", span):
                _check_summary(span)
            else:
                try:
                    _parser().parse_args(app_arguments(span) or [])
                except SystemExit as exc:
                    if exc.code != 0:
                        pytest.fail(f"{name}: `{span}` is refused by the parser")
            checked += 1
    assert checked > 40  # the guides show many commands: an extractor finding none is broken


def test_every_shell_block_is_run_or_says_why_not() -> None:
    shell = [b for d in DOCS for b in blocks(d) if b.lang == "sh"]
    assert len(shell) > 15
    for block in shell:
        marker = block.marker
        if marker.startswith("# run by "):
            target = marker.removeprefix("# run by ").split()[0]
            assert (ROOT / target).exists(), f"{block.where()}: {target} does not exist"
        elif marker.startswith("# not run by the tests: "):
            assert len(marker) > len("# not run by the tests: ") + 20, block.where()
        elif not marker:  # run below: it must be in a document the runner reads
            assert block.doc.name in RUN_ORDER, f"{block.where()}: unmarked, never run"


def _stdin_for(block: Block) -> str:
    """What a person would type: the login's password, or a record's JSON (then Ctrl-D)."""
    readers = [c for c in command_lines(block.text) if "password=-" in c or c.endswith(" -")]
    assert len(readers) <= 1, f"{block.where()}: two commands read stdin in one block"
    if not readers:
        return ""
    if "password=-" in readers[0]:
        return PASSWORD + "\n"
    user = readers[0].split()[-2].rsplit("/", 1)[-1].strip('"')
    return json.dumps(
        {
            "username": user,
            "account_id": "111111111111",
            "mfa_serial": "GAHT12345678",
            "access_key_id": "AKIAEXAMPLEINVENTED0",
            "secret_access_key": "s" * 40,
            "console_password": "Invented-Console-Pass-1!",
        }
    )


@pytest.fixture
def fresh_openbao() -> Iterator[object]:
    """An OpenBao initialised and unsealed, nothing configured: the guide configures it."""
    from breakglass_gui.drill.openbao import OpenBaoServer
    from breakglass_gui.drill.tls import DrillTls

    tls = DrillTls.create()
    server = OpenBaoServer.launch(tls).ready()
    try:
        server.initialise()
        yield server
    finally:
        server.stop()
        tls.remove()


@pytest.mark.slow
def test_the_documented_commands_run(tmp_path: Path, fresh_openbao: object) -> None:
    from breakglass_gui.drill.openbao import bao_binary

    server = fresh_openbao
    home = tmp_path / "home"
    work = tmp_path / "work"
    tools = tmp_path / "bin"
    for d in (home, work, tools):
        d.mkdir()
    for name in ("main.py", "resources", "scripts"):
        (work / name).symlink_to(ROOT / name)
    wrapper = tools / "breakglass"  # the bundle's name for `python main.py`
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT / "main.py"}" "$@"\n')
    wrapper.chmod(0o755)
    venv = Path(sys.executable).parent  # `python` is this checkout's interpreter
    env = {
        "PATH": os.pathsep.join(
            [str(tools), str(venv), str(bao_binary().parent), "/usr/bin", "/bin"]
        ),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_RUNTIME_DIR": str(tmp_path),
        "TMPDIR": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "tests.fakes.keyring_memory.SecretServiceLike",
        "PYTHONPATH": str(ROOT),
        "BAO_ADDR": server.address,  # type: ignore[attr-defined]
        "BAO_CACERT": server.ca_file,  # type: ignore[attr-defined]
        "BAO_TOKEN": server.root_token,  # type: ignore[attr-defined]
    }
    ran = 0
    for name in RUN_ORDER:
        for block in blocks(ROOT / "docs" / name):
            if block.lang != "sh" or block.marker:
                continue
            result = subprocess.run(
                ["/bin/sh", "-eu", "-c", block.text],
                input=_stdin_for(block),
                capture_output=True,
                text=True,
                cwd=work,
                env=env,
                timeout=180,
                check=False,
            )
            assert result.returncode == 0, (
                f"{block.where()} failed ({result.returncode}):\n{block.text}\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            )
            ran += 1
    assert ran >= 10
    # What the deployment guide built is what the app needs: its gateway logs in with the
    # documented login and reads the documented record.
    from breakglass_gui.core.config import VaultConfig
    from breakglass_gui.core.registry import vault_gateway
    from breakglass_gui.core.secret import Secret

    gateway = vault_gateway(
        VaultConfig(
            address=server.address,  # type: ignore[attr-defined]
            ca_bundle=server.ca_file,  # type: ignore[attr-defined]
            auth_method="userpass",
            username="breakglass",
            users=("break-glass-user",),
            default_user="break-glass-user",
        )
    )
    gateway.login(Secret(PASSWORD))
    assert gateway.read_record("break-glass-user").mfa_serial == "GAHT12345678"
    _examples_have_the_shape_of(work / "drill-1" / "journal.sqlite3")


def _examples_have_the_shape_of(journal_file: Path) -> None:
    """docs/journal-reference.md's examples against a real drill's journal: every kind in it
    is documented, and an example has the keys its kind's entries have (all of them, where
    every entry of the kind has the same keys)."""
    import sqlite3

    from breakglass_gui.core.journal_kinds import KINDS

    shapes: dict[str, list[frozenset[str]]] = {}
    with sqlite3.connect(f"file:{journal_file}?mode=ro", uri=True) as db:
        for kind, payload in db.execute("SELECT kind, payload FROM entries"):
            shapes.setdefault(kind, []).append(frozenset(json.loads(payload)))
    assert len(shapes) > 20
    for kind, seen in shapes.items():
        assert kind in KINDS, f"{kind} is not in core/journal_kinds.py"
        example = set(KINDS[kind].example)
        assert example <= set().union(*seen), (kind, example - set().union(*seen))
        if len(set(seen)) == 1:
            assert example == set(seen[0]), (kind, example ^ set(seen[0]))


MENU_OR_BUTTON = re.compile(r"\*\*([A-Z][^*]{2,60}?)\*\*")


def _ui_texts() -> set[str]:
    """Every action and button text in the UI's source, without its & accelerator."""
    texts = set()
    for path in (ROOT / "breakglass_gui" / "ui").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        calls = r'(?:QAction|_?button|QPushButton)\((?:[^"()]*?,\s*)?"([^"]+)"'
        for match in re.finditer(calls, source):
            texts.add(match.group(1).replace("&", ""))
    return texts


def test_every_menu_and_button_the_guides_name_exists() -> None:
    """A bold `A → B` is a menu path; a bold name ending in … or a known button word is a
    button. Each must be an action or button text in ui/ (accelerators aside)."""
    ui = _ui_texts()
    assert "Enrol an approver…" in ui and "Run a drill" in ui  # the scan itself works
    named = 0
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for bold in MENU_OR_BUTTON.findall(text):
            parts = [p.strip() for p in bold.split("→")]
            if len(parts) > 1:
                menus = {m.replace("&", "") for m in _menus()}
                assert parts[0] in menus, f"{doc.name}: menu {parts[0]!r} does not exist"
                assert parts[-1] in ui, f"{doc.name}: {parts[-1]!r} is not in the UI"
                named += 1
            elif bold in _BUTTON_WORDS or bold.endswith("…"):
                assert bold in ui, f"{doc.name}: button {bold!r} is not in the UI"
                named += 1
    assert named >= 5


def _menus() -> set[str]:
    from breakglass_gui.ui.window import MENUS  # the menu bar's titles, in order

    return set(MENUS)


# Bold words in the guides that name a button rather than emphasise.
_BUTTON_WORDS = {
    "Run a drill",
    "Declare emergency",
    "Cancel",
    "Open console",
    "Copy URL",
    "Retry failed steps",
    "Export review",
    "Close incident",
    "Unlock Vault",
    "Verify code",
    "Open access",
}


def _first_clause(message: str) -> str:
    return re.split(r"[.:(;]", message, maxsplit=1)[0].strip()


def test_the_runbook_says_what_to_do_for_every_vault_and_aws_error() -> None:
    """Issue 22 item 2: each message the Vault and AWS layers can put on screen is in the
    runbook's error table (by its opening words), so a new message needs a row."""
    from breakglass_gui.core.aws.errors import MESSAGES as AWS
    from breakglass_gui.core.vault_errors import MESSAGES as VAULT

    table = (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")
    table = table.split("## When the screen says", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| ")]
    said = " / ".join(rows)
    missing = [m for m in [*VAULT.values(), *AWS.values()] if _first_clause(m) not in said]
    assert missing == []
    for other in ("no OS keyring is available", "is locked out after", "failed verification"):
        assert other in said, other


def test_the_runbook_prints_on_one_page(tmp_path: Path) -> None:
    """Issue 22 item 2: "one page, printable" — the print of docs/runbook.md is one A4 page
    (scripts/runbook_pdf.py), with every row of its error table on it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "runbook_pdf", ROOT / "scripts" / "runbook_pdf.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.write(tmp_path / "runbook.pdf") == 1
    from tests.support.pdf_text import pdf_pages

    pages = pdf_pages((tmp_path / "runbook.pdf").read_bytes())
    assert len(pages) == 1
    printed = " ".join(pages[0].split())
    for row in ("Vault is sealed", "AWS rejected the MFA code", "AWSRevokeOlderSessions"):
        assert row in printed


# Commands with no subcommand start the desktop application or print help; these tests start
# them (a shell block cannot: the app waits for a person).
STARTED_ELSEWHERE = {
    "--drill": ("tests/drill/test_autopilot.py", 'cli.main(["--drill"])'),
    "--version": ("tests/test_cli.py", 'run("--version")'),
    "--help": ("tests/test_cli.py", 'out("--help")'),
    "": ("tests/e2e/test_real_start.py", "gui(config_path=EXAMPLE)"),
}


def test_every_command_shown_inline_is_run_or_marked_in_a_block() -> None:
    """A command in the prose (`main.py readiness`) is covered when a shell block of the docs
    runs that subcommand (or marks it as needing real AWS); the desktop app's own start forms
    are started by the tests named in STARTED_ELSEWHERE."""
    in_blocks = set()
    for doc in DOCS:
        for block in blocks(doc):
            if block.lang == "sh":
                for command in command_lines(block.text):
                    args = app_arguments(command)
                    if args is not None:
                        in_blocks.add(next((a for a in args if not a.startswith("-")), ""))
    for path, needle in STARTED_ELSEWHERE.values():
        assert needle in (ROOT / path).read_text(encoding="utf-8"), (path, needle)
    for name, span in inline_commands_everywhere():
        words = [w for w in re.split(r"[\s\[\]|]+", span) if w]
        words = words[words.index("main.py") + 1 :] if "main.py" in words else words[1:]
        command = next((w for w in words if not w.startswith("-") and w not in ("P", "FILE")), "")
        if command in _subcommands():
            assert command in in_blocks, f"{name}: `{span}` — no shell block runs `{command}`"
        else:
            flag = next((w for w in words if w in STARTED_ELSEWHERE), "")
            assert flag in STARTED_ELSEWHERE, f"{name}: `{span}` is neither a command nor a start"


def inline_commands_everywhere() -> Iterator[tuple[str, str]]:
    for doc in DOCS:
        yield from inline_commands(doc)
