"""Fault matrix — AWS refuses or a dependency fails (docs/rules.md §2.5, §4, §12): AccessDenied
from a wrong trust policy, and the rotation Lambda failing or timing out."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError

from breakglass_gui.core.errors import ProcedureError
from breakglass_gui.core.incident import State
from tests.fakes.rotation_lambda import lambda_response, lambda_world, rotating_lambda
from tests.fakes.world import TARGETS, World
from tests.faults.matrix import journaled, nothing_lost, raised

TRUST_DENIED = (
    "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: "
    "sts:AssumeRole on resource: arn:aws:iam::222222222222:role/a-tmpl-prod-rol-break-glass"
)


def test_access_denied_from_a_wrong_trust_policy(world: World) -> None:
    proc = world.drive(world.declare(), State.MFA_VERIFIED)
    world.faults.errors["sts.AssumeRole"] = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": TRUST_DENIED}}, "AssumeRole"
    )
    error = raised(lambda: proc.activate(TARGETS), "trust policy")
    assert error.code == "aws.trust_denied"
    journaled(world, proc, "effect.outcome", "aws.trust_denied")
    # A session may exist in another account: from here only revocation ends the incident.
    assert proc.state is State.ACTIVE
    refusal = raised(lambda: proc.abort("never mind"), "only end through revocation")
    assert isinstance(refusal, ProcedureError)
    nothing_lost(world, proc)


def _failing_rotation(make_world: Any, fault: str) -> tuple[World, Any]:
    world = lambda_world(make_world)
    proc = world.drive(world.declare(), State.ENDING)
    if fault == "error":
        world.faults.answers["lambda.Invoke"] = lambda params: lambda_response(
            {"errorMessage": "boom", "errorType": "Exception"}, "Unhandled"
        )
    elif fault == "no change":  # says it rotated, changed nothing
        world.faults.answers["lambda.Invoke"] = lambda params: lambda_response({"status": "ok"})
    else:
        world.faults.errors["lambda.Invoke"] = ReadTimeoutError(endpoint_url="https://lambda")
    return world, proc


def test_the_rotation_lambda_fails(make_world: Any) -> None:
    world, proc = _failing_rotation(make_world, "error")
    raised(proc.revoke_and_rotate, "did not complete", "rotation Lambda")
    journaled(world, proc, "effect.outcome", "rotate.lambda_error")
    assert proc.incident.reached(State.REVOKED)  # access was cut before rotation was tried
    world.faults.answers["lambda.Invoke"] = rotating_lambda(world, [])
    nothing_lost(world, proc)


def test_the_rotation_lambda_times_out(make_world: Any) -> None:
    world, proc = _failing_rotation(make_world, "timeout")
    raised(proc.revoke_and_rotate, "did not complete", "did not answer")
    journaled(world, proc, "effect.outcome", "rotate.lambda_timeout")
    assert proc.incident.reached(State.REVOKED)
    world.faults.answers["lambda.Invoke"] = rotating_lambda(world, [])
    nothing_lost(world, proc)


def test_the_rotation_lambda_claims_success_but_changed_nothing(make_world: Any) -> None:
    world, proc = _failing_rotation(make_world, "no change")
    raised(proc.revoke_and_rotate, "did not complete")
    journaled(world, proc, "effect.outcome", "rotate.lambda_no_change")
    world.faults.answers["lambda.Invoke"] = rotating_lambda(world, [])
    nothing_lost(world, proc)
