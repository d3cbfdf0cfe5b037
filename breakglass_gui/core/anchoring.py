"""Writes the incident's checkpoints to the anchor (core/anchor.py) as it goes.

After each transition and each role session issued, the journal's head goes to the anchor
bucket through the app's role session in the log account. Writes run on one background
thread, in order, so no step of the procedure (the console URL above all) waits for S3; each
outcome is journaled (`anchor.written` with the object's version, or `anchor.failed` after
retries), a failure is shown (`degraded`) and listed in the review, and the procedure goes on.
Before the first session in the log account there is no one to write with: the first
checkpoint written covers every entry before it (the chain), and so does the newest of several
waiting to be written, which is the one written. The writer thread lives only while there is
something to write.

When the app's own sessions are revoked (the last step of revoke-and-rotate) nothing more can
be written: the last checkpoint is the one before, and the closing steps are anchored by the
notices and, for a drill, by the copy in DIR/anchor.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from breakglass_gui.core.anchor import (
    AnchorStore,
    S3Anchor,
    body_of,
    checkpoint,
    object_key,
    retried,
)
from breakglass_gui.core.approver_keys import registry_hash, registry_of
from breakglass_gui.core.aws.errors import classify
from breakglass_gui.core.clock import Clock, utc_iso
from breakglass_gui.core.config import Config
from breakglass_gui.core.custody import Custody
from breakglass_gui.core.recorder import Recorder

log = logging.getLogger(__name__)


class Anchoring:
    def __init__(
        self,
        recorder: Recorder,
        custody: Custody,
        config: Config,
        clock: Clock,
        *,
        store: AnchorStore | None = None,
        backoff: tuple[float, ...] = (0.5, 1.0),
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._recorder = recorder
        self._custody = custody
        self._clock = clock
        self._account = config.log_account_id
        region = config.log_region
        self._region = region
        self._client: tuple[str, Any] | None = None  # (access key id, client), one per session
        self.store = store or S3Anchor(self._s3, config.anchor_bucket, config.anchor.prefix)
        self._prefix = config.anchor.prefix
        self._backoff = backoff
        self._sleep = sleep
        self._queue: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.degraded = False  # the last checkpoint could not be written
        recorder.watchers.append(self.step)

    def _s3(self) -> Any:
        """An S3 client on the log-account session, made once per session (a client costs
        tens of milliseconds to build; only the writer thread calls this)."""
        session = self._custody.session(self._account)
        key = session.credentials.access_key_id if session else ""
        if self._client is None or self._client[0] != key:
            client = self._custody.client("s3", self._account, self._region, plain_body=True)
            self._client = (key, client)
        return self._client[1]

    def step(self, kind: str) -> None:
        """A step to anchor: the journal's head now, written in the background."""
        recorder = self._recorder
        if not self._custody.has_live_session(self._account):
            # Nobody to write with: before the first session (a later checkpoint covers this
            # entry through the chain), or after the app's own sessions were revoked.
            return
        seq, head = recorder.journal.head()
        point = checkpoint(
            incident=recorder.id,
            seq=seq,
            hash=head,
            state=recorder.state.value,
            at=utc_iso(self._clock.now()),
            registry_hash=registry_hash(registry_of(recorder.journal)),
            journal_id=recorder.journal.id,
        )
        with self._lock:
            self._queue.append(point)
            if self._worker is None:
                self._worker = threading.Thread(target=self._drain, name="anchor", daemon=True)
                self._worker.start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._worker = None
                    return
                # Only the newest waiting checkpoint is written: its hash covers every entry
                # before it through the chain (a burst of sessions costs one write, not five).
                point = self._queue.pop()
                self._queue.clear()
            self._write(point)

    def _write(self, point: dict[str, Any]) -> None:
        if not self._custody.has_live_session(self._account):
            return  # the session died while this waited: never send a dead key (a later
            # checkpoint, or the journal's own chain, covers this entry)
        key = object_key(self._prefix, point)
        body = body_of(point)
        extra = {"sleep": self._sleep} if self._sleep else {}
        try:
            # Never anchor an entry this disk could still lose: an outcome of a group commit
            # (core/recorder.py `grouped`) may not be synced yet; this makes it so first.
            self._recorder.journal.sync()
            version = retried(lambda: self.store.put(key, body), self._backoff, **extra)
        except Exception as exc:
            self.degraded = True
            message = classify(exc).message if not isinstance(exc, OSError) else str(exc)
            log.warning("checkpoint %s not written: %s", key, message)
            self._journal("anchor.failed", {"seq": point["seq"], "key": key, "error": message})
            return
        self.degraded = False
        self._journal(
            "anchor.written",
            {
                "seq": point["seq"],
                "hash": point["hash"],
                "state": point["state"],
                "key": key,
                "version": version,
                "where": self.store.where,
            },
        )

    def _journal(self, kind: str, payload: dict[str, Any]) -> None:
        try:
            self._recorder.log(kind, payload, hold=True)
        except Exception:  # the journal's own failure is reported by the step that hits it
            log.exception("could not journal %s", kind)

    def flush(self, timeout: float = 30.0) -> None:
        """Wait for the checkpoints asked for so far (before the review, and at close)."""
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.join(timeout)
