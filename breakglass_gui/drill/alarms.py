"""The drill's CloudWatch alarm history: the seed's metric filters evaluated on simulated records.

moto has no `DescribeAlarmHistory`; the drill answers it (in CloudWatch's CBOR protocol) from
the activity simulator: an alarm went to ALARM if its metric filter matched a record. Only the
pattern forms the seed uses are understood: a conjunction of `($.path = "value")` terms, where
the value may hold `*` wildcards.
"""

from __future__ import annotations

import fnmatch
import re
from datetime import UTC, datetime
from typing import Any

_TERM = re.compile(r'\(\s*\$\.(?P<path>[\w.]+)\s*=\s*"(?P<value>[^"]*)"\s*\)')


def matches(pattern: str, record: dict[str, Any]) -> bool:
    terms = _TERM.findall(pattern)
    if not terms or "||" in pattern:
        return False
    for path, expected in terms:
        value: Any = record
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if not isinstance(value, str) or not fnmatch.fnmatchcase(value, expected):
            return False
    return True


def alarm_history(
    alarm: str, pattern: str, records: list[dict[str, Any]], start: float, end: float
) -> dict[str, Any]:
    """A DescribeAlarmHistory result for one alarm over the simulator's records."""
    hits = [r for r in records if start <= r["_epoch"] <= end and matches(pattern, r)]
    items = []
    if hits:
        first = min(r["_epoch"] for r in hits) + 60  # the 60-second period closes
        items.append(
            {
                "AlarmName": alarm,
                "AlarmType": "MetricAlarm",
                "Timestamp": datetime.fromtimestamp(first, tz=UTC),
                "HistoryItemType": "StateUpdate",
                "HistorySummary": "Alarm updated from OK to ALARM",
                "HistoryData": "{}",
            }
        )
    return {"AlarmHistoryItems": items}
