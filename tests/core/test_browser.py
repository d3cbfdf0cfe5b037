"""The sign-in URL reaches the browser without being visible to other users (docs/rules.md §3, §12).

What an attacker on the same machine (another user) tries first: `ps aux` / `/proc/*/cmdline`
and `/proc/*/environ` of the browser. The URL must be in neither; it travels in a 0600 page in
a 0700 folder, removed after use.
"""

from __future__ import annotations

import os
import stat
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from breakglass_gui.core.browser import (
    CommandBrowser,
    RedirectPages,
    SystemBrowser,
    redirect_page,
)
from breakglass_gui.core.errors import FederationError
from breakglass_gui.core.secret import Secret

TOKEN = "SIGNINTOKEN" + "x" * 40
URL = f"https://us-east-1.signin.aws.amazon.com/federation?Action=login&SigninToken={TOKEN}"


class Later:
    """Scheduled removals, run when the test says so."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, Callable[[], None]]] = []

    def __call__(self, seconds: float, action: Callable[[], None]) -> None:
        self.calls.append((seconds, action))

    def run(self) -> None:
        for _, action in self.calls:
            action()


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder


def _path_of(file_url: str) -> Path:
    parts = urlsplit(file_url)
    assert parts.scheme == "file"
    return Path(unquote(parts.path))


def test_the_browser_gets_a_private_page_never_the_url(runtime: Path) -> None:
    runs: list[list[str]] = []
    later = Later()
    browser = CommandBrowser(
        ("firefox", "--private-window", "{url}"),
        runner=runs.append,
        pages=RedirectPages(later=later),
    )
    browser.open(Secret(URL))
    [argv] = runs
    assert argv[:2] == ["firefox", "--private-window"]
    assert TOKEN not in " ".join(argv)
    page = _path_of(argv[2])
    assert page.parent == runtime / "breakglass-gui"
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    assert stat.S_IMODE(page.parent.stat().st_mode) == 0o700
    assert TOKEN in page.read_text()
    assert later.calls[0][0] == 30.0  # removed after use ...
    later.run()
    assert not page.exists()  # ... and then gone


def test_a_real_browser_process_sees_the_url_in_neither_argv_nor_environment(
    runtime: Path, tmp_path: Path
) -> None:
    """A browser command that records its own /proc cmdline and environ, as another user's
    `ps` would read them."""
    record = tmp_path / "seen"
    script = (
        "import sys, pathlib; p = pathlib.Path(sys.argv[1]);"
        "cmd = pathlib.Path('/proc/self/cmdline').read_bytes();"
        "env = pathlib.Path('/proc/self/environ').read_bytes();"
        "page = pathlib.Path(sys.argv[2].removeprefix('file://')).read_text();"
        "p.with_suffix('.tmp').write_bytes(cmd + b'\\n--\\n' + env + b'\\n--\\n' + page.encode());"
        "p.with_suffix('.tmp').rename(p)"
    )
    pages = RedirectPages(later=Later())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # the browser runs on by design
        CommandBrowser((sys.executable, "-c", script, str(record), "{url}"), pages=pages).open(
            Secret(URL)
        )
    deadline = time.monotonic() + 20
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    cmdline, environ, page = record.read_bytes().split(b"\n--\n")
    assert b"file://" in cmdline
    assert TOKEN.encode() not in cmdline and b"signin.aws" not in cmdline
    assert TOKEN.encode() not in environ
    assert TOKEN.encode() in page  # the browser could read the page


def test_the_system_browser_is_given_the_page_too(
    runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    opened: list[tuple[str, int]] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, new=0: opened.append((url, new)) or True)
    SystemBrowser(RedirectPages(later=Later())).open(Secret(URL))
    [(url, new)] = opened
    assert new == 1 and url.startswith("file://") and TOKEN not in url
    assert TOKEN in _path_of(url).read_text()


def test_a_refusal_is_said_and_the_page_removed_at_once(
    runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url, new=0: False)
    pages = RedirectPages(later=Later())
    with pytest.raises(FederationError) as raised:
        SystemBrowser(pages).open(Secret(URL))
    assert raised.value.code == "browser.none"
    assert pages.pending == [] and list((runtime / "breakglass-gui").iterdir()) == []

    def missing(args: Any) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    with pytest.raises(FederationError) as raised:
        CommandBrowser(("no-such-browser", "{url}"), runner=missing, pages=pages).open(Secret(URL))
    assert raised.value.code == "browser.command"
    assert raised.value.message == (
        "The browser command no-such-browser could not be started (No such file or directory); "
        "use Copy URL instead."
    )
    assert list((runtime / "breakglass-gui").iterdir()) == []


def test_pages_left_at_quit_are_removed(runtime: Path) -> None:
    pages = RedirectPages(later=Later())  # nothing scheduled runs
    written = [pages.write(Secret(URL)) for _ in range(3)]
    assert all(p.exists() for p in written)
    pages.remove_all()
    assert not any(p.exists() for p in written) and pages.pending == []


@pytest.mark.parametrize("how", ["open to the group", "a symlink", "not set"])
def test_an_unsafe_runtime_directory_is_not_used(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A runtime directory others can enter, or a symlink planted in its place, is passed
    over for a fresh private directory."""
    target = tmp_path / "shared"
    target.mkdir(mode=0o700)
    if how == "open to the group":
        target.chmod(0o770)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(target))
    elif how == "a symlink":
        link = tmp_path / "link"
        link.symlink_to(target)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(link))
    else:
        monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    pages = RedirectPages(later=Later())
    try:
        page = pages.write(Secret(URL))
        assert target not in page.parents
        assert stat.S_IMODE(page.parent.stat().st_mode) == 0o700
        assert page.parent.stat().st_uid == os.getuid()
    finally:
        pages.remove_all()


