"""Where the app's HTTPS traffic may go and whom it trusts (docs/rules.md §7 `[network]`, §12).

The threat model gives the attacker the operator's OS account, so the process environment is
the attacker's: `HTTPS_PROXY` plus `SSL_CERT_FILE` pointing at their own CA would let them read
every session credential the app sends. Python's HTTP clients all read such variables by
default — urllib through `getproxies()`, `ssl.create_default_context()` through OpenSSL's
`SSL_CERT_FILE`/`SSL_CERT_DIR`, requests through `REQUESTS_CA_BUNDLE` and the proxy variables,
botocore through `AWS_CA_BUNDLE` and the proxy variables. So every HTTPS client the app builds
takes its proxy and its trust anchors from a `Network`, and a `Network` is built from the config
file only:

- trust: `[network] ca_bundle`, else the certifi bundle shipped with the app — always an explicit
  file, never the OpenSSL default paths the environment can move;
- proxy: `[network] https_proxy`, else none — never `HTTP(S)_PROXY`, `ALL_PROXY` or `NO_PROXY`.

Vault is reached directly (no proxy): it is internal infrastructure, and a proxy in front of it
would be one more party on the path of unseal shares and tokens. Its trust anchor is
`vault.ca_bundle`, else this one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

    import requests

    from breakglass_gui.core.config.model import NetworkConfig

USER_AGENT = "breakglass-gui"
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Network:
    https_proxy: str | None = None
    ca_bundle: str | None = None

    @classmethod
    def of(cls, config: NetworkConfig) -> Network:
        return cls(https_proxy=config.https_proxy, ca_bundle=config.ca_bundle)

    @property
    def ca_file(self) -> str:
        """The one PEM file every TLS connection is verified against."""
        if self.ca_bundle:
            return self.ca_bundle
        import certifi

        return str(certifi.where())

    def proxies(self) -> dict[str, str]:
        """For botocore's `Config(proxies=…)`: an empty dict (not None) stops botocore from
        falling back to the environment's proxies (botocore/endpoint.py `_get_proxies`)."""
        if not self.https_proxy:
            return {}
        return {"https": self.https_proxy, "http": self.https_proxy}

    def ssl_context(self) -> ssl.SSLContext:
        return _context(self.ca_file)

    def fetch(self, url: str, timeout: float) -> bytes:
        """GET an https URL through the configured proxy only, trusting `ca_file` only."""
        import urllib.request

        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler(self.proxies()),  # replaces the env-reading default
            urllib.request.HTTPSHandler(context=self.ssl_context()),
        )
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310
        with opener.open(request, timeout=timeout) as response:
            return bytes(response.read(MAX_BODY))

    def requests_session(self, ca_file: str | None = None) -> requests.Session:
        """A requests session deaf to the environment (no proxy, netrc or CA variables)."""
        import requests

        session = requests.Session()
        session.trust_env = False
        session.verify = ca_file or self.ca_file
        session.proxies = {}
        return session


@functools.lru_cache(maxsize=8)
def _context(ca_file: str) -> ssl.SSLContext:
    import ssl

    # cafile given: create_default_context loads that file and *not* the default paths, which
    # are where SSL_CERT_FILE / SSL_CERT_DIR would take effect.
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
