"""The activity table model and its filter proxy (docs/rules.md §3): correct under qtmodeltester,
newest first, each event once, late events in place, high-risk rows highlighted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

from breakglass_gui.core.aws.activity import ActivityEvent, parse_record
from breakglass_gui.ui.models.activity import (
    EVENT_ROLE,
    ActivityFilterProxy,
    ActivityTableModel,
)


def event(i: int, name: str = "DescribeInstances", **extra: Any) -> ActivityEvent:
    return parse_record(
        json.dumps(
            {
                "eventID": f"e{i:06d}",
                "eventTime": f"2027-01-15T08:{i // 60 % 60:02d}:{i % 60:02d}Z",
                "eventSource": "ec2.amazonaws.com",
                "eventName": name,
                "awsRegion": "eu-central-1",
                "sourceIPAddress": "203.0.113.7",
                "recipientAccountId": "222222222222",
                "userIdentity": {
                    "type": "AssumedRole",
                    "arn": "arn:aws:sts::2:assumed-role/r/BG-20270101-ABCD",
                },
                **extra,
            }
        )
    )


def names(model: Any) -> list[str]:
    return [model.index(r, 3).data() for r in range(model.rowCount())]


def ids(model: Any) -> list[str]:
    return [model.index(r, 0).data(EVENT_ROLE).event_id for r in range(model.rowCount())]


def test_the_model_passes_qtmodeltester(qtmodeltester: Any) -> None:
    model = ActivityTableModel()
    model.add_events([event(i) for i in range(30)])
    qtmodeltester.check(model)
    proxy = ActivityFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter("describe")
    qtmodeltester.check(proxy)


def test_newest_first_each_event_once_and_late_events_in_place() -> None:
    model = ActivityTableModel()
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda parent, first, last: inserted.append((first, last)))
    assert model.add_events([event(10), event(12), event(11)]) == 3
    assert ids(model) == ["e000012", "e000011", "e000010"]
    assert model.add_events([event(12)]) == 0
    inserted.clear()
    assert model.add_events([event(13), event(5), event(1)]) == 3  # two late ones, one new
    assert ids(model) == ["e000013", "e000012", "e000011", "e000010", "e000005", "e000001"]
    assert inserted == [(3, 4), (0, 0)]  # contiguous ranges, the bottom one first


def test_high_risk_rows_are_highlighted_and_carry_the_reason() -> None:
    model = ActivityTableModel()
    model.add_events([event(1), event(2, "DeleteTrail"), event(3, errorCode="AccessDenied")])
    risky = [model.index(r, 0).data(Qt.ItemDataRole.BackgroundRole) is not None for r in range(3)]
    assert risky == [True, True, False]
    assert model.index(0, 6).data() == "AccessDenied"


def test_the_proxy_filters_and_follows_new_rows() -> None:
    model = ActivityTableModel()
    proxy = ActivityFilterProxy()
    proxy.setSourceModel(model)
    model.add_events([event(1), event(2, "DeleteTrail"), event(3, "RunInstances")])
    proxy.set_filter("trail")
    assert names(proxy) == ["DeleteTrail"]
    model.add_events([event(4, "StopLogging", requestParameters={"name": "main-trail"})])
    assert names(proxy) == ["StopLogging", "DeleteTrail"]
    proxy.set_filter("", risky_only=True)
    assert names(proxy) == ["StopLogging", "DeleteTrail"]
    proxy.set_filter("", risky_only=False)
    assert proxy.rowCount() == 4
    assert proxy.mapToSource(proxy.index(0, 0)).row() == 0
    assert not proxy.mapFromSource(QModelIndex()).isValid()


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # a cell is plain text
        ("\x1b[31mred", "\\x1b[31mred"),  # a terminal escape, visible
        ("prod\u202edorp", "prod\\u202edorp"),  # a bidi override cannot reorder the cell
        ("a" * 600, "a" * 512),
    ],
)
def test_hostile_values_are_shown_as_plain_visible_text(hostile: str, shown: str) -> None:
    model = ActivityTableModel()
    model.add_events([event(1, requestParameters={"bucketName": hostile})])
    assert model.index(0, 4).data() == shown
    tip = model.index(0, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("<qt>") and "<script>" not in tip and "\u202e" not in tip


def test_the_filtered_proxy_stays_consistent_while_events_stream_in(qtmodeltester: Any) -> None:
    model = ActivityTableModel()
    proxy = ActivityFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter("delete")
    model.add_events([event(10, "DeleteTrail"), event(20), event(30, "DeleteBucket")])
    qtmodeltester.check(proxy, force_py=True)  # keeps watching the signals from here on
    model.add_events(
        [event(25, "DeleteUser"), event(5, "DeleteRole"), event(40), event(50, "DeleteQueue")]
    )
    assert names(proxy) == [
        "DeleteQueue",
        "DeleteBucket",
        "DeleteUser",
        "DeleteTrail",
        "DeleteRole",
    ]
    assert [
        proxy.mapToSource(proxy.index(r, 0)).data(EVENT_ROLE).name for r in range(proxy.rowCount())
    ] == names(proxy)
    source_row = next(
        r for r in range(model.rowCount()) if model.index(r, 3).data() == "DeleteUser"
    )
    assert proxy.mapFromSource(model.index(source_row, 3)).data() == "DeleteUser"


def test_the_model_stays_consistent_while_late_and_new_events_stream_in(
    qtmodeltester: Any,
) -> None:
    model = ActivityTableModel()
    model.add_events([event(10), event(20), event(30)])
    qtmodeltester.check(model, force_py=True)  # one tester watches one model
    model.add_events([event(25), event(5), event(40), event(50)])
    assert ids(model) == [
        "e000050",
        "e000040",
        "e000030",
        "e000025",
        "e000020",
        "e000010",
        "e000005",
    ]