def test_a_planted_page_or_symlink_is_never_written_through(
    runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = runtime / "breakglass-gui"
    folder.mkdir(mode=0o700)
    victim = runtime / "victim"
    victim.write_text("keep")
    fixed = "0" * 32
    monkeypatch.setattr("secrets.token_hex", lambda n=None: fixed)  # browser imports it
    (folder / f"signin-{fixed}.html").symlink_to(victim)
    with pytest.raises(FileExistsError):
        RedirectPages(folder=folder, later=Later()).write(Secret(URL))
    assert victim.read_text() == "keep"


def test_the_page_escapes_the_url_for_html_and_script() -> None:
    hostile = 'https://x/?a="><script>alert(1)</script>&b=</script>'
    page = redirect_page(hostile)
    assert "<script>alert(1)" not in page
    assert page.count("<script>") == 1 and page.count("</script>") == 1
    assert "&quot;&gt;&lt;script&gt;" in page  # the meta refresh attribute
    assert "\\u003c/script\\u003e" in page  # the script string
    assert 'name="referrer" content="no-referrer"' in page


def test_the_browser_command_runs_in_its_own_session(tmp_path: Path, runtime: Path) -> None:
    """The browser outlives the app and gets none of its terminal's signals (Ctrl+C); the
    URL reaches it as one argument, never through a shell."""
    out = tmp_path / "sid"
    script = f'echo "$(ps -o sid= -p $$) $$" > {out}.tmp && mv {out}.tmp {out}'
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        CommandBrowser(("/bin/sh", "-c", script, "{url}"), pages=RedirectPages(later=Later())).open(
            Secret("https://signin/?a=1&b=$(rm -rf /)")
        )
    deadline = time.monotonic() + 10
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    sid, pid = out.read_text().split()
    assert sid == pid  # a session leader: start_new_session
    assert int(sid) != os.getsid(0)


def test_a_browser_command_without_the_url_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match=r'must contain "\{url\}"'):
        CommandBrowser(("firefox", "--private-window"))


# ----- the details an attacker or a crash would find -------------------------------------------


def test_a_given_folder_is_used_and_page_names_are_unguessable(
    tmp_path: Path, runtime: Path
) -> None:
    import re

    folder = tmp_path / "given"
    folder.mkdir(mode=0o700)
    pages = RedirectPages(folder=folder, later=Later())
    page = pages.write(Secret(URL))
    assert page.parent == folder
    assert re.fullmatch(r"signin-[0-9a-f]{32}\.html", page.name)  # 128 random bits


def test_removing_twice_or_after_someone_else_did_is_harmless(runtime: Path) -> None:
    pages = RedirectPages(later=Later())
    first, second = pages.write(Secret(URL)), pages.write(Secret(URL))
    pages.remove(first)
    pages.remove(first)  # the scheduled removal after the one at quit, or the reverse
    second.unlink()  # tmpfs cleared, or the user tidied up
    pages.remove_all()
    assert pages.pending == []


def test_pages_are_removed_at_exit_and_by_a_real_timer(
    runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import atexit
    import threading

    from breakglass_gui.core import browser

    registered: list[Callable[[], None]] = []
    monkeypatch.setattr(atexit, "register", registered.append)
    pages = RedirectPages(later=Later())
    assert registered == [pages.remove_all]
    fired = threading.Event()
    timer = browser._daemon_timer(0.01, fired.set)
    assert getattr(timer, "daemon", False) is True  # never keeps the app from quitting
    assert fired.wait(5)


def test_a_planted_folder_inside_the_runtime_directory_is_not_used(
    runtime: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (runtime / "breakglass-gui").symlink_to(elsewhere)
    pages = RedirectPages(later=Later())
    page = pages.write(Secret(URL))
    try:
        assert elsewhere not in page.parents and runtime not in page.parents
    finally:
        pages.remove_all()


def test_a_runtime_directory_that_does_not_exist_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "gone"))
    pages = RedirectPages(later=Later())
    try:
        assert stat.S_IMODE(pages.write(Secret(URL)).parent.stat().st_mode) == 0o700
    finally:
        pages.remove_all()


def test_the_system_browser_uses_the_pages_it_is_given(
    runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url, new=0: True)
    pages = RedirectPages(later=Later())
    SystemBrowser(pages).open(Secret(URL))
    assert len(pages.pending) == 1
