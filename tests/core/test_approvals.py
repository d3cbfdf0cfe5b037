"""Two sign-offs, bound to the request digest, by the right people (docs/rules.md §2.2): the
desk's common rules, shown with the `totp` method (signature methods: test_signed_approvals.py)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from breakglass_gui.core import registry
from breakglass_gui.core.approval_methods import ApprovalContext
from breakglass_gui.core.approval_request import new_request_id, render
from breakglass_gui.core.approvals import Approval, ApprovalDesk, eligible
from breakglass_gui.core.clock import utc_iso
from breakglass_gui.core.config import parse_config
from breakglass_gui.core.errors import ApprovalError
from breakglass_gui.core.incident import Request
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.secret import Secret
from tests.fakes.clock import ManualClock
from tests.fakes.keyring_memory import MemoryStore
from tests.fakes.world import config_data

SECRETS = {
    "ciso": pyotp.random_base32(),
    "cfo": pyotp.random_base32(),
    "cto": pyotp.random_base32(),
    "selfie": pyotp.random_base32(),
    "ciso-deputy": pyotp.random_base32(),
}


class Desk:
    """The desk, called as the procedure calls it, with a fresh request text per call."""

    def __init__(self, config: Any, journal: Journal, store: MemoryStore, clock: Any) -> None:
        self._config, self._store, self._clock = config, store, clock
        context = ApprovalContext(config, clock, store, security_key=None)  # type: ignore[arg-type]
        self.inner: ApprovalDesk = registry.approval_desk(context, journal)

    def sign(
        self, request: Request, role: Any, who: str, code: str, other: dict[str, Any] | None
    ) -> Approval:
        now = self._clock.now()
        text = render(
            request,
            request_id=new_request_id(),
            role_arns={},
            not_after=now + 1800,
            journal_head="0" * 64,
            issued_at=now,
        )
        return self.inner.sign(
            text, request.incident_id, request.operator, role, who, Secret(code), other
        )

    def seconds_locked(self, approver: str) -> int:
        return self.inner.seconds_locked(approver)


def restart(d: Desk, journal: Journal, clock: Any) -> Desk:
    return Desk(d._config, Journal(journal.path, clock), d._store, clock)


@pytest.fixture
def desk(tmp_path: Any) -> tuple[Desk, ManualClock, Journal]:
    data = config_data()
    data["approvers"].append(
        {
            "id": "selfie",
            "name": "Jane Again",
            "email": "jane@example.com",
            "role": "primary",
            "aws_infrastructure": False,
        }
    )
    data["approvers"].append(  # the CISO again, enrolled a second time as a secondary
        {
            "id": "ciso-deputy",
            "name": "Alex Chief (deputy)",
            "email": "CISO@example.com",
            "role": "secondary",
            "aws_infrastructure": False,
        }
    )
    data["approvals"] = {"methods": ["totp"]}
    config = parse_config(data)
    clock = ManualClock(1_900_000_005.0)
    journal = Journal(tmp_path / "journal.sqlite3", clock)
    store = MemoryStore()
    for who, secret in SECRETS.items():
        store.set(who, Secret(secret))
    return Desk(config, journal, store, clock), clock, journal


REQUEST = Request("BG-20300317-ABCD", "Outage of Active Directory", "", "x" * 25, "", "jdoe", 3600)


def code(who: str, at: float) -> str:
    return str(pyotp.TOTP(SECRETS[who]).at(at))


def test_a_correct_code_signs_and_binds_the_request_digest(desk: Any) -> None:
    d, clock, _ = desk
    approval = d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    assert approval.digest == REQUEST.digest
    assert approval.role == "primary"


def test_codes_one_step_either_side_are_accepted_two_are_not(desk: Any) -> None:
    d, clock, _ = desk
    d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now() - 30), None)
    d.sign(REQUEST, "secondary", "cfo", code("cfo", clock.now() + 30), None)
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now() + 60), None)
    assert raised.value.code == "approval.wrong_code"


def test_a_replayed_step_is_refused_even_after_a_restart(desk: Any, tmp_path: Any) -> None:
    d, clock, journal = desk
    used = code("ciso", clock.now())
    d.sign(REQUEST, "primary", "ciso", used, None)
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "ciso", used, None)
    assert raised.value.code == "approval.replay"
    assert "already used" in raised.value.message
    restarted = restart(d, journal, clock)
    with pytest.raises(ApprovalError, match="already used"):
        restarted.sign(REQUEST, "primary", "ciso", used, None)
    clock.advance(30)
    restarted.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)


def test_three_wrong_codes_lock_the_approver_out_for_five_minutes(desk: Any) -> None:
    d, clock, journal = desk
    for attempt in range(3):
        with pytest.raises(ApprovalError) as raised:
            d.sign(REQUEST, "primary", "ciso", "000000" if attempt != 1 else "999999", None)
    assert raised.value.code == "approval.locked"
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    assert raised.value.code == "approval.locked"
    assert "try again in 5 min" in raised.value.message or "4 min" in raised.value.message
    restarted = restart(d, journal, clock)
    with pytest.raises(ApprovalError, match="locked out"):
        restarted.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    clock.advance(301)
    restarted.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)


def test_the_operator_cannot_approve_even_under_another_id(desk: Any) -> None:
    d, clock, _ = desk
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "selfie", code("selfie", clock.now()), None)
    assert raised.value.code == "approval.self"
    assert "selfie" not in [a.id for a in eligible(d._config, "primary", "jdoe")]


def test_one_person_cannot_sign_both_roles(desk: Any) -> None:
    d, clock, _ = desk
    first = d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "secondary", "ciso", code("ciso", clock.now() + 30), first.as_payload())
    assert raised.value.code == "approval.same_person"


def test_the_secondary_must_not_be_involved_with_aws(desk: Any) -> None:
    d, clock, _ = desk
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "secondary", "cto", code("cto", clock.now()), None)
    assert raised.value.code == "approval.infra"
    assert "cto" not in [a.id for a in eligible(d._config, "secondary", "jdoe")]


def test_a_primary_cannot_sign_as_secondary(desk: Any) -> None:
    d, clock, _ = desk
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "secondary", "ciso", code("ciso", clock.now()), None)
    assert raised.value.code == "approval.role"


def test_an_approver_without_an_enrolled_secret_is_told_to_enrol(desk: Any) -> None:
    d, _clock, _ = desk
    d._store.values.pop("cfo")
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "secondary", "cfo", "123456", None)
    assert raised.value.code == "approval.not_enrolled"


def test_a_malformed_code_is_refused_without_counting_as_a_failure(desk: Any) -> None:
    d, _, journal = desk
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "ciso", "12ab56", None)
    assert raised.value.code == "approval.format"
    assert journal.approver_state("ciso")[1] == 0


def test_one_person_under_a_second_roster_id_cannot_sign_the_other_role(desk: Any) -> None:
    """The e-mail says who a person is; ids and letter case do not."""
    d, clock, _ = desk
    first = d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    with pytest.raises(ApprovalError) as raised:
        d.sign(
            REQUEST,
            "secondary",
            "ciso-deputy",
            code("ciso-deputy", clock.now()),
            first.as_payload(),
        )
    assert raised.value.code == "approval.same_person"
    assert raised.value.message == "One person cannot sign both approvals."
    # Signed the other way round, too.
    other = d.sign(REQUEST, "secondary", "cfo", code("cfo", clock.now()), None)
    assert d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now() + 30), other.as_payload())


def test_an_unknown_approver_is_refused_by_name(desk: Any) -> None:
    d, _clock, _ = desk
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "mallory", "123456", None)
    assert raised.value.code == "approval.unknown"
    assert raised.value.field == "approver"
    assert '"mallory"' in raised.value.message


def test_the_operator_cannot_approve_under_their_own_id(desk: Any) -> None:
    d, clock, _ = desk
    request = Request(REQUEST.incident_id, REQUEST.emergency_type, "", "x" * 25, "", "ciso", 3600)
    with pytest.raises(ApprovalError) as raised:
        d.sign(request, "primary", "ciso", code("ciso", clock.now()), None)
    assert raised.value.code == "approval.self"
    assert "ciso" not in [a.id for a in eligible(d._config, "primary", "ciso")]


def test_exactly_three_wrong_codes_lock_out_and_the_lockout_is_journaled(desk: Any) -> None:
    d, clock, journal = desk
    messages = []
    for _ in range(2):
        with pytest.raises(ApprovalError) as raised:
            d.sign(REQUEST, "primary", "ciso", "000000", None)
        assert raised.value.code == "approval.wrong_code"
        messages.append(raised.value.message)
    assert "2 attempts left before a 5-minute lockout." in messages[0]
    assert "1 attempt left before a 5-minute lockout." in messages[1]
    assert d.seconds_locked("ciso") == 0
    assert journal.approver_state("ciso")[1] == 2
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "ciso", "000000", None)
    assert raised.value.code == "approval.locked"
    assert "locked out for 5 minutes after 3 wrong answers" in raised.value.message
    assert d.seconds_locked("ciso") == 300
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    assert "try again in 5 min 00 s" in raised.value.message
    clock.advance(61)
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    assert "try again in 3 min 59 s" in raised.value.message
    clock.advance(-61)
    (entry,) = [e for e in journal.entries(REQUEST.incident_id) if e.kind == "approver.locked_out"]
    assert entry.payload == {"approver": "ciso", "until": utc_iso(clock.now() + 300)}
    assert journal.approver_state("ciso") == (-1, 0, clock.now() + 300)  # no step used yet


def test_the_lockout_lasts_exactly_five_minutes(desk: Any) -> None:
    d, clock, _ = desk
    for _ in range(3):
        with pytest.raises(ApprovalError):
            d.sign(REQUEST, "primary", "ciso", "000000", None)
    clock.advance(299.5)
    assert d.seconds_locked("ciso") == 1
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    assert raised.value.code == "approval.locked"
    assert "try again in 0 min 01 s" in raised.value.message
    clock.advance(0.5)
    assert d.seconds_locked("ciso") == 0
    assert d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None).approver == "ciso"


def test_after_a_lockout_the_count_starts_again(desk: Any) -> None:
    d, clock, _ = desk
    for _ in range(3):
        with pytest.raises(ApprovalError):
            d.sign(REQUEST, "primary", "ciso", "000000", None)
    clock.advance(300)
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "ciso", "000000", None)
    assert raised.value.code == "approval.wrong_code"  # one failure, not a fourth


def test_a_correct_code_clears_the_failure_count_and_records_its_step(desk: Any) -> None:
    d, clock, journal = desk
    for _ in range(2):
        with pytest.raises(ApprovalError):
            d.sign(REQUEST, "primary", "ciso", "000000", None)
    approval = d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    step = approval.evidence["step"]
    assert step == int(clock.now() // 30)
    assert journal.approver_state("ciso") == (step, 0, 0.0)
    for _ in range(2):
        with pytest.raises(ApprovalError) as raised:
            d.sign(REQUEST, "primary", "ciso", "000000", None)
        assert raised.value.code == "approval.wrong_code"


def test_a_wrong_code_does_not_move_the_used_step(desk: Any) -> None:
    d, clock, journal = desk
    used = d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None).evidence["step"]
    with pytest.raises(ApprovalError):
        d.sign(REQUEST, "primary", "ciso", "000000", None)
    assert journal.approver_state("ciso")[0] == used


def test_a_code_from_the_step_before_the_last_used_one_is_a_replay(desk: Any) -> None:
    d, clock, _ = desk
    d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now() + 30), None)
    with pytest.raises(ApprovalError) as raised:
        d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    assert raised.value.code == "approval.replay"
    assert raised.value.field == "code"


def test_the_approval_records_who_when_and_what(desk: Any) -> None:
    d, clock, _ = desk
    approval = d.sign(
        REQUEST,
        "primary",
        "ciso",
        f" {code('ciso', clock.now())[:3]} {code('ciso', clock.now())[3:]} ",
        None,
    )
    payload = approval.as_payload()
    assert len(payload.pop("request_id")) == 18 and len(payload.pop("challenge")) == 64
    assert payload == {
        "role": "primary",
        "approver": "ciso",
        "name": "Alex Chief",
        "method": "totp",
        "fingerprint": "",
        "evidence": {"step": int(clock.now() // 30)},
        "digest": REQUEST.digest,
        "at": utc_iso(clock.now()),
    }


def test_who_may_sign_each_role(desk: Any) -> None:
    d, _clock, _ = desk
    assert [a.id for a in eligible(d._config, "primary", "jdoe")] == ["ciso"]
    assert [a.id for a in eligible(d._config, "secondary", "jdoe")] == ["cfo", "ciso-deputy"]
    assert [a.id for a in eligible(d._config, "primary", "nobody")] == ["ciso", "selfie"]


def test_a_granted_approval_cannot_be_altered(desk: Any) -> None:
    import dataclasses

    d, clock, _ = desk
    approval = d.sign(REQUEST, "primary", "ciso", code("ciso", clock.now()), None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        approval.digest = "0" * 64  # type: ignore[misc]
