"""Handing the console sign-in URL to a browser without showing it to anyone else (docs/rules.md
§3).

The sign-in URL is a bearer secret: whoever holds it is signed in to the console as the
break-glass role. A URL in a command line is readable by every user of the machine
(`/proc/<pid>/cmdline`, `ps aux`), and a URL in the environment by every process the browser
starts. So no browser is ever given the URL itself: it is given a `file://` URL of a redirect
page that only this user can read —

- in `$XDG_RUNTIME_DIR/breakglass-gui/` (a per-user tmpfs, never on a disk) when that directory is
  ours and closed to others, else in a fresh private temporary directory;
- created with `O_EXCL | O_NOFOLLOW` and mode 0600 (a planted file or symlink is refused);
- holding the URL in a `<meta http-equiv="refresh">` and a `location.replace()` (so the page
  leaves no history entry), escaped for both contexts;
- removed `KEEP_SECONDS` after the browser was started (time enough for a cold browser to
  read it), and at the latest when the app quits.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from breakglass_gui.core.errors import FederationError
from breakglass_gui.core.secret import Secret

KEEP_SECONDS = 30.0
FOLDER = "breakglass-gui"


class BrowserLauncher(Protocol):
    def open(self, url: Secret) -> None: ...


def redirect_page(url: str) -> str:
    """The page: no script or markup can be injected by the URL (it is AWS's, but escape it)."""
    import html  # its entity table is not needed before the first page is painted

    attribute = html.escape(url, quote=True)
    script = json.dumps(url).replace("<", "\\u003c").replace(">", "\\u003e")
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer">'
        f'<meta http-equiv="refresh" content="0;url={attribute}">'
        "<title>Break Glass: opening the AWS console</title></head>"
        f"<body><script>location.replace({script});</script>"
        "<p>Opening the AWS console…</p></body></html>\n"
    )


class RedirectPages:
    """Writes redirect pages and removes them after use (see the module docstring)."""

    def __init__(
        self,
        folder: Path | None = None,
        keep_seconds: float = KEEP_SECONDS,
        later: Callable[[float, Callable[[], None]], object] | None = None,
    ) -> None:
        self._folder = folder
        self._keep = keep_seconds
        self._later = later or _daemon_timer
        self._pages: set[Path] = set()
        self._lock = threading.Lock()
        atexit.register(self.remove_all)

    def folder(self) -> Path:
        if self._folder is None:
            self._folder = _private_folder()
        return self._folder

    def write(self, url: Secret) -> Path:
        import secrets  # when a URL is opened, not at start (docs/rules.md §13)

        page = self.folder() / f"signin-{secrets.token_hex(16)}.html"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(page, flags, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(redirect_page(url.reveal()))
        with self._lock:
            self._pages.add(page)
        self._later(self._keep, lambda: self.remove(page))
        return page

    def remove(self, page: Path) -> None:
        with self._lock:
            self._pages.discard(page)
        page.unlink(missing_ok=True)

    def remove_all(self) -> None:
        with self._lock:
            pages, self._pages = list(self._pages), set()
        for page in pages:
            page.unlink(missing_ok=True)

    @property
    def pending(self) -> list[Path]:
        with self._lock:
            return sorted(self._pages)


def _daemon_timer(seconds: float, action: Callable[[], None]) -> object:
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    timer.start()
    return timer


def _private_folder() -> Path:
    """`$XDG_RUNTIME_DIR/breakglass-gui` if the runtime directory is a real directory of ours
    that nobody else can enter; otherwise a new private temporary directory."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and _ours_and_closed(Path(runtime)):
        folder = Path(runtime) / FOLDER
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
        if _ours_and_closed(folder):
            return folder
    return Path(tempfile.mkdtemp(prefix=f"{FOLDER}-"))


def _ours_and_closed(path: Path) -> bool:
    try:
        info = os.lstat(path)  # lstat: a symlink is not followed, and not accepted
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == getattr(os, "getuid", lambda: info.st_uid)()
        and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    )


class SystemBrowser:
    """The desktop's default browser via `webbrowser` (no shell involved), given the page."""

    def __init__(self, pages: RedirectPages | None = None) -> None:
        self._pages = pages or RedirectPages()

    def open(self, url: Secret) -> None:
        import webbrowser

        page = self._pages.write(url)
        if not webbrowser.open(page.as_uri(), new=1):
            self._pages.remove(page)
            raise FederationError(
                "No web browser could be started; use Copy URL instead.", code="browser.none"
            )


class CommandBrowser:
    """A configured command, e.g. `["firefox", "--private-window", "{url}"]`; never a shell.
    `{url}` becomes the redirect page's `file://` URL, never the sign-in URL."""

    def __init__(
        self,
        argv: tuple[str, ...],
        runner: Callable[[list[str]], object] | None = None,
        pages: RedirectPages | None = None,
    ):
        if "{url}" not in argv:
            raise ValueError('browser_command must contain "{url}"')
        self._argv = argv
        self._pages = pages or RedirectPages()
        self._run = runner or _start_detached

    def open(self, url: Secret) -> None:
        page = self._pages.write(url)
        args = [page.as_uri() if part == "{url}" else part for part in self._argv]
        try:
            self._run(args)
        except OSError as exc:
            self._pages.remove(page)
            import shlex

            raise FederationError(
                f"The browser command {shlex.quote(self._argv[0])} could not be started "
                f"({exc.strerror}); use Copy URL instead.",
                code="browser.command",
            ) from None


def _start_detached(args: list[str]) -> object:
    """The browser in its own session, its output discarded (the configured command's runner)."""
    import subprocess

    return subprocess.Popen(  # noqa: S603 - argv, no shell
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
