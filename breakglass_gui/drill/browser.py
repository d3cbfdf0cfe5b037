"""The drill's "browser": it follows the sign-in URL through the federation stand-in, as a
browser would, instead of launching a real browser towards a console that a drill does not have.
It stops at the redirect to the console: reaching it means the URL was accepted."""

from __future__ import annotations

import http.client
import urllib.parse

from breakglass_gui.core.errors import FederationError
from breakglass_gui.core.network import Network
from breakglass_gui.core.secret import Secret

MAX_HOPS = 4


class StandInBrowser:
    def __init__(self, network: Network, timeout: float = 10.0) -> None:
        self.network = network  # the drill CA: the stand-in speaks HTTPS like the real endpoint
        self.timeout = timeout
        self.opened = 0

    def open(self, url: Secret) -> None:
        target = url.reveal()
        for _ in range(MAX_HOPS):
            parts = urllib.parse.urlsplit(target)
            if parts.hostname != "127.0.0.1" or parts.port is None:
                break  # left the stand-in: the redirect to the console home
            status, location = self._get(parts)
            if status not in (301, 302, 303) or not location:
                raise FederationError(
                    f"The drill federation stand-in refused the sign-in URL (HTTP {status}).",
                    code="browser.drill",
                )
            target = urllib.parse.urljoin(target, location)
        else:
            raise FederationError("The drill sign-in redirected too often.", code="browser.drill")
        self.opened += 1

    def _get(self, parts: urllib.parse.SplitResult) -> tuple[int, str]:
        connection = http.client.HTTPSConnection(
            "127.0.0.1", parts.port, timeout=self.timeout, context=self.network.ssl_context()
        )
        try:
            connection.request("GET", f"{parts.path}?{parts.query}")
            response = connection.getresponse()
            return response.status, response.getheader("Location") or ""
        except OSError as exc:
            raise FederationError(
                f"The drill federation stand-in did not answer ({exc.strerror or exc}).",
                code="browser.drill",
            ) from None
        finally:
            connection.close()
