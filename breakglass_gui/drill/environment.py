"""The embedded drill environment: everything on 127.0.0.1, nothing persisted.

`DrillEnvironment.start()` brings up moto (server mode, behind the drill's STS/CloudTrail gate)
and a real OpenBao server (drill/openbao.py) side by side, provisions AWS with the same code as
`main.py provision`, creates the two break-glass users with simulated MFA devices, writes their
records into OpenBao and seals it (every drill begins with the unseal step), and starts the
federation stand-in. `stop()` shuts every server down and leaves no process, thread or port.
"""

from __future__ import annotations

import gc
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from breakglass_gui.core import totp
from breakglass_gui.core.aws.admin import ProfileSessions
from breakglass_gui.core.aws.blueprint import build_blueprint
from breakglass_gui.core.aws.provision import Provisioner
from breakglass_gui.core.aws.rotate import generate_password
from breakglass_gui.core.config import Config, parse_config
from breakglass_gui.core.network import Network
from breakglass_gui.core.secret import Secret
from breakglass_gui.drill import organisation
from breakglass_gui.drill.activity import ActivitySimulator
from breakglass_gui.drill.alarms import alarm_history
from breakglass_gui.drill.aws_server import DrillGate
from breakglass_gui.drill.federation import FederationStandIn
from breakglass_gui.drill.keep_alive import close_connections
from breakglass_gui.drill.lambda_runner import LambdaRunner
from breakglass_gui.drill.layout import (
    ADMIN_KEY,
    IAM_ACCOUNT,
    MEMBERS,
    REGION,
    ROTATION_APPROLE,
    ROTATION_FUNCTION,
    ROTATION_POLICY,
    USERS,
    VAULT_USER,
    drill_config_data,
    member_ids,
)
from breakglass_gui.drill.mfa import MfaDevices, new_seed
from breakglass_gui.drill.openbao import OpenBaoServer
from breakglass_gui.drill.serving import serve_in_thread
from breakglass_gui.drill.tls import DrillTls

if TYPE_CHECKING:  # the app's side only: the world's process never imports them
    from breakglass_gui.core.approval_request import SignedRequest
    from breakglass_gui.core.clock import Clock
    from breakglass_gui.core.deps import Deps
    from breakglass_gui.core.journal import Journal
    from breakglass_gui.drill.approver_devices import DrillKeys


class DrillCodes:
    """What the people of a drill would type: shared by the in-process and the child world."""

    vault_password: Secret
    _approver_keys: DrillKeys | None = None

    @property
    def approver_keys(self) -> DrillKeys:
        """The drill approvers' keys (public by design: drill/approver_devices.py), made on
        first use: the world's own process never signs, and need not import what signs."""
        if self._approver_keys is None:
            from breakglass_gui.drill import approver_devices

            self._approver_keys = approver_devices.DrillKeys()
        return self._approver_keys

    def approver_response(self, approver: str, request: SignedRequest | None) -> str:
        """What the approver gives the operator for this request text: their security key's
        PIN, or their ssh signature of the text."""
        return self.approver_keys.response(approver, request)

    def vault_credential(self) -> Secret:
        """A fresh copy of the drill's Vault password (the app wipes what it is given)."""
        return Secret(self.vault_password.reveal())


@dataclass
class _Servers:
    moto: Any = None
    moto_thread: threading.Thread | None = None
    vault: OpenBaoServer | None = None
    federation: FederationStandIn | None = None
    tls: DrillTls | None = None


