"""The operator is proven by their own Vault login (issue 18, item 4; attack (c)): the roster
binds each operator to a Vault identity, the login is made as that identity and must prove it,
and the proven identity is what AWS records as the role sessions' SourceIdentity."""

from __future__ import annotations

from typing import Any

import pytest

from breakglass_gui.core.errors import BreakGlassError, ProcedureError
from breakglass_gui.core.incident import State
from breakglass_gui.core.review.data import build_review
from breakglass_gui.core.secret import Secret
from tests.fakes.world import VAULT_PASSWORD, World, config_data

# jdoe's own Vault login is the World's userpass user; rroe has a login of their own.
OPERATORS = [
    {"id": "jdoe", "name": "Jane Doe", "email": "jane@example.com", "vault_identity": "breakglass"},
    {"id": "rroe", "name": "Rick Roe", "email": "rick@example.com", "vault_identity": "rroe"},
]


@pytest.fixture
def proven(make_world: Any) -> World:
    return make_world(operators=OPERATORS)


def test_the_login_proves_the_operator_and_aws_records_who(proven: World) -> None:
    proc = proven.drive(proven.declare(), State.ACTIVE)
    entries = proven.journal.entries(proc.id)
    (proof,) = [e.payload for e in entries if e.kind == "operator.proven"]
    assert proof["operator"] == "jdoe" and proof["vault_identity"] == "breakglass"
    sessions = [e.payload for e in entries if e.kind == "session.issued"]
    assert sessions and {s["source_identity"] for s in sessions} == {"breakglass"}
    summary = build_review(proc)["incident"]["operator_proof"]
    assert summary["proven"] is True


def test_declaring_as_someone_else_does_not_get_past_vault(proven: World) -> None:
    """Attack (c): the operator picks rroe in the drop-down. The login is made as rroe's own
    Vault identity, which jdoe's password does not open."""
    proc = proven.declare(operator="rroe")
    for _ in range(2):
        proven.step(proc)  # both approvals
    assert proc.state is State.APPROVED
    with pytest.raises(BreakGlassError):
        proc.unlock_vault(Secret(VAULT_PASSWORD))
    assert proc.state is State.APPROVED
    assert not any(e.kind == "operator.proven" for e in proven.journal.entries(proc.id))


def test_a_login_vault_attributes_to_someone_else_is_refused(
    proven: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vault answers for another identity (a shared credential, a mapped certificate): the
    incident stops before the record is read, and the token is revoked."""
    proc = proven.declare()
    for _ in range(2):
        proven.step(proc)
    gateway = proc.parts.custody.vault
    real = gateway.login

    def as_mallory(credential: Secret, username: str | None = None) -> dict[str, Any]:
        return {**real(credential, username), "identity": "mallory"}

    monkeypatch.setattr(gateway, "login", as_mallory)
    with pytest.raises(ProcedureError) as raised:
        proc.unlock_vault(Secret(VAULT_PASSWORD))
    assert raised.value.code == "operator.unproven" and "mallory" in raised.value.message
    kinds = [e.kind for e in proven.journal.entries(proc.id)]
    assert "operator.refused" in kinds and "vault.record_read" not in kinds
    assert proc.state is State.APPROVED and not proc.parts.custody.vault_logged_in


def test_an_operator_without_a_vault_identity_is_said_to_be_unproven(world: World) -> None:
    assert not world.config.operator("jdoe").vault_identity  # type: ignore[union-attr]
    proc = world.drive(world.declare(), State.ACTIVE)
    assert any(e.kind == "operator.unproven" for e in world.journal.entries(proc.id))
    assert build_review(proc)["incident"]["operator_proof"]["proven"] is False


def test_the_config_names_the_key() -> None:
    from breakglass_gui.core.config import parse_config

    data = config_data(operators=OPERATORS)
    assert parse_config(data).operator("rroe").vault_identity == "rroe"  # type: ignore[union-attr]
