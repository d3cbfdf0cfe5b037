"""Approver enrolment: a real OS keyring only, one correct code before storing (docs/rules.md
§2.2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from keyring.backends import chainer, fail, null

from breakglass_gui.core.config import parse_config
from breakglass_gui.core.enrolment import Enrolment, KeyringSecretStore, backend_refusal
from breakglass_gui.core.errors import EnrolmentError
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.secret import Secret
from tests.fakes.clock import ManualClock
from tests.fakes.keyring_memory import MemoryStore, SecretServiceLike
from tests.fakes.world import config_data


class PlaintextKeyring(SecretServiceLike):
    """Named like keyrings.alt's plaintext file backend."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        (fail.Keyring(), "'fail' backend"),
        (null.Keyring(), "'null' backend"),
        (PlaintextKeyring(), "stores secrets in a file"),
        (chainer.ChainerBackend.__new__(chainer.ChainerBackend), "keyring"),
    ],
)
def test_unsafe_keyring_backends_are_refused_with_the_reason(backend: Any, reason: str) -> None:
    if isinstance(backend, chainer.ChainerBackend):
        backend.__dict__["backends"] = [SecretServiceLike(), PlaintextKeyring()]
        reason = "stores secrets in a file"
    with pytest.raises(EnrolmentError) as raised:
        KeyringSecretStore(backend)
    assert reason in raised.value.message
    assert raised.value.code == "keyring"


def test_an_os_keyring_backend_is_accepted() -> None:
    assert backend_refusal(SecretServiceLike()) is None
    store = KeyringSecretStore(SecretServiceLike())
    assert store.get("ciso") is None


def test_enrolment_shows_an_otpauth_uri_and_stores_only_after_a_correct_code(
    tmp_path: Path,
) -> None:
    config = parse_config(config_data())
    clock = ManualClock()
    journal = Journal(tmp_path / "journal.sqlite3", clock)
    store = MemoryStore()
    enrolment = Enrolment(store, config.organisation.name, journal)
    approver = config.approver("ciso")
    assert approver is not None
    pending = enrolment.start(approver)
    uri = urlsplit(pending.uri)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    secret = parse_qs(uri.query)["secret"][0]
    assert parse_qs(uri.query)["issuer"] == ["Break Glass (Test Corp)"]
    with pytest.raises(EnrolmentError, match="does not match"):
        enrolment.confirm(
            pending,
            "000000" if pyotp.TOTP(secret).at(clock.now()) != "000000" else "111111",
            clock.now(),
        )
    assert store.values == {}
    enrolment.confirm(pending, pyotp.TOTP(secret).at(clock.now()), clock.now())
    assert store.values == {"ciso": secret}
    assert pending.secret.wiped
    kinds = [e.kind for e in journal.entries()]
    assert kinds == ["approver.enrolled", "approver.state"]  # a new series of steps, chained
    assert all(secret not in str(e.payload) for e in journal.entries())


def test_no_approver_is_enrolled_while_an_incident_is_open(tmp_path: Path) -> None:
    """Issue 18 (b): a secret enrolled mid-incident would let its holder sign that incident."""
    config = parse_config(config_data())
    clock = ManualClock()
    journal = Journal(tmp_path / "journal.sqlite3", clock)
    request = {
        "incident_id": "BG-20261201-ABCD",
        "emergency_type": "Other",
        "justification": "a declared incident, not yet closed",
        "operator": "jdoe",
        "duration_seconds": 3600,
    }
    journal.append("BG-20261201-ABCD", "incident.declared", request)
    journal.append("BG-20261201-ABCD", "incident.transition", {"from": None, "to": "DECLARED"})
    enrolment = Enrolment(MemoryStore(), config.organisation.name, journal)
    approver = config.approver("ciso")
    assert approver is not None
    with pytest.raises(EnrolmentError) as raised:
        enrolment.start(approver)
    assert raised.value.code == "enrolment.incident_open"
    assert "BG-20261201-ABCD" in raised.value.message


def _enrol_by_code(enrolment: Enrolment, config: Any, approver_id: str, clock: Any) -> Any:
    """What an approver does at the enrolment dialog: scan the URI, type the current code."""
    approver = config.approver(approver_id)
    assert approver is not None
    pending = enrolment.start(approver)
    secret = parse_qs(urlsplit(pending.uri).query)["secret"][0]
    enrolment.confirm(pending, pyotp.TOTP(secret).at(clock.now()), clock.now())
    return approver


def test_re_enrolling_does_not_lift_a_lockout(tmp_path: Path) -> None:
    config = parse_config(config_data())
    clock = ManualClock()
    journal = Journal(tmp_path / "journal.sqlite3", clock)
    journal.set_approver_state("ciso", 41, 0, clock.now() + 300, why="wrong code")
    enrolment = Enrolment(MemoryStore(), config.organisation.name, journal)
    _enrol_by_code(enrolment, config, "ciso", clock)
    assert journal.approver_state("ciso") == (-1, 0, clock.now() + 300)


def test_the_os_keyring_is_found_on_first_use_and_refused_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Finding the backend is kept off the cold start (docs/rules.md §13); refusing it is not
    lost."""
    import keyring

    looked_up: list[bool] = []

    def get_keyring() -> Any:
        looked_up.append(True)
        return fail.Keyring()

    monkeypatch.setattr(keyring, "get_keyring", get_keyring)
    store = KeyringSecretStore()
    assert looked_up == []
    for use in (store.check, lambda: store.get("alice"), lambda: store.set("alice", Secret("x"))):
        with pytest.raises(EnrolmentError, match="'fail' backend") as raised:
            use()
        assert raised.value.code == "keyring"
    assert looked_up == [True]  # found once, refused every time


def test_an_os_keyring_that_cannot_be_opened_is_said_in_plain_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keyring

    def get_keyring() -> Any:
        raise ConnectionError("org.freedesktop.DBus.Error.ServiceUnknown")

    monkeypatch.setattr(keyring, "get_keyring", get_keyring)
    with pytest.raises(EnrolmentError, match="could not be opened: ConnectionError") as raised:
        KeyringSecretStore().check()
    assert raised.value.code == "keyring"


def test_a_code_enrolment_is_only_ever_a_roles_first(tmp_path: Path) -> None:
    """Issue 18, item 3: a registry change needs the current approvers' signatures, and a code
    enrolment cannot carry any. It may bootstrap a role; re-enrolling or adding an approver of
    an enrolled role is refused (swap the operator's own secret in: attack (b))."""
    config = parse_config(config_data())
    clock = ManualClock()
    journal = Journal(tmp_path / "journal.sqlite3", clock)
    enrolment = Enrolment(MemoryStore(), config.organisation.name, journal)
    ciso = _enrol_by_code(enrolment, config, "ciso", clock)
    with pytest.raises(EnrolmentError) as raised:
        enrolment.start(ciso)
    assert raised.value.code == "enrolment.unsigned"
    cfo = config.approver("cfo")
    assert cfo is not None
    enrolment.start(cfo)  # the secondary role's first: no one to sign yet
