"""Administrator sessions for readiness and provisioning (not the emergency path).

These come from a normal boto3 profile (docs/rules.md §9: "read-only credentials from a normal boto3
profile" for readiness); member accounts are reached by assuming the configured member role.
A named profile is the one thing taken from the AWS config files on purpose; where the traffic
goes and whom it trusts still come from `[network]` (core/network.py). With explicit keys (the
drill's administrator) nothing at all is read from the environment or a file.
"""

from __future__ import annotations

import threading
from typing import Any

from breakglass_gui.core.network import Network


class ProfileSessions:
    def __init__(
        self,
        session: Any,
        *,
        home_account: str,
        member_role: str,
        partition: str,
        region: str,
        endpoint_url: str | None = None,
        network: Network | None = None,
    ) -> None:
        from botocore.config import Config

        self._session = session
        self._network = network or Network()
        # Adaptive retries: the administrator's calls are many (a readiness run, an Organizations
        # sync of a thousand accounts) and AWS throttles them; they back off instead of failing.
        self._config = Config(
            proxies=self._network.proxies(), retries={"mode": "adaptive", "max_attempts": 10}
        )
        self._home = home_account
        self._member_role = member_role
        self._partition = partition
        self._region = region
        self._endpoint = endpoint_url
        self._members: dict[str, Any] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._sts: Any = None
        # boto3 sessions are not thread-safe: clients are made under one lock. Assuming the
        # member role is a network call, so it is not made under that lock but under one per
        # account: the accounts' AssumeRoles run side by side (provision and readiness reach
        # every account at once), and no account is assumed twice.
        self._lock = threading.Lock()
        self._assuming: dict[str, threading.Lock] = {}

    @classmethod
    def from_profile(
        cls,
        profile: str | None,
        *,
        home_account: str,
        member_role: str,
        partition: str,
        region: str,
        endpoint_url: str | None = None,
        credentials: tuple[str, str] | None = None,
        network: Network | None = None,
    ) -> ProfileSessions:
        import boto3
        import botocore.session

        from breakglass_gui.core.aws.clients import sealed_botocore_session, with_shipped_models

        if credentials is not None:
            session = boto3.session.Session(
                aws_access_key_id=credentials[0],
                aws_secret_access_key=credentials[1],
                region_name=region,
                botocore_session=sealed_botocore_session(),
            )
        else:
            session = boto3.session.Session(
                profile_name=profile,
                region_name=region,
                botocore_session=with_shipped_models(botocore.session.Session()),
            )
        return cls(
            session,
            home_account=home_account,
            member_role=member_role,
            partition=partition,
            region=region,
            endpoint_url=endpoint_url,
            network=network,
        )

    def _credentials(self, account: str) -> dict[str, str]:
        """Explicit credentials for a member account (assumed once); {} for the home account."""
        if account == self._home:
            return {}
        with self._lock:
            assuming = self._assuming.setdefault(account, threading.Lock())
            if self._sts is None:
                self._sts = self._session.client(
                    "sts",
                    endpoint_url=self._endpoint,
                    region_name=self._region,
                    verify=self._network.ca_file,
                    config=self._config,
                )
            sts = self._sts
        with assuming:
            if account not in self._members:
                creds = sts.assume_role(
                    RoleArn=f"arn:{self._partition}:iam::{account}:role/{self._member_role}",
                    RoleSessionName="breakglass-admin",
                )["Credentials"]
                self._members[account] = {
                    "aws_access_key_id": creds["AccessKeyId"],
                    "aws_secret_access_key": creds["SecretAccessKey"],
                    "aws_session_token": creds["SessionToken"],
                }
            return dict(self._members[account])

    def client_with(self, service: str, region: str, **credentials: str) -> Any:
        """A client on explicit credentials (e.g. a role's), same endpoint, trust and config."""
        with self._lock:
            return self._session.client(
                service,
                region_name=region,
                endpoint_url=self._endpoint,
                verify=self._network.ca_file,
                config=self._config,
                **credentials,
            )

    def client(self, service: str, account: str, region: str | None = None) -> Any:
        """One client per service, account and region, all from one session (shared models)."""
        key = (service, account, region or self._region)
        if key not in self._clients:
            credentials = self._credentials(account)
            with self._lock:
                self._clients[key] = self._session.client(
                    service,
                    region_name=key[2],
                    endpoint_url=self._endpoint,
                    verify=self._network.ca_file,
                    config=self._config,
                    **credentials,
                )
        return self._clients[key]
