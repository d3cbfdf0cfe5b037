"""The drill world in its own process, for the desktop app (docs/rules.md §10, §13).

moto and the federation stand-in are Python servers: run inside the
app's process, their request threads compete with the GUI thread for the interpreter lock and
their heap lengthens every garbage collection, so the GUI would stutter in a drill in a way it
never does against real AWS and Vault. `RemoteDrill` starts `DrillEnvironment` in a child
process and talks to it over a pipe; the app process then looks like production: it only
makes HTTP calls to 127.0.0.1.

What the drill panel shows every second (MFA and approver codes, the Vault password, the
unseal shares) is computed here from seeds sent once at start, so the GUI thread never waits
on the child. Commands (slow down, simulate activity, burn an MFA code) are requests answered
by the child; the child tells us when its OpenBao is unsealed (it watches the seal status).
If the app dies, even by SIGKILL, the child sees the pipe close and shuts its servers down.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from breakglass_gui.core import totp
from breakglass_gui.core.aws.admin import ProfileSessions
from breakglass_gui.core.config import Config, parse_config
from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.secret import Secret
from breakglass_gui.drill.environment import (
    DrillCodes,
    DrillEnvironment,
    admin_sessions,
)
from breakglass_gui.drill.layout import MEMBERS, USERS

if TYPE_CHECKING:  # the app's side only: the world's process never imports them
    from breakglass_gui.core.clock import Clock
    from breakglass_gui.core.deps import Deps
    from breakglass_gui.core.journal import Journal

START_TIMEOUT = 90.0
SEAL_POLL_S = 0.25
CALL_TIMEOUT = 60.0


class DrillProcessError(BreakGlassError):
    """The drill's child process could not start or stopped answering."""

    code = "drill"


@dataclass(frozen=True)
class _World:
    """What the child sends once it is up."""

    config_data: dict[str, Any]
    endpoint: str
    federation_url: str
    vault_password: str
    unseal_keys: list[str]
    threshold: int
    sealed: bool
    serials: dict[str, str]  # Vault user → MFA serial
    mfa_seeds: dict[str, str]  # MFA serial → seed
    timings: dict[str, float]


# ----- the child ------------------------------------------------------------------------------


def _describe(env: DrillEnvironment) -> _World:
    assert env.config is not None
    return _World(
        config_data=env.config_data,
        endpoint=env.endpoint,
        federation_url=env.federation.url,
        vault_password=env.vault_password.reveal(),
        unseal_keys=list(env.vault.unseal_keys),
        threshold=env.vault.threshold,
        sealed=True,  # every drill begins with the unseal step
        serials=dict(env.serials),
        mfa_seeds={serial: env.devices.seed(serial) for serial in env.serials.values()},
        timings=dict(env.timings),
    )


def _commands(env: DrillEnvironment) -> dict[str, Callable[..., Any]]:
    return {
        "slow_down": env.slow_down,
        "outage": env.outage,
        "secret_values": lambda: sorted(env.secret_values()),
        "simulate_activity": env.simulate_activity,
        "use_mfa_code": lambda user, code: env.devices.accept(env.serials[user], code),
        "collector": lambda: {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()},
    }


def _watch_seal(env: DrillEnvironment, send: Callable[[tuple[Any, ...]], None]) -> None:
    """Tell the app when the key holders have unsealed OpenBao (the panel hides the shares)."""
    while True:
        time.sleep(SEAL_POLL_S)
        try:
            if not env.vault.sealed:
                send(("event", "sealed", False))
                return
        except Exception:
            return


