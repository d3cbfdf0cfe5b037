"""The syslog channel: one RFC 5424 message per notice to the local syslog socket.

journald and rsyslog listen on `/dev/log` (a Unix datagram socket); the SIEM agents that
security teams run on an admin workstation forward from there. The notice is one line of JSON
after the header, so a SIEM parses it without a custom pattern. Local delivery either works at
once or not at all, so there is one attempt and no backoff; a failure is an outcome, never an
exception (the procedure does not wait for notices).

Header (RFC 5424 §6): `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID -`, with facility
`auth` (4) and severity `warning` (4) for an activation or a session, `notice` (5) otherwise:
PRI = facility × 8 + severity.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from typing import Any

from breakglass_gui.core.notifications.channel import ChannelContext

FACILITY_AUTH = 4
WARNING, NOTICE = 4, 5
# Notices that access was granted are warnings; the rest (revoked, failures) notices.
ACCESS_GRANTED = frozenset({"activated", "session"})
APP_NAME = "breakglass-gui"
# Datagrams beyond this are refused by some syslog daemons (rsyslog's default
# $MaxMessageSize is 8k); a notice is a few hundred bytes, a longer one is cut, never dropped.
MAX_DATAGRAM = 8000


class SyslogChannel:
    name = "syslog"

    def __init__(self, path: str, clock_now: Any) -> None:
        self.path = path
        self._now = clock_now
        self.degraded = False
        self.last_error = ""

    @classmethod
    def build(cls, context: ChannelContext) -> SyslogChannel:
        return cls(context.config.notifications.syslog_socket, context.clock.now)

    def frame(self, subject: str, message: dict[str, Any]) -> bytes:
        event = str(message.get("event", ""))
        severity = WARNING if event in ACCESS_GRANTED else NOTICE
        stamp = datetime.fromtimestamp(self._now(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        host = _token(socket.gethostname()) or "-"
        msgid = _token(event) or "-"
        body = json.dumps({"subject": subject, **message}, sort_keys=True, ensure_ascii=False)
        header = f"<{FACILITY_AUTH * 8 + severity}>1 {stamp} {host} {APP_NAME} {os.getpid()} "
        data = (header + f"{msgid} - " + " ".join(body.split("\n"))).encode("utf-8")
        return data[:MAX_DATAGRAM]

    def publish(self, subject: str, message: dict[str, Any]) -> dict[str, Any]:
        data = self.frame(subject, message)
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.settimeout(2.0)
                sock.connect(self.path)
                sock.send(data)
        except OSError as exc:
            self.degraded = True
            self.last_error = (
                f"the syslog socket {self.path} refused the notice ({exc.strerror or exc})"
            )
            return {"sent": False, "error": self.last_error, "attempts": 1}
        self.degraded = False
        return {"sent": True, "message_id": "", "attempts": 1}


def _token(text: str) -> str:
    """An RFC 5424 header field: printable US-ASCII without spaces, at most 48 characters."""
    return "".join(c for c in text if 33 <= ord(c) <= 126)[:48]
