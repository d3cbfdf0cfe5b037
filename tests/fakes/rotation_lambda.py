"""A stand-in for the AWS-provided rotation Lambda (moto's Lambda needs Docker): answered from
a before-call hook, it does what the real function does and replies in Lambda's shape."""

from __future__ import annotations

import io
import json
from typing import Any

from botocore.response import StreamingBody

from tests.fakes.aws_answers import hook_answer
from tests.fakes.world import IAM_ACCOUNT, REGION, World, moto_client

LAMBDA = f"arn:aws:lambda:{REGION}:{IAM_ACCOUNT}:function:break-glass-rotation"


def lambda_world(make_world: Any) -> World:
    return make_world(rotation={"lambda_function": LAMBDA})  # type: ignore[no-any-return]


def lambda_response(payload: dict[str, Any], function_error: str | None = None) -> Any:
    body = json.dumps(payload).encode()
    parsed: dict[str, Any] = {
        "StatusCode": 200,
        "ExecutedVersion": "$LATEST",
        "Payload": StreamingBody(io.BytesIO(body), len(body)),
        "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}},
    }
    if function_error:
        parsed["FunctionError"] = function_error
    return hook_answer(parsed)


def rotating_lambda(world: World, seen: list[dict[str, Any]]) -> Any:
    """Does what the AWS-provided rotation Lambda does, then answers like Lambda."""

    def invoke(params: dict[str, Any]) -> Any:
        event = json.loads(params["Payload"])
        seen.append(event)
        iam = moto_client("iam")
        user = event["ForceRotate"]
        record = dict(world.vault.current(user))
        old_key = record["access_key_id"]
        new = iam.create_access_key(UserName=user)["AccessKey"]
        record.update(access_key_id=new["AccessKeyId"], secret_access_key=new["SecretAccessKey"])
        world.vault.put(user, record)  # check-and-set, before the old key goes
        iam.delete_access_key(UserName=user, AccessKeyId=old_key)
        return lambda_response({"status": "rotated", "user": user})

    return invoke