@dataclass
class DrillEnvironment(DrillCodes):
    # Rotate through the shipped rotation function (deployed by provisioning, run in-process
    # by the drill's gate: drill/lambda_runner.py) instead of the app's direct rotation.
    rotation_lambda: bool = False
    members: int = len(MEMBERS)  # member accounts (the revocation scale benchmark)
    # The members in an AWS Organizations organisation, listed through `accounts sync`'s reader
    # (drill/organisation.py), instead of the config's account list.
    organisation: bool = False
    vault_password: Secret = field(default_factory=lambda: Secret(secrets.token_urlsafe(18)))
    devices: MfaDevices = field(default_factory=MfaDevices)
    timings: dict[str, float] = field(default_factory=dict)
    _servers: _Servers = field(default_factory=_Servers)
    endpoint: str = ""
    config: Config | None = None
    config_data: dict[str, Any] = field(default_factory=dict)
    gate: DrillGate | None = None
    simulator: ActivitySimulator | None = None
    serials: dict[str, str] = field(default_factory=dict)
    admin: ProfileSessions | None = None

    # ----- life cycle -----------------------------------------------------------------------

    def start(self) -> DrillEnvironment:
        """Everything up and provisioned, OpenBao sealed (the module's docstring). Python's
        cyclic collector is paused meanwhile: the start allocates a few hundred thousand
        objects (moto's modules, service models, backends) and almost no garbage, and the
        collections they set off cost ~0.3 s of a ~1.6 s start here (docs/benchmarks.md). The
        collector's state is restored after (a GUI test's own collector is left as it was)."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._start()
        finally:
            if was_enabled:
                gc.enable()

    def _start(self) -> DrillEnvironment:
        started = time.perf_counter()
        tls = self._servers.tls = DrillTls.create()
        vault = self._servers.vault = OpenBaoServer.launch(tls)
        # OpenBao is another process: it starts, is initialised and configured while moto
        # starts and AWS is provisioned here (the records go in once the users exist).
        role_id = str(uuid.uuid4())  # the rotation function's AppRole (not a secret)
        secret_id = Secret(secrets.token_urlsafe(24))

        def set_up() -> None:
            vault.set_up({VAULT_USER: self.vault_password.reveal()})
            if self.rotation_lambda:
                vault.add_approle(ROTATION_APPROLE, role_id, secret_id.reveal(), ROTATION_POLICY)

        setting_up = _background(set_up)
        self._start_moto(tls)
        admin = self.admin = admin_sessions(self.endpoint, self.ca_file)
        snapshot = None
        if self.organisation:
            organisation.build(admin, member_ids(self.members))
            snapshot = str(organisation.sync(admin, tls.directory))
        self.config_data = drill_config_data(
            vault.address, str(tls.ca_file), self.members, snapshot
        )
        if self.rotation_lambda:
            self.config_data["rotation"] = {
                "lambda_function": ROTATION_FUNCTION,
                "vault_role_id": role_id,
            }
        self.config = parse_config(self.config_data)
        if self.rotation_lambda:  # the AppRole secret id, where the function reads it
            admin.client("ssm", IAM_ACCOUNT).put_parameter(
                Name=self.config.rotation.vault_secret_id_parameter,
                Value=secret_id.reveal(),
                Type="SecureString",
            )
            assert self.gate is not None
            self.gate.lambdas = LambdaRunner(admin, IAM_ACCOUNT, REGION)

        sealing: list[Future[Any]] = []

        def users_into_vault() -> None:  # beside the provisioning
            setting_up.result(timeout=30)
            self._create_users(admin, vault)
            # OpenBao takes 0.05-0.5 s to seal: beside the rest, awaited before "ready".
            sealing.append(_background(vault.seal))

        Provisioner(build_blueprint(self.config), admin).apply(once_users_exist=users_into_vault)
        self.simulator = ActivitySimulator(
            admin.client("logs", IAM_ACCOUNT), self.config.monitoring.log_group, REGION
        )
        self._servers.federation = FederationStandIn(tls=tls.server_context).start()
        sealing[0].result(timeout=30)  # every drill begins at the unseal step
        self.timings["environment start"] = time.perf_counter() - started
        return self

    def stop(self) -> None:
        servers = self._servers
        if servers.federation is not None:
            servers.federation.stop()
        if servers.vault is not None:
            servers.vault.stop()
        if servers.moto is not None:
            servers.moto.shutdown()
            close_connections(servers.moto)
            servers.moto.server_close()
        if servers.moto_thread is not None:
            servers.moto_thread.join(timeout=5)
        if servers.tls is not None:
            servers.tls.remove()
        self._servers = _Servers()

    def __enter__(self) -> DrillEnvironment:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def ca_file(self) -> str:
        """The drill CA's certificate: the one trust anchor of a drill (drill/tls.py)."""
        assert self._servers.tls is not None, "the drill is not started"
        return str(self._servers.tls.ca_file)

    def _start_moto(self, tls: DrillTls) -> None:
        from breakglass_gui.drill.aws_server import https_server, lookup_page, moto_application

        _reset_moto()
        self.gate = DrillGate(
            moto_application(),
            self.devices,
            lambda account, request: (
                self.simulator.lookup(account, request)
                if self.simulator
                else lookup_page([], request)
            ),
            self._alarm_history,
        )
        server = https_server(self.gate, tls.server_context)
        thread = serve_in_thread(server, "drill-aws")
        self._servers.moto, self._servers.moto_thread = server, thread
        host, port = server.server_address[:2]
        self.endpoint = f"https://{host!s}:{port}"

    def _alarm_history(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.config is not None
        blueprint = build_blueprint(self.config)
        name = str(request.get("AlarmName", ""))
        patterns = {
            a.name: f.pattern
            for a, f in zip(blueprint.monitoring.alarms, blueprint.monitoring.filters, strict=False)
        }
        records = self.simulator.all_records() if self.simulator else []
        return alarm_history(
            name,
            patterns.get(name, ""),
            records,
            _epoch(request.get("StartDate"), 0.0),
            _epoch(request.get("EndDate"), time.time() + 3600),
        )

    def _create_users(self, admin: ProfileSessions, vault: OpenBaoServer) -> None:
        """Each break-glass user's MFA device, password and key, its record into OpenBao: the
        users side by side (as the provisioner does with independent parts)."""
        assert self.config is not None
        iam = admin.client("iam", IAM_ACCOUNT)
        users = self.config.vault.users
        with ThreadPoolExecutor(len(users), thread_name_prefix="drill-users") as pool:
            list(pool.map(lambda user: self._create_user(iam, vault, user), users))

    def _create_user(self, iam: Any, vault: OpenBaoServer, user: str) -> None:
        assert self.config is not None
        seed = new_seed()
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
        serial = device["SerialNumber"]
        now = time.time()
        iam.enable_mfa_device(
            UserName=user,
            SerialNumber=serial,
            AuthenticationCode1=totp.code_at(seed, now - 30),
            AuthenticationCode2=totp.code_at(seed, now),
        )
        self.devices.add(serial, seed)
        self.serials[user] = serial
        password = generate_password()
        iam.create_login_profile(UserName=user, Password=password.reveal())
        key = iam.create_access_key(UserName=user)["AccessKey"]
        vault.put(
            self.config.vault.kv_path(user),
            {
                "username": user,
                "account_id": IAM_ACCOUNT,
                "mfa_serial": serial,
                "access_key_id": key["AccessKeyId"],
                "secret_access_key": key["SecretAccessKey"],
                "console_password": password.reveal(),
            },
            mount=self.config.vault.kv_mount,
        )
        password.wipe()
        del key

    # ----- what the drill panel and the autopilot use ------------------------------------------

    @property
    def vault(self) -> OpenBaoServer:
        assert self._servers.vault is not None
        return self._servers.vault

    @property
    def federation(self) -> FederationStandIn:
        assert self._servers.federation is not None
        return self._servers.federation

    @property
    def sealed(self) -> bool:
        """Whether the drill's OpenBao is sealed (RemoteDrill answers the same)."""
        return self.vault.sealed

    def slow_down(self, seconds: float) -> None:
        """Add latency to the drill's simulated endpoints (AWS, federation): the GUI heartbeat
        benchmark checks the GUI thread stays responsive while calls take this long. OpenBao
        is the real server and answers at its own speed."""
        assert self.gate is not None
        self.gate.delay_seconds = seconds
        self.federation.delay_seconds = seconds

    def outage(self, operation: str, down: bool = True) -> None:
        """Take one AWS operation ("sns:Publish") down or bring it back (fault drills, tests)."""
        assert self.gate is not None
        (self.gate.outages.add if down else self.gate.outages.discard)(operation)

    def simulate_activity(
        self, incident: str, operator: str, user: str, accounts: list[str], since: float
    ) -> int:
        """Write simulated CloudTrail activity for these accounts (the live panel moves)."""
        assert self.simulator is not None and self.config is not None
        records = self.simulator.simulate(
            incident=incident,
            operator=operator,
            role_name=self.config.role.name,
            user=user,
            iam_account=self.config.organisation.iam_account_id,
            accounts=accounts,
            since=since,
        )
        return len(records)

    def session_behind_the_apps_back(self, account: str, session_name: str) -> None:
        """An insider with the Vault login and the MFA device assumes the break-glass role
        without the app: AWS records it (what `audit-trail` must report)."""
        assert self.simulator is not None and self.config is not None
        self.simulator.record_assume_role(
            account=account,
            role_name=self.config.role.name,
            session_name=session_name,
            source_identity="",
            user=self.config.vault.default_user,
            iam_account=self.config.organisation.iam_account_id,
        )

    def secret_values(self) -> set[str]:
        """Every secret this drill world created or handed out: the Vault password, unseal
        shares, tokens and every version of the credential records; the MFA seeds; the STS
        keys and tokens; the IAM users' current keys and passwords; the federation sign-in
        tokens. (The drill approvers' keys are public by design: drill/approver_devices.py.)
        Tests scan the workstation for each of them (docs/rules.md §14)."""
        vault = self.vault
        values = {self.vault_password.reveal(), vault.root_token, *vault.unseal_keys}
        values |= vault.tap.tokens()
        assert self.config is not None
        settings = self.config.vault
        for name in settings.users:
            for record in vault.versions(settings.kv_path(name), mount=settings.kv_mount):
                values.update(
                    str(record[k]) for k in ("secret_access_key", "console_password") if k in record
                )
        values.update(self.devices.seed(serial) for serial in self.serials.values())
        if self.gate is not None:
            values |= self.gate.issued
        values |= set(self.federation.tokens)
        from moto.iam.models import iam_backends

        for backend in list(iam_backends.get(IAM_ACCOUNT, {}).values()):
            for user in backend.users.values():
                values.update(k.secret_access_key for k in user.access_keys)
                if user.password:
                    values.add(user.password)
        return {v for v in values if v}

    def mfa_code(self, user: str = USERS[0]) -> str:
        return self.devices.code(self.serials[user])

    def unseal(self) -> DrillEnvironment:
        """What three key holders do with `bao operator unseal` (tests that begin past it)."""
        self.vault.unseal()
        return self

    def unseal_shares(self) -> list[Secret]:
        return [Secret(k) for k in self.vault.unseal_keys[: self.vault.threshold]]

    def deps(self, journal: Journal, *, clock: Clock | None = None, browser: Any = None) -> Deps:
        assert self.config is not None
        from breakglass_gui.drill.procedure_deps import drill_deps

        return drill_deps(
            self.config,
            journal,
            endpoint=self.endpoint,
            federation_url=self.federation.url,
            approver_keys=self.approver_keys,
            clock=clock,
            browser=browser,
        )


def admin_sessions(endpoint: str, ca_file: str) -> ProfileSessions:
    """The drill's administrator: provisioning, the readiness audit, the activity simulator."""
    return ProfileSessions.from_profile(
        None,
        home_account=IAM_ACCOUNT,
        member_role="OrganizationAccountAccessRole",
        partition="aws",
        region=REGION,
        endpoint_url=endpoint,
        credentials=ADMIN_KEY,
        network=Network(ca_bundle=ca_file),
    )


def _background(work: Callable[[], Any]) -> Future[Any]:
    """Run `work` on its own thread; its result (or error) comes out of the future."""
    future: Future[Any] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as exc:  # re-raised by result() in the caller
            future.set_exception(exc)

    threading.Thread(target=run, name="drill-openbao", daemon=True).start()
    return future


def _epoch(value: Any, default: float) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return default


def _reset_moto() -> None:
    """moto keeps its state per process: a drill always starts from an empty world."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
