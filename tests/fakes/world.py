"""A whole world for procedure tests: moto AWS, a real OpenBao (a namespace of its own on the
session's server: tests/fakes/world_vault.py), the federation stand-in.

`World.drive(until)` runs an incident the way an operator would, with correct codes, so tests
can stop anywhere, inject a fault, and resume from the journal as a relaunched app would.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pyotp
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

from breakglass_gui.core import totp
from breakglass_gui.core.aws.clients import ClientFactory, with_shipped_models
from breakglass_gui.core.aws.console import ConsoleSignIn, FederationEndpoint
from breakglass_gui.core.config import Config, parse_config
from breakglass_gui.core.config.model import EmergencyType
from breakglass_gui.core.deps import Deps
from breakglass_gui.core.incident import State
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.need import Need
from breakglass_gui.core.procedure import Procedure
from breakglass_gui.core.registry import vault_gateway
from breakglass_gui.core.secret import Secret
from breakglass_gui.drill.federation import FederationStandIn
from tests.fakes.clock import FastClock
from tests.fakes.keyring_memory import MemoryStore
from tests.fakes.openbao import Bao
from tests.fakes.world_vault import WorldVault

IAM_ACCOUNT = "123456789012"  # moto's default account: the TMPL_IAM account here
TARGETS = ("222222222222", "333333333333")
REGION = "eu-central-1"
ROLE = "a-tmpl-prod-rol-break-glass"
LOG_GROUP = "a-tmpl-prod-cwgrp-break-glass"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{IAM_ACCOUNT}:a-tmpl-prod-sns-break-glass"
ALARMS = (
    "a-tmpl-prod-alarm-break-glass-user-login",
    "a-tmpl-prod-alarm-break-glass-role-assumption",
)
USERS = ("break-glass-user-1", "break-glass-user-2")
VAULT_PASSWORD = "drill-vault-pass-Q7x!"


ANCHOR_BUCKET = f"a-tmpl-prod-s3-break-glass-anchor-{IAM_ACCOUNT}"


def config_data(**overrides: Any) -> dict[str, Any]:
    # The procedure tests' approvers sign with `totp` (explicitly enabled, as a deployment
    # would have to): codes from seeds the test holds. Signature methods have their own tests
    # (tests/core/test_signed_approvals.py) and the drill uses them.
    data: dict[str, Any] = {
        "approvals": {"methods": ["totp"]},
        "organisation": {
            "name": "Test Corp",
            "iam_account_id": IAM_ACCOUNT,
            "partition": "aws",
            "region": REGION,
        },
        "operators": [{"id": "jdoe", "name": "Jane Doe", "email": "jane@example.com"}],
        "approvers": [
            {
                "id": "ciso",
                "name": "Alex Chief",
                "email": "ciso@example.com",
                "role": "primary",
                "aws_infrastructure": False,
            },
            {
                "id": "cfo",
                "name": "Sam Finance",
                "email": "cfo@example.com",
                "role": "secondary",
                "aws_infrastructure": False,
            },
            {
                "id": "cto",
                "name": "Pat Tech",
                "email": "cto@example.com",
                "role": "secondary",
                "aws_infrastructure": True,
            },
        ],
        "vault": {
            "address": "https://vault.test:8200",
            "auth_method": "userpass",
            "username": "breakglass",
            "users": list(USERS),
            "default_user": USERS[0],
        },
        "accounts": [
            {"id": IAM_ACCOUNT, "name": "tmpl-iam", "environment": "shared"},
            {"id": TARGETS[0], "name": "payments-prod", "environment": "prod"},
            {"id": TARGETS[1], "name": "payments-test", "environment": "test"},
        ],
        "role": {"name": ROLE, "max_session_duration": 3600},
        "session": {"mfa_mode": "session", "max_duration": 3600, "default_duration": 3600},
        "monitoring": {
            "log_group": LOG_GROUP,
            "log_group_account": IAM_ACCOUNT,
            "lookup_events": False,
            "live_tail": False,
        },
        "notifications": {"sns_topic_arn": TOPIC_ARN},
    }
    for dotted, value in overrides.items():
        section, _, key = dotted.partition("__")
        if key:
            data[section][key] = value
        else:
            data[section] = value
    return data


class Faults:
    """Botocore hook that fails chosen operations (`sts.AssumeRole`, `iam.PutRolePolicy`...)."""

    def __init__(self) -> None:
        self.fail: dict[str, int] = {}  # "service.Operation" → how many more times to fail
        self.errors: dict[str, Exception] = {}  # "service.Operation" → raised once
        self.answers: dict[str, Any] = {}  # "service.Operation" → callable giving the response
        self.calls: list[str] = []
        self.params: dict[str, dict[str, Any]] = {}
        self.throttle: dict[str, int] = {}  # "service.Operation" → how many 400 Throttling
        self.sent: list[str] = []  # every HTTP attempt (retries included)
        # Access key ids of temporary credentials past their expiry: AWS answers ExpiredToken
        # (moto accepts them forever).
        self.expired_keys: set[str] = set()
        self.refused_expired: list[str] = []

    def remember(self, event_name: str, params: dict[str, Any], **kwargs: Any) -> None:
        """provide-client-params hook: the API parameters, for `answers` to look at."""
        _, service, operation = event_name.split(".", 2)
        self.params[f"{service}.{operation}"] = dict(params)

    def __call__(self, event_name: str, **kwargs: Any) -> Any:
        _, service, operation = event_name.split(".", 2)
        name = f"{service}.{operation}"
        self.calls.append(name)
        if self.fail.get(name, 0) > 0:
            self.fail[name] -= 1
            raise EndpointConnectionError(endpoint_url=f"https://{service}.amazonaws.com")
        if name in self.errors:
            raise self.errors.pop(name)
        if name in self.answers:
            return self.answers[name](self.params.get(name, {}))
        return None

    def send(self, request: Any, **kwargs: Any) -> Any:
        """before-send hook: answer AWS's Throttling error instead of sending (botocore's
        retry handler sees it as it would see the real one)."""
        from botocore.awsrequest import AWSResponse

        name = kwargs["event_name"].split(".", 1)[1]
        self.sent.append(name)
        authorization = str(request.headers.get("Authorization", ""))
        key = authorization.partition("Credential=")[2].partition("/")[0]
        if key and key in self.expired_keys:
            self.refused_expired.append(name)
            body = (
                b"<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>"
                b"<Message>The security token included in the request is expired</Message>"
                b"</Error><RequestId>1</RequestId></ErrorResponse>"
            )
            return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, _Raw(body))
        if self.throttle.get(name, 0) <= 0:
            return None
        self.throttle[name] -= 1
        body = (
            b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
            b"<Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        )
        return AWSResponse(request.url, 400, {"Content-Type": "text/xml"}, _Raw(body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


class RecordingBrowser:
    def __init__(self) -> None:
        self.opened: list[str] = []

    def open(self, url: Secret) -> None:
        self.opened.append(url.reveal())


@dataclass
class World:
    tmp: Path
    config: Config
    clock: FastClock
    vault: WorldVault
    federation: FederationStandIn
    faults: Faults
    browser: RecordingBrowser
    store: MemoryStore
    approver_secrets: dict[str, str]
    mfa_seed: str
    journal: Journal = field(init=False)
    secrets_seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.journal = Journal(self.tmp / "data" / "journal.sqlite3", self.clock)

    def deps(self) -> Deps:
        factory = ClientFactory(
            hooks=[
                ("before-call", self.faults),
                ("provide-client-params", self.faults.remember),
            ]
        )
        # The throttling hook goes ahead of moto's own before-send handler, which would answer
        # first otherwise; registered when the botocore session is made (after every hook a
        # test adds to `factory.hooks`).
        make_session = factory._botocore_session

        def session_with_throttling() -> Any:
            fresh = factory._session is None
            session = make_session()
            if fresh:
                emitter = session.get_component("event_emitter")
                emitter.register_first("before-send", self.faults.send)
            return session

        factory._botocore_session = session_with_throttling  # type: ignore[method-assign]
        return Deps(
            config=self.config,
            journal=self.journal,
            clock=self.clock,
            aws=factory,
            vault=lambda: vault_gateway(self.config.vault, session=self.vault.session()),
            totp_secrets=self.store,
            console=ConsoleSignIn(FederationEndpoint("aws", REGION, override=self.federation.url)),
            browser=self.browser,
            notify_backoff=(0.1, 0.2),
            anchor_backoff=(0.01,),
        )

    def relaunch(self) -> None:
        """What a restart does to the journal: close it and open the same file again."""
        self.journal.close()
        self.journal = Journal(self.tmp / "data" / "journal.sqlite3", self.clock)

    def approver_code(self, approver: str) -> str:
        return totp.code_at(Secret(self.approver_secrets[approver]), self.clock.now())

    def mfa_code(self) -> str:
        self.clock.next_step()
        return str(pyotp.TOTP(self.mfa_seed).at(self.clock.now()))

    def declare(self, **kwargs: Any) -> Procedure:
        args: dict[str, Any] = {
            "emergency_type": EmergencyType.AD_OUTAGE.value,
            "justification": "Active Directory is down; payments API is failing in prod.",
            "operator": "jdoe",
            "duration_seconds": 3600,
            "reference": "INC-4711",
            "accounts": TARGETS,
        }
        args.update(kwargs)
        return Procedure.declare(self.deps(), **args)

    def step(self, proc: Procedure) -> None:
        """Advance the incident by one step, as the operator (or recovery screen) would."""
        need = proc.needs()
        if need is Need.APPROVALS:
            self.clock.next_step()
            signed = {a["role"] for a in proc.incident.approvals}
            role, who = ("primary", "ciso") if "primary" not in signed else ("secondary", "cfo")
            proc.approve(role, who, self.approver_code(who))
        elif need is Need.VAULT:
            proc.unlock_vault(Secret(VAULT_PASSWORD))
        elif need is Need.MFA:
            proc.verify_mfa(self.mfa_code())
        elif need is Need.ACCOUNTS:
            if proc.mfa_mode.code_per_session:
                proc.activate(TARGETS, code=self.mfa_code())
            else:
                proc.activate(TARGETS)
        elif need is Need.SESSIONS:
            for account, purpose in proc.missing_sessions():
                proc.assume(account, purpose)
        elif need is Need.ACTIVE:
            proc.open_console(TARGETS[0])
            put_activity(proc.id, self.clock.now())
            proc.activity.poll()
            proc.end_session()
        elif need is Need.CODE:
            accounts = (
                proc.ending().accounts_needed()
                if proc.incident.reached(State.ENDING)
                else [a for a, _ in proc.missing_sessions()]
            )
            for account in accounts:
                if account not in proc.sessions:
                    purpose = "target" if account in proc.incident.accounts else "service"
                    proc.assume(account, purpose, self.mfa_code())
        elif need is Need.REVOKE:
            proc.revoke_and_rotate()
        elif need is Need.REVIEW:
            proc.write_review(
                self.tmp / "review",
                findings="Payments API restored.",
                lessons="Keep the MFA device's battery charged.",
            )
        elif need is Need.CLOSE:
            proc.close()

    def drive(self, proc: Procedure, until: State = State.CLOSED, limit: int = 40) -> Procedure:
        for _ in range(limit):
            if proc.state is until or proc.incident.finished:
                # At rest: the checkpoints asked for so far are written (core/anchoring.py
                # writes in the background), so what a test counts next is its own doing.
                proc.parts.anchoring.flush()
                return proc
            self.step(proc)
        raise AssertionError(f"incident stuck in {proc.state}")


def moto_client(service: str, **kwargs: Any) -> Any:
    """A client of the in-process moto, over botocore's models parsed once per process (the
    app's own loader, core/aws/clients.py). `boto3.client` went through a default session that
    moto renews for every test, which parsed the IAM, STS, S3... models again: ~0.2 s of each
    world's provisioning. moto's handler is in every new session (botocore's built-in list)."""
    session = with_shipped_models(botocore.session.Session())
    return session.create_client(service, region_name=REGION, **kwargs)


def put_activity(incident_id: str, now: float) -> list[str]:
    """CloudTrail-shaped records for this incident (and one foreign) into the log group."""
    logs = moto_client("logs")
    ms = int(now * 1000)

    def record(name: str, source: str, session: str, **extra: Any) -> dict[str, Any]:
        return {
            "eventVersion": "1.09",
            "eventID": str(uuid.uuid4()),
            "eventTime": _iso(now),
            "eventSource": source,
            "eventName": name,
            "awsRegion": REGION,
            "sourceIPAddress": "203.0.113.7",
            "recipientAccountId": TARGETS[0],
            "userIdentity": {
                "type": "AssumedRole",
                "arn": f"arn:aws:sts::{TARGETS[0]}:assumed-role/{ROLE}/{session}",
                "accountId": TARGETS[0],
                "sessionContext": {
                    "sourceIdentity": "jdoe" if session == incident_id else "x",
                    "sessionIssuer": {"userName": ROLE},
                },
            },
            **extra,
        }

    records = [
        record("DescribeInstances", "ec2.amazonaws.com", incident_id, readOnly=True),
        record(
            "DeleteBucket",
            "s3.amazonaws.com",
            incident_id,
            requestParameters={"bucketName": "<script>alert(1)</script>"},
        ),
        record("CreateAccessKey", "iam.amazonaws.com", incident_id, errorCode="AccessDenied"),
        record("DescribeInstances", "ec2.amazonaws.com", "someone-else", readOnly=True),
    ]
    logs.put_log_events(
        logGroupName=LOG_GROUP,
        logStreamName="cloudtrail",
        logEvents=[{"timestamp": ms, "message": json.dumps(r)} for r in records],
    )
    return [r["eventID"] for r in records[:3]]


def _iso(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def provision(seed: str) -> dict[str, dict[str, str]]:
    """Create, in moto, what the blueprint describes (the provisioning issue automates this)."""
    iam = moto_client("iam")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": [f"arn:aws:iam::{IAM_ACCOUNT}:user/{u}" for u in USERS]},
                    "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                }
            ],
        }
    )
    records: dict[str, dict[str, str]] = {}
    for user in USERS:
        iam.create_user(UserName=user)
        iam.create_login_profile(UserName=user, Password="Initial-Password-1!")
        key = iam.create_access_key(UserName=user)["AccessKey"]
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
        now = pyotp.TOTP(seed)
        iam.enable_mfa_device(
            UserName=user,
            SerialNumber=device["SerialNumber"],
            AuthenticationCode1=now.at(0),
            AuthenticationCode2=now.at(30),
        )
        records[user] = {
            "username": user,
            "account_id": IAM_ACCOUNT,
            "mfa_serial": device["SerialNumber"],
            "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"],
            "console_password": "Initial-Password-1!",
        }
    sts = moto_client("sts")
    for account in (IAM_ACCOUNT, *TARGETS):
        if account == IAM_ACCOUNT:
            client = iam
        else:
            creds = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                RoleSessionName="provision",
            )["Credentials"]
            client = moto_client(
                "iam",
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        client.create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust, MaxSessionDuration=3600)
    logs = moto_client("logs")
    logs.create_log_group(logGroupName=LOG_GROUP)
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName="cloudtrail")
    moto_client("sns").create_topic(Name="a-tmpl-prod-sns-break-glass")
    s3 = moto_client("s3")  # the anchor (core/aws/anchor_bucket.py)
    s3.create_bucket(
        Bucket=ANCHOR_BUCKET,
        ObjectLockEnabledForBucket=True,
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )
    s3.put_object_lock_configuration(
        Bucket=ANCHOR_BUCKET,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 400}},
        },
    )
    cloudwatch = moto_client("cloudwatch")
    for name in ALARMS:
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            MetricName=name,
            Namespace="BreakGlass",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[TOPIC_ARN],
        )
    return records


