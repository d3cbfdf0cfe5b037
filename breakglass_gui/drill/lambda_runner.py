"""The drill runs the shipped rotation function itself (moto's Lambda needs Docker to invoke).

When the app invokes the deployed function (`lambda:Invoke`, RequestResponse), the drill's
gate hands the request here: the function's configuration is read back from moto (the
environment `provision` deployed, the execution role), the role is assumed through the drill's
STS, and `resources/rotation/lambda_function.py` — the very file `provision` zips — runs
in-process with clients on those credentials, against the drill's IAM, SSM and OpenBao. The
answer has Lambda's shape: the handler's JSON, or `X-Amz-Function-Error: Unhandled` with
`errorMessage`/`errorType` when it raised (Lambda API reference, Invoke).

moto does not evaluate the execution role's policy: tests/core/test_rotation_function.py pins
what that policy allows instead.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from breakglass_gui.core.aws.admin import ProfileSessions
from breakglass_gui.core.resources import resource_path

INVOCATIONS = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")
Answer = tuple[int, bytes, dict[str, str]]


def shipped_function() -> ModuleType:
    """resources/rotation/lambda_function.py, loaded as Lambda would load it."""
    path = resource_path("rotation", "lambda_function.py")
    spec = importlib.util.spec_from_file_location("breakglass_rotation_function", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LambdaRunner:
    def __init__(self, admin: ProfileSessions, account: str, region: str) -> None:
        self._admin = admin
        self._account = account
        self._region = region
        self._module: ModuleType | None = None
        self._lock = threading.Lock()  # one rotation at a time, as a reserved concurrency of 1
        self.invocations: list[dict[str, Any]] = []  # the events (no secrets in them)

    def handles(self, path: str) -> bool:
        return INVOCATIONS.match(path) is not None

    def invoke(self, path: str, body: bytes) -> Answer:
        match = INVOCATIONS.match(path)
        assert match is not None
        from urllib.parse import unquote

        name = unquote(match.group("name"))  # a name or an ARN, as FunctionName may be
        if ":function:" in name:
            name = name.split(":function:", 1)[1].split(":")[0]
        lam = self._admin.client("lambda", self._account, self._region)
        try:
            config = lam.get_function_configuration(FunctionName=name)
        except Exception:
            message = json.dumps({"Type": "User", "Message": f"Function not found: {name}"})
            return 404, message.encode(), {"x-amzn-ErrorType": "ResourceNotFoundException"}
        event = json.loads(body or b"{}")
        with self._lock:
            self.invocations.append(event)
            try:
                result = self._run(config, event)
            except Exception as exc:
                error = {"errorMessage": str(exc), "errorType": type(exc).__name__}
                return 200, json.dumps(error).encode(), {"X-Amz-Function-Error": "Unhandled"}
        return 200, json.dumps(result).encode(), {"X-Amz-Executed-Version": "$LATEST"}

    def _run(self, config: dict[str, Any], event: dict[str, Any]) -> Any:
        if self._module is None:
            self._module = shipped_function()
        sts = self._admin.client("sts", self._account, self._region)
        role = sts.assume_role(RoleArn=config["Role"], RoleSessionName=config["FunctionName"])
        keys = role["Credentials"]
        clients: dict[str, Any] = {}

        def aws(service: str) -> Any:  # the execution role's clients, on the drill's endpoint
            if service not in clients:
                clients[service] = self._admin.client_with(
                    service,
                    self._region,
                    aws_access_key_id=keys["AccessKeyId"],
                    aws_secret_access_key=keys["SecretAccessKey"],
                    aws_session_token=keys["SessionToken"],
                )
            return clients[service]

        environment = (config.get("Environment") or {}).get("Variables", {})
        handler: Callable[..., Any] = self._module.lambda_handler
        return handler(event, None, aws=aws, environ=environment)