def serve(conn: Connection, members: int = len(MEMBERS), organisation: bool = False) -> None:
    """The child's main: start the world, answer requests until told to stop or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the app, which stops us
    env = DrillEnvironment(members=members, organisation=organisation)
    # The world's objects live as long as this process: once it is up they are frozen out of
    # the collector's sight. The start pauses the collector (DrillEnvironment.start); here it
    # stays paused until the freeze: a collection in between traversed everything the start
    # had made (~0.2 s, measured), and the first one after it did so in the drill's first call.
    gc.disable()
    try:
        env.start()
    except Exception as exc:
        env.stop()
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    finally:
        gc.freeze()
        gc.enable()
    sending = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with sending:
            conn.send(message)

    threading.Thread(target=_watch_seal, args=(env, send), name="seal-watch", daemon=True).start()
    commands = _commands(env)
    send(("ready", asdict(_describe(env))))  # plain data: no class crosses the pipe
    try:
        while True:
            try:
                ident, name, args = conn.recv()
            except (EOFError, OSError):
                break  # the app is gone (quit or killed): nobody left to serve
            if name == "stop":
                send((ident, True, None))
                break
            try:
                send((ident, True, commands[name](*args)))
            except Exception as exc:
                send((ident, False, f"{type(exc).__name__}: {exc}"))
    finally:
        env.stop()


# ----- the app's side -------------------------------------------------------------------------


class RemoteDrill(DrillCodes):
    """The drill world as the app sees it: the same questions as `DrillEnvironment`."""

    def __init__(self, members: int = len(MEMBERS), organisation: bool = False) -> None:
        """`members`, `organisation`: as DrillEnvironment's (the scale benchmark's world)."""
        self.members, self.organisation = members, organisation
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None
        self._pending: dict[int, Future[Any]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._world: _World | None = None
        self._admin: ProfileSessions | None = None
        self.config: Config | None = None
        self.vault_password = Secret("")
        self.sealed = True
        self.timings: dict[str, float] = {}

    # ----- life cycle ---------------------------------------------------------------------

    def start(self) -> RemoteDrill:
        started = time.perf_counter()
        ours, theirs = socket.socketpair()
        try:
            # A fresh interpreter (never a fork of a process with Qt threads) that imports
            # only this module: no re-import of the app's main script.
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                child_command(theirs.fileno(), self.members, self.organisation),
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env=_child_environment(),
            )
        finally:
            theirs.close()  # only the child holds its end: its exit is our end-of-file
        self._conn = Connection(ours.detach())
        try:
            world = self._hello(self._conn)
        except BaseException:
            self.stop()
            raise
        self._world = world
        self.config = parse_config(world.config_data)
        self.vault_password = Secret(world.vault_password)
        self.sealed = world.sealed
        self._reader = threading.Thread(target=self._read, name="drill-pipe", daemon=True)
        self._reader.start()
        self.timings = {**world.timings, "drill process start": time.perf_counter() - started}
        return self

    def _hello(self, conn: Connection) -> _World:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while not conn.poll(0.1):
            if self._process.poll() is not None:
                raise DrillProcessError("The drill environment stopped while starting.")
            if time.monotonic() > deadline:
                raise DrillProcessError("The drill environment did not start in time.")
        kind, value = conn.recv()
        if kind != "ready":
            raise DrillProcessError(f"The drill environment could not start: {value}")
        return _World(**value)

    def stop(self) -> None:
        if self._reader is not None and self.alive:
            with contextlib.suppress(DrillProcessError):  # it is going away either way
                self._call("stop", timeout=10.0)
        if self._process is not None:
            try:
                self._process.wait(timeout=10 if self._reader is not None else 0.1)
            except subprocess.TimeoutExpired:
                self._process.terminate()
                self._process.wait(timeout=5)
        if self._conn is not None:
            self._conn.close()
        if self._reader is not None:
            self._reader.join(timeout=5)
        self._process = self._conn = self._reader = None

    def _read(self) -> None:
        conn = self._conn
        assert conn is not None
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if message[0] == "event":
                if message[1] == "sealed":
                    self.sealed = bool(message[2])
                continue
            ident, ok, value = message
            with self._lock:
                future = self._pending.pop(ident, None)
            if future is None:
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(DrillProcessError(f"The drill environment failed: {value}"))
        with self._lock:
            orphans, self._pending = self._pending, {}
        for future in orphans.values():
            future.set_exception(DrillProcessError("The drill environment has stopped."))

    def _call(self, name: str, *args: Any, timeout: float = CALL_TIMEOUT) -> Any:
        if self._conn is None:
            raise DrillProcessError("The drill environment is not running.")
        future: Future[Any] = Future()
        with self._lock:
            ident = next(self._ids)
            self._pending[ident] = future
            try:
                self._conn.send((ident, name, args))
            except (OSError, ValueError):
                self._pending.pop(ident, None)
                raise DrillProcessError("The drill environment has stopped.") from None
        try:
            return future.result(timeout)
        except TimeoutError:
            raise DrillProcessError(f"The drill environment did not answer ({name}).") from None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # ----- what the drill panel shows (no round trip) -------------------------------------

    @property
    def world(self) -> _World:
        assert self._world is not None, "start() first"
        return self._world

    @property
    def admin(self) -> ProfileSessions:
        """The drill administrator's AWS sessions (the readiness view audits with them)."""
        if self._admin is None:
            assert self.config is not None and self.config.network.ca_bundle
            self._admin = admin_sessions(self.world.endpoint, self.config.network.ca_bundle)
        return self._admin

    @property
    def serials(self) -> dict[str, str]:
        return self.world.serials

    @property
    def unseal_keys(self) -> list[str]:
        return self.world.unseal_keys

    @property
    def threshold(self) -> int:
        return self.world.threshold

    def mfa_code(self, user: str = USERS[0], at: float | None = None) -> str:
        seed = Secret(self.world.mfa_seeds[self.serials[user]])
        return totp.code_at(seed, time.time() if at is None else at)

    def unseal_shares(self) -> list[Secret]:
        return [Secret(k) for k in self.unseal_keys[: self.threshold]]

    # ----- commands (answered by the child; call them off the GUI thread) ------------------

    def slow_down(self, seconds: float) -> None:
        self._call("slow_down", seconds)

    def outage(self, operation: str, down: bool = True) -> None:
        self._call("outage", operation, down)

    def secret_values(self) -> set[str]:
        """Every secret the drill world created or handed out (for workstation scans)."""
        return set(self._call("secret_values"))

    def simulate_activity(
        self, incident: str, operator: str, user: str, accounts: list[str], since: float
    ) -> int:
        return int(self._call("simulate_activity", incident, operator, user, accounts, since))

    def use_mfa_code(self, user: str, code: str) -> bool:
        """Someone else uses this code at AWS first (a test of the reused-code refusal)."""
        return bool(self._call("use_mfa_code", user, code))

    def deps(self, journal: Journal, *, clock: Clock | None = None, browser: Any = None) -> Deps:
        assert self.config is not None
        from breakglass_gui.drill.procedure_deps import drill_deps

        return drill_deps(
            self.config,
            journal,
            endpoint=self.world.endpoint,
            federation_url=self.world.federation_url,
            approver_keys=self.approver_keys,
            clock=clock,
            browser=browser,
        )


