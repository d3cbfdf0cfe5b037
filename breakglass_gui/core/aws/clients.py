"""The one seam through which the core gets AWS clients (STYLE: pass dependencies in).

Credentials are always explicit and in memory: no shared credentials or config file is read
(`~/.aws/*` is pointed at the null device), nothing is ever written. Tests and the drill swap
endpoints here and nowhere else.

The process environment has no say (docs/rules.md §12): botocore reads some forty `AWS_*` variables
— `AWS_ENDPOINT_URL*` (where requests go), `AWS_CA_BUNDLE` (whom TLS trusts), `AWS_DATA_PATH`
(service models: an attacker's model can rename hosts), `AWS_PROFILE`, `AWS_CONFIG_FILE` (whose
`credential_process` botocore would run), `AWS_USE_FIPS_ENDPOINT`, `AWS_MAX_ATTEMPTS` (a retried
MFA code)... Every one of them is pinned to a constant in the session's config store, proxies
and trust anchors come from `Network` (the config file), and credentials are always passed
explicitly so the credential chain (environment keys, shared files, `credential_process`,
instance metadata) is never consulted.

Nor has the operator's home: botocore's own loader reads service models, endpoint rule sets and
`endpoints.json` from `~/.aws/models` before its shipped ones, so a rule set planted there sent
every signed request — MFA codes included — to a host of the planter's choosing
(tests/hostile/test_planted_models.py). Sessions here load botocore's shipped models only.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from breakglass_gui.core.aws.server_time import ServerTime
from breakglass_gui.core.network import Network
from breakglass_gui.core.secret import Secret

if TYPE_CHECKING:
    import botocore.loaders
    import botocore.session


@dataclass
class AwsCredentials:
    """Temporary or long-term AWS credentials, held in memory only."""

    access_key_id: str
    secret_access_key: Secret
    session_token: Secret | None = None
    expiration: float | None = None

    def wipe(self) -> None:
        self.secret_access_key.wipe()
        if self.session_token is not None:
            self.session_token.wipe()

    @property
    def usable(self) -> bool:
        return not self.secret_access_key.wiped


KEPT_CLIENTS = 64  # a 100-account ending keeps fewer alive at once than it uses; LRU beyond


@dataclass
class ClientFactory:
    """Builds botocore clients for a service, credentials and region.

    `retries=False` gives exactly one attempt: every call carrying an MFA code uses it, so a code
    is sent to AWS once and only once (docs/rules.md §2.4).
    """

    endpoint_url: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_attempts: int = 3
    _session: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    hooks: list[tuple[str, Any]] = field(default_factory=list, repr=False)
    network: Network = field(default_factory=Network)
    server_time: ServerTime = field(default_factory=ServerTime)  # from every Date header
    _clients: dict[tuple[Any, ...], tuple[AwsCredentials, Any]] = field(
        default_factory=dict, repr=False
    )

    def _botocore_session(self) -> botocore.session.Session:
        if self._session is None:
            session = sealed_botocore_session()
            session.register("response-received", self.server_time.response_received)
            for event, handler in self.hooks:
                session.register(event, handler)
            self._session = session
        return self._session  # type: ignore[no-any-return]

    def warm_up(self, services: tuple[str, ...], region: str) -> None:
        """Load the service models and build the client classes now (no network call), so the
        JSON parsing that holds the GIL happens before the first emergency call, not during it."""
        placeholder = AwsCredentials("warm-up", Secret("warm-up"))
        for service in services:
            self.client(service, placeholder, region)

    def client(
        self,
        service: str,
        credentials: AwsCredentials,
        region: str,
        *,
        retries: bool = True,
        read_timeout: float | None = None,
        plain_body: bool = False,
    ) -> Any:
        """`plain_body`: checksums only where an operation requires one (the caller sends its
        own Content-MD5), so a body goes as it is, not aws-chunked with a trailer.

        Clients are kept per credentials object, service, region and options (botocore
        clients are thread-safe): building one costs milliseconds of CPU and a fresh HTTPS
        connection, on the operator's path to the console (docs/rules.md §13). A kept client
        is never used once its credentials are wiped, and is dropped then (`_kept`)."""
        key = (id(credentials), service, region, retries, read_timeout, plain_body)
        with self._lock:
            kept = self._kept(key, credentials)
            if kept is not None:
                return kept
        client = self._new_client(service, credentials, region, retries, read_timeout, plain_body)
        with self._lock:
            self._clients[key] = (credentials, client)
            while len(self._clients) > KEPT_CLIENTS:
                self._clients.pop(next(iter(self._clients)))
        return client

    def _kept(self, key: tuple[Any, ...], credentials: AwsCredentials) -> Any:
        """The kept client for `key`, if its credentials are these and still usable; drops
        every client whose credentials were wiped (custody wipes them on revocation)."""
        for stale in [k for k, (c, _) in self._clients.items() if not c.usable]:
            del self._clients[stale]
        found = self._clients.get(key)
        if found is None or found[0] is not credentials:
            return None
        self._clients[key] = self._clients.pop(key)  # most recently used last
        return found[1]

    def forget_clients(self) -> None:
        """Drop every kept client (the app quits or an incident ends)."""
        with self._lock:
            self._clients.clear()

    def _new_client(
        self,
        service: str,
        credentials: AwsCredentials,
        region: str,
        retries: bool,
        read_timeout: float | None,
        plain_body: bool,
    ) -> Any:
        from botocore.config import Config

        config = Config(
            request_checksum_calculation="when_required" if plain_body else None,
            region_name=region,
            connect_timeout=self.connect_timeout,
            read_timeout=read_timeout or self.read_timeout,
            retries={"total_max_attempts": self.max_attempts if retries else 1, "mode": "standard"},
            user_agent_extra="breakglass-gui",
            proxies=self.network.proxies(),
        )
        with self._lock:  # botocore sessions are not thread-safe for client creation
            return self._botocore_session().create_client(
                service,
                region_name=region,
                endpoint_url=self.endpoint_url,
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key.reveal(),
                aws_session_token=(
                    credentials.session_token.reveal() if credentials.session_token else None
                ),
                config=config,
                verify=self.network.ca_file,
            )


# Values that differ from botocore's defaults: no files, no profile, no configured endpoints.
_PINNED: dict[str, Any] = {
    "config_file": os.devnull,
    "credentials_file": os.devnull,
    "profile": None,
    "ignore_configured_endpoint_urls": True,
    "region": None,  # always passed per client
    "ca_bundle": None,  # `verify=` is always passed, from Network
    "data_path": None,  # only the models shipped with botocore
}


def sealed_botocore_session() -> botocore.session.Session:
    """A botocore session on which the environment and the AWS files have no influence."""
    import botocore.session

    session = with_shipped_models(botocore.session.Session())
    session.register_component("config_store", _sealed_config_store(session))
    return session


@functools.cache
def shipped_models() -> botocore.loaders.Loader:
    """One loader per process over the models botocore ships, and nothing else (not
    `~/.aws/models`, see above). Shared: each session used to parse the same models again (a
    drill world's start spent ~0.6 s of its 2 s on it; docs/rules.md §13)."""
    from botocore.loaders import Loader

    return Loader(extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False)


def with_shipped_models(session: botocore.session.Session) -> botocore.session.Session:
    """`session`, reading service models from botocore's own data only (a profile session for
    the administrator's commands, too)."""
    session.register_component("data_loader", shipped_models())
    return session


def _sealed_config_store(session: botocore.session.Session) -> Any:
    """A config store in which every variable botocore knows is a constant: its default, or
    the value in _PINNED. No provider in it reads the environment or a file."""
    from botocore.configprovider import (
        ConfigValueStore,
        ConstantProvider,
        create_botocore_default_config_mapping,
    )

    names = set(create_botocore_default_config_mapping(session)) | set(session.session_var_map)
    values: dict[str, Any] = {}
    for name in names:
        spec = session.session_var_map.get(name)
        values[name] = spec[2] if spec is not None else None
    values.update(_PINNED)
    return ConfigValueStore(mapping={name: ConstantProvider(v) for name, v in values.items()})
