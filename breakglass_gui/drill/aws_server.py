"""moto in server mode on 127.0.0.1, with the drill's own checks in front of it.

moto accepts any MFA code and has no CloudTrail LookupEvents. In front of it sit:
- an STS check: a `TokenCode` must be the simulated device's current code (±1 step) and a step
  is accepted once per device; otherwise the error AWS returns ("MultiFactorAuthentication
  failed with invalid MFA one time pass code.", or "unable to validate" for an unknown serial);
- the caller's own policy on AssumeRole: sts:SetSourceIdentity and sts:TagSession must be
  allowed there too (drill/caller_policy.py);
- CloudTrail `LookupEvents`, answered from the activity simulator's records for the calling
  account, with AWS's pagination.
"""

from __future__ import annotations

import io
import json
import re
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from breakglass_gui.drill.caller_policy import refused_action
from breakglass_gui.drill.mfa import MfaDevices

_SCOPE = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")
_STS_SECRET = re.compile(rb"<(?:SecretAccessKey|SessionToken)>([^<]+)</")
_STS_KEY = re.compile(rb"<AccessKeyId>([^<]+)</")
LOOKUP_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
ALARM_HISTORY_TARGET = "GraniteServiceVersion20100801.DescribeAlarmHistory"
PAGE = 50


def _sts_error(code: str, message: str, status: int = 403) -> tuple[int, bytes, str]:
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return status, body.encode(), "text/xml"


def _epoch_seconds(value: Any) -> float:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)


def account_of(access_key_id: str) -> str:
    """The moto account an access key (user or assumed role) belongs to."""
    from moto.iam.models import get_account_id_from
    from moto.sts.models import sts_backends

    for account_id, backend in list(sts_backends.items()):
        role = backend["global"].get_assumed_role_from_access_key(access_key_id)
        if role is not None:
            return str(account_id)
    return str(get_account_id_from(access_key_id))


def moto_application() -> Any:
    """moto's WSGI application, every service behind one host, its model reads sealed."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from breakglass_gui.drill import moto_models

    moto_models.seal()
    return DomainDispatcherApplication(create_backend_app)


def https_server(app: Any, context: ssl.SSLContext) -> Any:
    """A threaded HTTPS server for `app` on a free port of 127.0.0.1 (not yet serving)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from breakglass_gui.drill.keep_alive import keep_alive_handler

    class Quiet(keep_alive_handler(MotoRequestHandler)):  # type: ignore[misc]
        disable_nagle_algorithm = True  # drill/serving.py: answers leave at once

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            return  # request lines are not worth a terminal full of noise in a drill

    server: Any = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=Quiet, ssl_context=context
    )
    server.open_connections = set()  # drill/keep_alive.py
    server.daemon_threads = False  # so that server_close() joins every handler thread
    return server


