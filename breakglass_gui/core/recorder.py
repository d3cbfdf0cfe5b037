"""The incident recorder: the journal-first rule in one place (docs/architecture.md, "The
journal comes first").

Every transition and every side effect on AWS or Vault is journaled before (intent) and after
(outcome); a journal write that fails stops the step before its side effect (fail closed). The
incident's state is only ever the replay of what was journaled, so after a crash the same
replay rebuilds it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from breakglass_gui.core.chain import TRANSITION, Entry
from breakglass_gui.core.errors import BreakGlassError, JournalError, ProcedureError
from breakglass_gui.core.incident import Incident, State
from breakglass_gui.core.journal import Journal

T = TypeVar("T")


ANCHORED = (TRANSITION, "session.issued")  # the steps an off-workstation checkpoint follows
WRITE_AHEAD = (TRANSITION, "effect.intent")  # durable before anything else happens, always


class Recorder:
    """Journals one incident and keeps its replayed state current; thread-safe."""

    def __init__(
        self,
        journal: Journal,
        incident: Incident,
        request_ids: Callable[[], Sequence[str]] = tuple,
    ) -> None:
        self.journal = journal
        self.incident = incident
        # Vault's request ids so far (grows as calls are made): an effect journals the ids of
        # the Vault calls it made, which Vault's own audit log also has.
        self._request_ids = request_ids
        self._lock = threading.RLock()
        # Called after each step the anchor records (a transition, a role session issued):
        # core/anchoring.py. Outside the lock; never raises into the procedure.
        self.watchers: list[Callable[[str], None]] = []
        self._group = threading.local()  # this thread's group commit, if one is open

    @property
    def id(self) -> str:
        return self.incident.id

    @property
    def state(self) -> State:
        return self.incident.state

    def entries(self) -> list[Entry]:
        return self.journal.entries(self.id)

    def log(self, kind: str, payload: dict[str, Any], *, hold: bool = False) -> None:
        """Journal one entry and apply it. `hold` (revocation only): if the disk refuses, the
        entry is kept in memory and written before anything newer (journal.append_or_hold)."""
        with self._lock:
            if not hold:
                durable = not getattr(self._group, "open", False) or kind in WRITE_AHEAD
                entry = self.journal.append(self.id, kind, payload, durable=durable)
                self.incident.apply(entry)
            else:
                self._log_or_hold(kind, payload)
        if kind in ANCHORED:
            for watcher in self.watchers:
                watcher(kind)

    def _log_or_hold(self, kind: str, payload: dict[str, Any]) -> None:
        held_before = self.journal.held
        written = self.journal.append_or_hold(self.id, kind, payload)
        if written is None:  # held in memory: applied as it will be written
            self.incident.apply(Entry(0, "", self.id, kind, payload, ""))
        elif held_before:  # entries held earlier went to disk first: read them all back
            self.incident = Incident.replay(self.entries())
        else:  # the usual case: this one entry (a replay per entry made revocation quadratic)
            self.incident.apply(written)

    def require(self, *states: State) -> None:
        if self.state not in states:
            raise ProcedureError(
                f"This step is not possible while the incident is {self.state.value}.",
                code="procedure.state",
            )

    def require_signed_request(self) -> None:
        """The request in force is the one both approvers signed (before every Vault read and
        every AssumeRole): a journal edited to widen it stops the procedure here."""
        problem = self.incident.unapproved_change()
        if problem:
            raise ProcedureError(
                f"Stopped: {problem}. A changed request needs two new sign-offs.",
                code="procedure.unapproved",
            )

    @contextlib.contextmanager
    def grouped(self) -> Iterator[None]:
        """Group commit on the operator's path (docs/rules.md §13): within it, this thread's
        entries are committed without waiting for the disk, except intents and transitions,
        which are durable before their effect as always (and so make everything before them
        durable). On leaving, one fsync makes the rest durable. What a crash can lose is the
        same as without it: outcomes after their intent, which recovery reads as "may have
        happened"."""
        if getattr(self._group, "open", False):
            yield
            return
        self._group.open = True
        try:
            yield
        except BaseException:
            self._group.open = False
            with contextlib.suppress(JournalError):  # the step's own error is the one to show
                self.journal.sync()
            raise
        self._group.open = False
        self.journal.sync()

    def transition(self, to: State, *, initial: bool = False, **payload: Any) -> None:
        current = self.state
        problem = "" if initial else self.incident.transition_problem(to, payload)
        if problem:  # never journal a step the replay would call tampering
            raise ProcedureError(
                f"The incident cannot go from {current} to {to}: {problem}.",
                code="procedure.transition",
            )
        self.log(
            TRANSITION,
            {"from": None if initial else current.value, "to": to.value, **payload},
            hold=current in (State.ENDING, State.REVOKED),
        )

    def effect(
        self,
        name: str,
        details: dict[str, Any],
        fn: Callable[[], T],
        *,
        key: str | None = None,
        hold: bool = False,
        evidence: Callable[[T], dict[str, Any]] | None = None,
    ) -> T:
        """Intent → side effect → outcome, each journaled; failures journaled and re-raised.

        Results are never journaled as such (an AWS response can carry a secret); `evidence`
        picks the fields worth keeping.
        """
        effect_key = key or name
        self.log("effect.intent", {"effect": name, "key": effect_key, **details}, hold=hold)
        seen = len(self._request_ids())
        try:
            result = fn()
        except BreakGlassError as exc:
            failed = {"effect": name, "key": effect_key, "ok": False, **exc.as_payload()}
            self.log("effect.outcome", failed, hold=hold)
            raise
        except Exception as exc:
            unexpected = {"code": "unexpected", "message": type(exc).__name__}
            self.log(
                "effect.outcome",
                {"effect": name, "key": effect_key, "ok": False, **unexpected},
                hold=hold,
            )
            raise
        kept = evidence(result) if evidence is not None else {}
        outcome = {"effect": name, "key": effect_key, "ok": True, "evidence": kept}
        made = list(self._request_ids())[seen:]
        if made:
            outcome["vault_request_ids"] = made
        self.log("effect.outcome", outcome, hold=hold)
        return result
