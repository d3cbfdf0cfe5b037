"""Fault matrix — the MFA code (docs/rules.md §2.4, §12): a wrong code, a step already used, a
device that is not associated with the user, and a workstation clock off by more than each
threshold.

moto accepts any code, so AWS's refusals are injected with AWS's own error messages; the
app's own checks (one send per code and per step, the clock check) run for real.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from breakglass_gui.core.aws.sts import SKEW_BLOCK_SECONDS, SKEW_WARN_SECONDS
from breakglass_gui.core.incident import State
from tests.fakes.world import World
from tests.faults.matrix import journaled, nothing_lost, raised

WRONG = "MultiFactorAuthentication failed with invalid MFA one time pass code."
NOT_ASSOCIATED = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA "
    "serial number is valid and associated with this user."
)


def _denied(message: str) -> ClientError:
    return ClientError({"Error": {"Code": "AccessDenied", "Message": message}}, "GetSessionToken")


def _sent(world: World) -> int:
    return world.faults.calls.count("sts.GetSessionToken")


def test_a_wrong_code(world: World) -> None:
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    world.faults.errors["sts.GetSessionToken"] = _denied(WRONG)
    error = raised(lambda: proc.verify_mfa(world.mfa_code()), "AWS rejected the MFA code")
    assert error.code == "aws.mfa.invalid_code" and error.field == "code"
    journaled(world, proc, "effect.outcome", "aws.mfa.invalid_code")
    assert proc.state is State.VAULT_UNLOCKED
    nothing_lost(world, proc)


def test_a_step_already_used_is_not_sent_again(world: World) -> None:
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    world.faults.errors["sts.GetSessionToken"] = _denied(WRONG)
    code = world.mfa_code()
    raised(lambda: proc.verify_mfa(code), "AWS rejected the MFA code")
    sent = _sent(world)
    error = raised(lambda: proc.verify_mfa(code), "already sent to AWS")
    assert error.code == "aws.mfa.reused"
    assert _sent(world) == sent  # refused on this machine: nothing left it
    nothing_lost(world, proc)


def test_a_device_not_associated_with_the_user(world: World) -> None:
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    world.faults.errors["sts.GetSessionToken"] = _denied(NOT_ASSOCIATED)
    error = raised(lambda: proc.verify_mfa(world.mfa_code()), "not the device associated")
    journaled(world, proc, "effect.outcome", "aws.mfa.not_associated")
    assert error.code == "aws.mfa.not_associated"
    nothing_lost(world, proc)


def _clock_checks(world: World, incident: str) -> list[dict[str, object]]:
    return [e.payload for e in world.journal.entries(incident) if e.kind == "aws.clock_check"]


def test_a_clock_off_by_more_than_the_warning_threshold_warns_and_goes_on(world: World) -> None:
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    code = world.mfa_code()
    world.clock.advance(SKEW_WARN_SECONDS + 30)
    check = proc.verify_mfa(code)
    assert check.level == "warn" and "may be rejected" in check.message()
    assert _clock_checks(world, proc.id)[-1]["level"] == "warn"
    assert proc.state is State.MFA_VERIFIED
    nothing_lost(world, proc)


def test_a_clock_off_by_more_than_the_blocking_threshold_stops_before_the_code_is_sent(
    world: World,
) -> None:
    proc = world.drive(world.declare(), State.VAULT_UNLOCKED)
    code = world.mfa_code()
    world.clock.advance(SKEW_BLOCK_SECONDS + 60)
    error = raised(lambda: proc.verify_mfa(code), "ahead of AWS", "correct the clock")
    assert error.code == "aws.clock_skew" and error.field == "code"
    assert _clock_checks(world, proc.id)[-1]["level"] == "block"
    assert _sent(world) == 0
    world.clock.advance(-(SKEW_BLOCK_SECONDS + 60))  # NTP fixed the clock
    nothing_lost(world, proc)
