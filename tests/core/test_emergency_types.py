"""Emergency types come from the config, each optionally scoped to accounts; the procedure holds
what the operator is in the middle of (accounts chosen for a code, adding an account)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from breakglass_gui.core.config.model import DEFAULT_EMERGENCY_KINDS, EmergencyType
from breakglass_gui.core.errors import ConfigError, ProcedureError
from breakglass_gui.core.incident import State
from breakglass_gui.core.need import Need
from breakglass_gui.core.procedure import Procedure
from breakglass_gui.core.registry import parse_checked
from tests.fakes.world import TARGETS, World, config_data

SCOPED = {"name": "Payments outage", "accounts": [TARGETS[0]]}
TYPES = [SCOPED, {"name": "Something else", "describe": True}]


def test_without_a_setting_the_types_are_the_seeds_four_and_other() -> None:
    config = parse_checked(config_data())
    assert [k.name for k in config.emergency_types] == [t.value for t in EmergencyType]
    assert config.emergency_types == DEFAULT_EMERGENCY_KINDS
    assert [k.name for k in config.emergency_types if k.describe] == ["Other"]
    assert all(k.accounts == () for k in config.emergency_types)


def test_configured_types_replace_the_defaults() -> None:
    config = parse_checked(config_data(emergency_types=TYPES))
    assert [(k.name, k.accounts, k.describe) for k in config.emergency_types] == [
        ("Payments outage", (TARGETS[0],), False),
        ("Something else", (), True),
    ]


@pytest.mark.parametrize(
    ("types", "problem"),
    [
        (
            [{"name": "X", "accounts": ["999999999999"]}],
            'emergency_types[0].accounts[0]: "999999999999" is not in accounts',
        ),
        ([{"name": "X"}, {"name": "X"}], 'emergency_types: "X" is listed more than once'),
        ([], "emergency_types: must name at least one emergency type"),
        ([{"accounts": []}], "emergency_types[0].name: is required"),
    ],
)
def test_a_wrong_type_list_is_refused(types: list[dict[str, Any]], problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_checked(config_data(emergency_types=types))
    assert problem in raised.value.problems


@pytest.fixture
def scoped(make_world: Callable[..., World]) -> World:
    return make_world(emergency_types=TYPES)


def test_a_type_not_in_the_config_is_refused(scoped: World) -> None:
    with pytest.raises(ProcedureError) as raised:
        scoped.declare(emergency_type=EmergencyType.AD_OUTAGE.value)
    assert raised.value.field == "type"


def test_a_describing_type_needs_its_description(scoped: World) -> None:
    with pytest.raises(ProcedureError) as raised:
        scoped.declare(emergency_type="Something else")
    assert raised.value.field == "other_text"
    assert scoped.declare(emergency_type="Something else", other_text="The HSM is on fire")


def test_accounts_outside_the_types_scope_cannot_be_requested(scoped: World) -> None:
    with pytest.raises(ProcedureError) as raised:
        scoped.declare(emergency_type="Payments outage", accounts=TARGETS)
    assert raised.value.field == "accounts" and TARGETS[1] in raised.value.message
    proc = scoped.declare(emergency_type="Payments outage", accounts=TARGETS[:1])
    assert proc.incident.request.accounts == TARGETS[:1]


def test_a_scoped_type_limits_what_can_be_opened_and_amended(scoped: World) -> None:
    proc = scoped.declare(emergency_type="Payments outage", accounts=())  # the type's scope
    assert proc.incident.request.accounts == TARGETS[:1]
    assert proc.allowed_accounts() == TARGETS[:1]
    with pytest.raises(ProcedureError):
        proc.amend_request(accounts=TARGETS)
    scoped.drive(proc, State.MFA_VERIFIED)
    with pytest.raises(ProcedureError) as raised:
        proc.activate(TARGETS[1:])
    assert "outside" in raised.value.message and proc.state is State.MFA_VERIFIED
    proc.activate(TARGETS[:1])
    assert proc.state is State.ACTIVE


def test_the_account_scope_is_required_at_declaration(world: World) -> None:
    """Issue 18 (f): approvals cover accounts, so a request must name them."""
    with pytest.raises(ProcedureError) as raised:
        world.declare(accounts=())
    assert raised.value.field == "accounts"


def test_a_request_widened_after_approval_stops_before_vault_and_aws(world: World) -> None:
    """Issue 18 (f): the journal says what the request is; an entry appended after approval
    (as an attacker with the operator's OS account would, through the journal's own API) that
    widens it stops the procedure before the Vault read and before any AssumeRole."""
    proc = world.drive(world.declare(accounts=TARGETS[:1]), State.APPROVED)
    widened = {**proc.incident.request.as_payload(), "accounts": list(TARGETS)}
    world.journal.append(proc.id, "incident.request_amended", {"request": widened})
    resumed = Procedure.resume(world.deps(), proc.id)
    assert resumed.incident.request.accounts == TARGETS
    with pytest.raises(ProcedureError) as raised:
        world.step(resumed)  # the Vault unlock
    assert raised.value.code == "procedure.unapproved"
    effects = {
        e.payload.get("effect") for e in world.journal.entries(proc.id) if e.kind == "effect.intent"
    }
    assert not effects & {"vault.login", "vault.read_record", "sts.assume_role"}


def test_adding_an_account_is_held_by_the_procedure(world: World) -> None:
    proc = world.drive(world.declare(), State.ACTIVE)
    assert proc.needs() is Need.ACTIVE
    proc.begin_adding_account()
    assert proc.adding_account and proc.needs() is Need.ACCOUNTS
    proc.stop_adding_account()
    assert proc.needs() is Need.ACTIVE
    proc.begin_adding_account()
    proc.add_account(TARGETS[1])
    assert not proc.adding_account and proc.needs() is Need.ACTIVE


def test_direct_mode_holds_the_chosen_accounts_until_the_code(
    make_world: Callable[..., World],
) -> None:
    world = make_world(session__mfa_mode="direct")
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    assert proc.needs() is Need.ACCOUNTS
    with pytest.raises(ProcedureError):
        proc.choose_accounts(("999999999999",))
    assert proc.chosen_accounts == ()
    proc.choose_accounts(TARGETS[:1])
    assert proc.needs() is Need.CODE and proc.chosen_accounts == TARGETS[:1]
    proc.activate(proc.chosen_accounts, world.mfa_code())
    assert proc.state is State.ACTIVE and proc.chosen_accounts == ()