# ----- the child's command line -------------------------------------------------------------


def child_command(fd: int, members: int = len(MEMBERS), organisation: bool = False) -> list[str]:
    args = [str(fd), str(members), "organisation" if organisation else "config"]
    if getattr(sys, "frozen", False):  # the packaged app: its executable knows this entry
        return [sys.executable, "--drill-world", *args]
    return [sys.executable, "-m", "breakglass_gui.drill.remote", *args]


def _child_environment() -> dict[str, str]:
    """The child imports this package from where the app imported it."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


DRILL_NICENESS = 10


def main(argv: list[str]) -> int:
    """`python -m breakglass_gui.drill.remote FD`: the child's entry point."""
    from breakglass_gui.core.hardening import harden_process

    os.umask(0o077)
    if hasattr(os, "nice"):  # not on Windows
        # The drill's servers stand for AWS and Vault, which in production use none of the
        # workstation's CPU: on a busy 2-core machine they yield it to the app, whose GUI
        # thread must never wait > 50 ms during a network call (docs/rules.md §13; the worst gap of
        # a slowed GUI drill went from 22–38 ms to 18–29 ms here).
        os.nice(DRILL_NICENESS)
    harden_process()  # it holds drill secrets: no core dumps, not dumpable, like the app
    fd, members, source = argv[0], argv[1], argv[2]
    serve(Connection(int(fd)), int(members), source == "organisation")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
