"""The federated console sign-in URL (docs/rules.md §3): getSigninToken, then login.

The URL is a bearer secret for the session's lifetime: it is returned as a Secret, handed to
the browser launcher (core/browser.py: through a 0600 redirect page, never in argv) and never
logged. `SessionDuration` is sent only where AWS
accepts it: credentials from an AssumeRole that was not itself made with temporary
credentials. Chained sessions (mfa_mode = session) get the console's default instead.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from breakglass_gui.core.aws.clients import AwsCredentials
from breakglass_gui.core.errors import FederationError
from breakglass_gui.core.network import Network
from breakglass_gui.core.secret import Secret

log = logging.getLogger(__name__)

SIGNIN_HOSTS = {
    "aws": "signin.aws.amazon.com",
    "aws-us-gov": "signin.amazonaws-us-gov.com",
    "aws-cn": "signin.amazonaws.cn",
}
CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-us-gov": "console.amazonaws-us-gov.com",
    "aws-cn": "console.amazonaws.cn",
}
MIN_CONSOLE_SECONDS = 900
MAX_CONSOLE_SECONDS = 43_200


@dataclass(frozen=True)
class FederationEndpoint:
    partition: str
    region: str
    regional: bool = False
    override: str | None = None  # a stand-in's base URL (drill, tests); https only in production

    @property
    def host(self) -> str:
        """The sign-in host for getSigninToken, login and logout alike. In the `aws` partition
        that is us-east-1's (or the configured region's, with regional sign-in): AWS honours
        the logout redirect only at us-east-1.signin.aws.amazon.com."""
        if self.partition == "aws":
            region = self.region if self.regional else "us-east-1"
            return f"{region}.{SIGNIN_HOSTS['aws']}"
        return SIGNIN_HOSTS[self.partition]

    @property
    def logout_honoured(self) -> bool:
        """Whether logout-first can work here: not in GovCloud or China, nor at a regional
        sign-in host other than us-east-1's (the stand-in of a drill plays us-east-1)."""
        return bool(self.override) or self.host == f"us-east-1.{SIGNIN_HOSTS['aws']}"

    @property
    def federation_url(self) -> str:
        if self.override:
            return self.override.rstrip("/") + "/federation"
        return f"https://{self.host}/federation"

    @property
    def logout_url(self) -> str:
        if self.override:
            return self.override.rstrip("/") + "/oauth?Action=logout"
        return f"https://{self.host}/oauth?Action=logout"

    def destination(self) -> str:
        host = CONSOLE_HOSTS[self.partition]
        if self.partition == "aws":
            host = f"{self.region}.{host}"
        return f"https://{host}/console/home?region={urllib.parse.quote(self.region)}"


Fetch = Callable[[str, float], bytes]


class ConsoleSignIn:
    def __init__(
        self,
        endpoint: FederationEndpoint,
        fetch: Fetch | None = None,
        issuer: str = "breakglass-gui",
        timeout: float = 10.0,
    ) -> None:
        self._endpoint = endpoint
        self._fetch = fetch or Network().fetch  # certifi, no proxy: production passes its own
        self._issuer = issuer
        self._timeout = timeout

    def signin_token(self, credentials: AwsCredentials, *, session_duration: int | None) -> Secret:
        if credentials.session_token is None:
            raise FederationError(
                "Console sign-in needs temporary (role) credentials.", code="federation.credentials"
            )
        session = json.dumps(
            {
                "sessionId": credentials.access_key_id,
                "sessionKey": credentials.secret_access_key.reveal(),
                "sessionToken": credentials.session_token.reveal(),
            }
        )
        params = {"Action": "getSigninToken", "Session": session}
        if session_duration is not None:
            params["SessionDuration"] = str(
                max(MIN_CONSOLE_SECONDS, min(MAX_CONSOLE_SECONDS, session_duration))
            )
        url = self._endpoint.federation_url + "?" + urllib.parse.urlencode(params)
        from urllib.error import HTTPError, URLError  # the warm-up's urllib.request loads it

        try:
            body = self._fetch(url, self._timeout)
        except HTTPError as exc:
            raise FederationError(
                f"The AWS federation endpoint refused the session (HTTP {exc.code}); the role "
                "session may have expired — re-issue it.",
                code="federation.refused",
            ) from None
        except (URLError, TimeoutError, OSError):
            raise FederationError(
                "The AWS federation endpoint cannot be reached. Check the network and retry.",
                code="federation.unreachable",
            ) from None
        finally:
            del session, url
        try:
            token = json.loads(body)["SigninToken"]
        except (ValueError, KeyError, TypeError):
            raise FederationError(
                "The federation endpoint returned an unexpected answer.",
                code="federation.bad_response",
            ) from None
        return Secret(str(token))

    def login_url(self, token: Secret, *, logout_first: bool) -> Secret:
        params = {
            "Action": "login",
            "Issuer": self._issuer,
            "Destination": self._endpoint.destination(),
            "SigninToken": token.reveal(),
        }
        url = self._endpoint.federation_url + "?" + urllib.parse.urlencode(params)
        token.wipe()
        if logout_first and self._endpoint.logout_honoured:
            url = self._endpoint.logout_url + "&redirect_uri=" + urllib.parse.quote(url, safe="")
        return Secret(url)

    def console_url(
        self, credentials: AwsCredentials, *, session_duration: int | None, logout_first: bool
    ) -> Secret:
        return self.login_url(
            self.signin_token(credentials, session_duration=session_duration),
            logout_first=logout_first,
        )
