#!/usr/bin/env python3
"""Activity panel with 100,000 events (docs/rules.md §13), in its own process so RSS is its own.

Prints one JSON object: seconds to add 10,000 events to a model already holding 100,000,
seconds to filter 110,000 rows, peak RSS in MB.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_events(count: int, start: int) -> list:
    from breakglass_gui.core.aws.activity import parse_record

    sources = ("ec2.amazonaws.com", "s3.amazonaws.com", "iam.amazonaws.com", "kms.amazonaws.com")
    names = ("DescribeInstances", "GetObject", "ListRoles", "Decrypt", "PutObject", "DeleteBucket")
    events = []
    for i in range(start, start + count):
        events.append(
            parse_record(
                {
                    "eventID": f"evt-{i:08d}",
                    "eventTime": f"2027-01-{1 + i // 86400 % 28:02d}T"
                    f"{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                    "eventSource": sources[i % 4],
                    "eventName": names[i % 6],
                    "awsRegion": "eu-central-1",
                    "sourceIPAddress": f"10.0.{i // 256 % 256}.{i % 256}",
                    "recipientAccountId": f"{210000000000 + i % 25:012d}",
                    "requestParameters": {"bucketName": f"bucket-{i % 997}"},
                    "userIdentity": {
                        "type": "AssumedRole",
                        "arn": "arn:aws:sts::1:assumed-role/r/BG-20270101-ABCD",
                    },
                }
            )
        )
    return events


def main() -> None:
    from PySide6.QtWidgets import QApplication, QTableView

    from breakglass_gui.ui.models.activity import ActivityFilterProxy, ActivityTableModel

    app = QApplication([])
    model = ActivityTableModel()
    proxy = ActivityFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.resize(1280, 600)
    view.show()
    # bench/run.py --smoke (CI): a tenth of the events, to check the benchmark runs.
    base_n, extra_n = (10_000, 1_000) if os.environ.get("BENCH_SMOKE") else (100_000, 10_000)
    base, extra = make_events(base_n, 0), make_events(extra_n, base_n)
    model.add_events(base)
    app.processEvents()
    started = time.perf_counter()
    model.add_events(extra)
    app.processEvents()
    add = time.perf_counter() - started
    started = time.perf_counter()
    proxy.set_filter("deletebucket")
    app.processEvents()
    filtering = time.perf_counter() - started
    shown = proxy.rowCount()
    proxy.set_filter("")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "add_10k_s": add,
                "filter_s": filtering,
                "rss_mb": rss_mb,
                "rows": model.rowCount(),
                "filtered_rows": shown,
            }
        )
    )
    view.close()
    del app


if __name__ == "__main__":
    main()