class DrillGate:
    """WSGI middleware: the drill's STS, CloudTrail and alarm history, then moto for the rest."""

    def __init__(
        self,
        app: Any,
        devices: MfaDevices,
        lookup: Callable[[str, dict[str, Any]], dict[str, Any]],
        alarm_history: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> None:
        self._app = app
        self._devices = devices
        self._alarm_history = alarm_history
        self._lookup = lookup
        self.delay_seconds = 0.0  # tests slow the endpoints down (GUI heartbeat, §13)
        self.outages: set[str] = set()  # "sns:Publish"...: answered 503, as AWS does when down
        self.issued: set[str] = set()  # STS secret keys and session tokens handed out (scans)
        self.sessions: dict[str, str] = {}  # an MFA session's access key → its user's key
        self.requests = 0
        # Every LookupEvents (monotonic time, account, region): CloudTrail allows 2 per second
        # per account and region, which the drill's tests hold the app to.
        self.lookups: list[tuple[float, str, str]] = []
        self._lock = threading.Lock()
        # lambda:Invoke of a deployed function → (path, body) → (status, body, headers).
        self.lambdas: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._lock:
            self.requests += 1
        if self.delay_seconds:
            threading.Event().wait(self.delay_seconds)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        answer = None
        if self.outages and scope:
            answer = self._outage(scope.group("service"), environ, body)
        if answer is not None:
            pass
        elif scope and scope.group("service") == "sts":
            answer = self._sts(body, scope.group("key"))
        elif (
            scope
            and scope.group("service") == "lambda"
            and self.lambdas is not None
            and self.lambdas.handles(environ.get("PATH_INFO", ""))
        ):
            status, payload, headers = self.lambdas.invoke(environ["PATH_INFO"], body)
            start_response(
                f"{status} {'OK' if status == 200 else 'Error'}",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(payload))),
                    *headers.items(),
                ],
            )
            return [payload]
        elif environ.get("HTTP_X_AMZ_TARGET") == LOOKUP_TARGET and scope:
            request = json.loads(body or b"{}")
            account = account_of(scope.group("key"))
            with self._lock:
                self.lookups.append((time.monotonic(), account, scope.group("region")))
            result = self._lookup(account, request)
            answer = (200, json.dumps(result).encode(), "application/x-amz-json-1.1")
        elif environ.get("HTTP_X_AMZ_TARGET") == ALARM_HISTORY_TARGET:
            result = self._alarm_history(json.loads(body or b"{}"))
            answer = (
                200,
                json.dumps(result, default=_epoch_seconds).encode(),
                "application/x-amz-json-1.0",
            )
        if answer is None and scope and scope.group("service") == "sts":
            return self._remember_credentials(environ, start_response, scope.group("key"))
        if answer is None:
            return self._app(environ, start_response)
        status, payload, content_type = answer
        reason = {200: "OK", 403: "Forbidden"}.get(status, "Error")
        start_response(
            f"{status} {reason}",
            [("Content-Type", content_type), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    def _remember_credentials(
        self, environ: dict[str, Any], start_response: Any, caller: str
    ) -> Any:
        """moto's STS answer, passed on unchanged; the drill notes the secrets it carried so a
        scan of the workstation can look for every one of them (docs/rules.md §14), and whose MFA
        session a new key is (the caller-policy check follows it back to the user)."""
        body = b"".join(self._app(environ, start_response))
        with self._lock:
            self.issued.update(m.decode() for m in _STS_SECRET.findall(body))
            if b"<GetSessionTokenResult>" in body:
                for key in _STS_KEY.findall(body):
                    self.sessions[key.decode()] = self.sessions.get(caller, caller)
        return [body]

    def _outage(
        self, service: str, environ: dict[str, Any], body: bytes
    ) -> tuple[int, bytes, str] | None:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            action = target.rsplit(".", 1)[-1]
        else:
            form = parse_qs(body.decode("utf-8", "replace"))
            action = (form.get("Action") or [""])[0]
        if f"{service}:{action}" not in self.outages:
            return None
        if target:  # JSON protocol (CloudTrail, CloudWatch Logs...)
            error = {"__type": "ServiceUnavailableException", "message": "Service unavailable."}
            return 503, json.dumps(error).encode(), "application/x-amz-json-1.1"
        xml = (  # query protocol (STS, IAM, SNS): AWS's XML error shape
            "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
            "<Message>Service is unavailable.</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        )
        return 503, xml.encode(), "text/xml"

    def _sts(self, body: bytes, caller: str) -> tuple[int, bytes, str] | None:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("Action") == "AssumeRole":
            with self._lock:
                user_key = self.sessions.get(caller, caller)
            refused = refused_action(form, user_key)
            if refused is not None:  # checked before the code, which is then not spent
                arn, action = refused
                return _sts_error(
                    "AccessDenied",
                    f"User: {arn} is not authorized to perform: {action} on resource: "
                    f"{form.get('RoleArn', '')}",
                )
        code = form.get("TokenCode")
        if form.get("Action") not in ("GetSessionToken", "AssumeRole") or code is None:
            return None
        serial = form.get("SerialNumber", "")
        if not self._devices.known(serial):
            return _sts_error(
                "AccessDenied",
                "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify "
                "your MFA serial number is valid and associated with this user.",
            )
        if not self._devices.accept(serial, code):
            return _sts_error(
                "AccessDenied",
                "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
            )
        return None


def lookup_page(records: list[dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
    """LookupEvents semantics over simulator records: attributes, time range, NextToken."""
    attributes = request.get("LookupAttributes") or []
    wanted = {a.get("AttributeKey"): a.get("AttributeValue") for a in attributes}
    start = float(request.get("StartTime", 0) or 0)
    end = float(request.get("EndTime", 1e12) or 1e12)
    selected = []
    for record in sorted(records, key=lambda r: r["_epoch"], reverse=True):
        if not start <= record["_epoch"] <= end:
            continue
        if "EventName" in wanted and record["eventName"] != wanted["EventName"]:
            continue
        username = record["userIdentity"].get("arn", "").rsplit("/", 1)[-1]
        if "Username" in wanted and wanted["Username"] not in (
            username,
            record["userIdentity"].get("userName"),
            (record.get("requestParameters") or {}).get("roleSessionName"),
        ):
            continue
        selected.append(record)
    offset = int(request.get("NextToken") or 0)
    limit = int(request.get("MaxResults") or PAGE)
    page = selected[offset : offset + limit]
    result: dict[str, Any] = {
        "Events": [
            {
                "EventId": r["eventID"],
                "EventName": r["eventName"],
                "ReadOnly": str(r["readOnly"]).lower(),
                "EventTime": r["_epoch"],
                "EventSource": r["eventSource"],
                "Username": r["userIdentity"].get("arn", "").rsplit("/", 1)[-1],
                "Resources": [],
                "CloudTrailEvent": json.dumps(
                    {k: v for k, v in r.items() if not k.startswith("_")}
                ),
            }
            for r in page
        ]
    }
    if offset + limit < len(selected):
        result["NextToken"] = str(offset + limit)
    return result
