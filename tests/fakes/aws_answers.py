"""AWS answers for what moto lacks, in the shapes botocore expects from a hook or a Stubber."""

from __future__ import annotations

import json
from typing import Any

from botocore.awsrequest import AWSResponse


def hook_answer(parsed: dict[str, Any], url: str = "https://aws") -> tuple[AWSResponse, Any]:
    """What a before-call hook returns in place of the HTTP exchange: (response, parsed)."""
    return AWSResponse(url, 200, {}, None), parsed


def lookup_page(records: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    """One CloudTrail LookupEvents page holding these records (and the next page's token)."""
    page: dict[str, Any] = {
        "Events": [
            {"EventId": r["eventID"], "EventName": r["eventName"], "CloudTrailEvent": json.dumps(r)}
            for r in records
        ]
    }
    if token:
        page["NextToken"] = token
    return page