def moto_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The credentials and region moto's in-process mock answers to (its default account)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def moto_admin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto in-process, and the administrator's sessions on it (the IAM account is moto's
    default account; member accounts through OrganizationAccountAccessRole)."""
    from breakglass_gui.core.aws.admin import ProfileSessions

    moto_credentials(monkeypatch)
    with mock_aws():
        yield ProfileSessions(
            boto3.session.Session(region_name=REGION),
            home_account=IAM_ACCOUNT,
            member_role="OrganizationAccountAccessRole",
            partition="aws",
            region=REGION,
        )


@pytest.fixture
def make_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openbao: Bao
) -> Iterator[Callable[..., World]]:
    moto_credentials(monkeypatch)
    started: list[FederationStandIn] = []
    with mock_aws():

        def build(**overrides: Any) -> World:
            seed = pyotp.random_base32()
            records = provision(seed)
            store = MemoryStore()
            approver_secrets = {a: pyotp.random_base32() for a in ("ciso", "cfo", "cto")}
            for approver, secret in approver_secrets.items():
                store.set(approver, Secret(secret))
            federation = FederationStandIn().start()
            started.append(federation)
            vault = WorldVault(openbao, VAULT_PASSWORD, records)
            data = config_data(**overrides)
            data["vault"].update(
                address=vault.address, ca_bundle=vault.ca_file, namespace=vault.namespace
            )
            world = World(
                tmp=tmp_path,
                config=parse_config(data),
                clock=FastClock(),
                vault=vault,
                federation=federation,
                faults=Faults(),
                browser=RecordingBrowser(),
                store=store,
                approver_secrets=approver_secrets,
                mfa_seed=seed,
            )
            world.secrets_seen |= {r["secret_access_key"] for r in records.values()}
            world.secrets_seen |= {r["console_password"] for r in records.values()}
            world.secrets_seen |= set(approver_secrets.values()) | {seed, VAULT_PASSWORD}
            return world

        yield build
    for federation in started:
        federation.stop()


@pytest.fixture
def world(make_world: Callable[..., World]) -> World:
    return make_world()
