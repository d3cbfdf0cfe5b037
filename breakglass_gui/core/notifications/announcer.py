"""The incident's notices: one message, sent on every configured channel, each outcome journaled.

A notice carries the journal's chain hash at the moment it is sent, which puts a checkpoint of
the journal off the workstation (docs/security-model.md). A failed channel is journaled as
`notification.failed` and shown; it never stops the procedure.

Notices of access opened (`activated`, `session`) are owed, not sent, where they arise: the
operator's path to the console is AssumeRole and getSigninToken only (docs/rules.md §13). `owe`
journals the notice as `notification.queued` (event, subject, channels; no network) and
`deliver_owed` sends every owed notice once the operator has what they asked for: the
Procedure calls it at the end of each access step, after the console URL is in the browser.
Nothing is lost: a queued notice without an outcome on each channel is owed by the journal
(`Incident.queued_notices`), so a run that died before sending it sends it at its next access
step (marked `resent`). The message is built when it is sent, so it carries the chain hash of
that moment. The sending is on the worker that ran the step, not on a thread of its own: a
background sender competed with the session page's first paint for the GIL (issue 21).
"""

from __future__ import annotations

import secrets
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
        self._owed_here: set[str] = set()  # notices this run queued (the others are resent)

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

    def owe(self, event: str, subject: str, **extra: Any) -> str:
        """Journal a notice to be sent by `deliver_owed`; returns its id."""
        notice = secrets.token_hex(6)
        self._recorder.log(
            "notification.queued",
            {"notice": notice, "event": event, "subject": subject, "extra": extra,
             "channels": [c.name for c in self.channels]},
        )  # fmt: skip
        self._owed_here.add(notice)
        return notice

    def deliver_owed(self) -> int:
        """Send every notice the journal says is owed, oldest first; returns how many."""
        owed = list(self._recorder.incident.queued_notices.items())
        for notice, p in owed:
            extra = dict(p.get("extra") or {})
            tags = {"notice": notice} | ({} if notice in self._owed_here else {"resent": True})
            left = set(p["left"])
            self._send(str(p["event"]), str(p["subject"]), extra, tags, left)
            for gone in sorted(left - {c.name for c in self.channels}):
                # A channel the configuration no longer has: said, so the notice is not owed
                # for ever (and the review shows it as not sent).
                record = {"event": p["event"], "channel": gone, "sent": False, **tags,
                          "error": "the channel is no longer configured"}  # fmt: skip
                self.sent.append(record)
                self._recorder.log("notification.failed", record)
            self._owed_here.discard(notice)
        return len(owed)

    def announce(self, event: str, subject: str, **extra: Any) -> list[dict[str, Any]]:
        """Send one notice on every channel now, after any owed ones (the order recipients
        expect); returns each channel's journaled outcome."""
        self.deliver_owed()
        return self._send(event, subject, extra, {}, {c.name for c in self.channels})

    def _send(
        self,
        event: str,
        subject: str,
        extra: dict[str, Any],
        tags: dict[str, Any],
        channels: set[str],
    ) -> list[dict[str, Any]]:
        message = self.message(event, **extra)
        title = ("[DRILL] " if self._drill else "") + subject
        hold = self._recorder.incident.reached(State.ENDING)
        records = []
        for channel in self.channels:
            if channel.name not in channels:
                continue
            outcome = channel.publish(title, message)
            record = {"event": event, "channel": channel.name, **outcome, **extra, **tags}
            self.sent.append(record)
            kind = "notification.sent" if outcome["sent"] else "notification.failed"
            self._recorder.log(kind, record, hold=hold)
            records.append(record)
        return records
