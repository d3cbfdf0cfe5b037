"""The incident's notices: one message, sent on every configured channel, each outcome journaled.

A notice carries the journal's chain hash at the moment it is sent, which puts a checkpoint of
the journal off the workstation (docs/security-model.md). A failed channel is journaled as
`notification.failed` and shown; it never stops the procedure.
"""

from __future__ import annotations

from collections.abc import Sequence
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
        """Send one notice on every channel; returns each channel's journaled outcome."""
        message = self.message(event, **extra)
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
