"""The incident's notices: one message, sent on every configured channel, each outcome journaled.

A notice carries the journal's chain hash at the moment it is sent, which puts a checkpoint of
the journal off the workstation (docs/security-model.md). A failed channel is journaled as
`notification.failed` and shown; it never stops the procedure.

Notices of access opened (`activated`, `session`) are not on the operator's path to the
console (docs/rules.md §13: AssumeRole and getSigninToken are the only round trips there):
`announce_soon` journals the notice as `notification.queued` — message included — and a
single background sender delivers it, in order, journaling each outcome as before. Nothing is
lost: a queued notice without an outcome is sent again by the next run (`resend`, called on
recovery). The ending's notice stays on its path (`announce`): it is a step with a result.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from breakglass_gui.core.approver_keys import registry_hash, registry_of
from breakglass_gui.core.incident import State
from breakglass_gui.core.notifications.channel import Channel
from breakglass_gui.core.recorder import Recorder


class Announcer:
    def __init__(self, recorder: Recorder, channels: Sequence[Channel], *, drill: bool) -> None:
        self._recorder = recorder
        self.channels = tuple(channels)
        self._drill = drill
        self.sent: list[dict[str, Any]] = []  # every outcome of this run, for the session page
        self._sender: ThreadPoolExecutor | None = None
        self._pending: list[Future[Any]] = []
        self._submitted: set[str] = set()  # notice ids this run has handed to the sender

    @property
    def degraded(self) -> bool:
        """Whether the last notice failed on some channel."""
        return any(c.degraded for c in self.channels)

    def message(self, event: str, **extra: Any) -> dict[str, Any]:
        incident = self._recorder.incident
        request = incident.request
        seq, head = self._recorder.journal.head()
        return {
            "event": event,
            "incident": incident.id,
            "operator": request.operator,
            "emergency_type": request.emergency_type,
            "approvers": [f"{a['role']}: {a['approver']}" for a in incident.approvals],
            "accounts": list(incident.accounts),
            "journal_seq": seq,  # the entry the hash is of: a checkpoint others hold
            "journal_chain_hash": head,
            # Who could approve, as the journal says now (core/approver_keys.py).
            "registry_hash": registry_hash(registry_of(self._recorder.journal)),
            "drill": self._drill,
            **extra,
        }

    def announce(self, event: str, subject: str, **extra: Any) -> list[dict[str, Any]]:
        """Send one notice on every channel now; returns each channel's journaled outcome."""
        self.flush()  # after the notices queued before it, as the recipients expect them
        return self._deliver(event, subject, self.message(event, **extra), extra)

    def announce_soon(self, event: str, subject: str, **extra: Any) -> None:
        """Journal the notice, then send it in the background (off the operator's path)."""
        message = self.message(event, **extra)
        notice = secrets.token_hex(6)
        self._recorder.log(
            "notification.queued",
            {"notice": notice, "event": event, "subject": subject, "message": message,
             "extra": extra, "channels": [c.name for c in self.channels]},
        )  # fmt: skip
        self._submit(event, subject, message, {**extra, "notice": notice})

    def resend(self) -> int:
        """Send again, in the background, every notice a previous run queued but did not
        deliver (recovery); returns how many."""
        queued = {
            n: p for n, p in self._recorder.incident.queued_notices.items()
            if n not in self._submitted
        }  # fmt: skip
        for notice, p in queued.items():
            extra = {**dict(p.get("extra") or {}), "notice": notice, "resent": True}
            self._submit(str(p["event"]), str(p["subject"]), dict(p["message"]), extra)
        return len(queued)

    def _submit(self, event: str, subject: str, message: dict[str, Any], extra: Any) -> None:
        self._submitted.add(str(extra["notice"]))
        if self._sender is None:
            self._sender = ThreadPoolExecutor(1, thread_name_prefix="notices")
        self._pending.append(self._sender.submit(self._deliver, event, subject, message, extra))

    def flush(self, timeout: float | None = None) -> None:
        """Wait for the notices queued so far (their outcomes are journaled by then)."""
        pending, self._pending = self._pending, []
        if pending:
            wait(pending, timeout=timeout)

    def close(self) -> None:
        """Deliver what is queued, then stop the sender (the app quits or the incident ends)."""
        self.flush()
        if self._sender is not None:
            self._sender.shutdown(wait=True)
            self._sender = None

    def _deliver(
        self, event: str, subject: str, message: dict[str, Any], extra: dict[str, Any]
    ) -> list[dict[str, Any]]:
        title = ("[DRILL] " if self._drill else "") + subject
        hold = self._recorder.incident.reached(State.ENDING)
        records = []
        for channel in self.channels:
            outcome = channel.publish(title, message)
            record = {"event": event, "channel": channel.name, **outcome, **extra}
            self.sent.append(record)
            kind = "notification.sent" if outcome["sent"] else "notification.failed"
            self._recorder.log(kind, record, hold=hold)
            records.append(record)
        return records
