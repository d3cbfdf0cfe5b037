"""RFC 6238 codes and the step that matched (docs/rules.md §2.2): ±1 step and no further, the latest
matching step when two match, six digits, 30-second steps."""

from __future__ import annotations

import pyotp
import pytest

from breakglass_gui.core import totp
from breakglass_gui.core.secret import Secret

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_900_000_005.0  # 15 s into step 63,333,333


def _code(at: float) -> str:
    return str(pyotp.TOTP(SEED).at(at))


def test_steps_are_thirty_seconds_counted_from_the_epoch() -> None:
    assert totp.STEP_SECONDS == 30
    assert totp.step_at(NOW) == 63_333_333
    assert totp.step_at(29.999) == 0 and totp.step_at(30.0) == 1
    assert totp.seconds_to_next_step(NOW) == 15
    assert totp.seconds_to_next_step(60.0) == 30
    assert totp.seconds_to_next_step(89.5) == 1


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_code_one_step_either_side_matches_with_its_own_step(offset: int) -> None:
    at = NOW + offset * 30
    assert totp.matching_step(Secret(SEED), _code(at), NOW) == totp.step_at(at)


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_a_code_two_steps_away_or_more_does_not_match(offset: int) -> None:
    code = _code(NOW + offset * 30)
    assume_distinct = {_code(NOW + o * 30) for o in (-1, 0, 1)}
    if code not in assume_distinct:  # six digits can collide; a collision proves nothing
        assert totp.matching_step(Secret(SEED), code, NOW) is None


def test_a_wider_window_is_what_the_caller_asks_for() -> None:
    code = _code(NOW + 60)
    assert totp.matching_step(Secret(SEED), code, NOW, window=2) == totp.step_at(NOW) + 2
    assert totp.matching_step(Secret(SEED), _code(NOW), NOW, window=0) == totp.step_at(NOW)
    assert totp.matching_step(Secret(SEED), _code(NOW - 30), NOW, window=0) is None


def test_when_two_steps_show_the_same_code_the_later_one_is_taken() -> None:
    """Replay protection compares steps: taking the earlier one would let the later one again."""

    class Repeating(pyotp.TOTP):
        def at(self, for_time: object, counter_offset: int = 0) -> str:
            return "123456"

    original = pyotp.TOTP
    pyotp.TOTP = Repeating  # type: ignore[misc]
    try:
        assert totp.matching_step(Secret(SEED), "123456", NOW) == totp.step_at(NOW) + 1
    finally:
        pyotp.TOTP = original  # type: ignore[misc]


def test_wrong_codes_do_not_match() -> None:
    right = _code(NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert totp.matching_step(Secret(SEED), wrong, NOW) in (
        None,
        totp.step_at(NOW) - 1,
        totp.step_at(NOW) + 1,
    )
    assert totp.matching_step(Secret(SEED), right[:5], NOW) is None
    assert totp.matching_step(Secret(SEED), "", NOW) is None


def test_codes_are_six_digits_and_the_format_check_says_so() -> None:
    assert totp.CODE.fullmatch("012345")
    for bad in ("12345", "1234567", "12a456", " 123456", "123456\n", "١٢٣٤٥٦"):
        assert not totp.CODE.fullmatch(bad), bad
    assert totp.code_at(Secret(SEED), NOW) == _code(NOW)
    assert len(totp.code_at(Secret(SEED), 59.0)) == 6


def test_a_new_secret_is_a_32_character_base32_seed_and_its_uri_names_the_issuer() -> None:
    secret = totp.new_secret()
    value = secret.reveal()
    assert len(value) == 32 and set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert totp.new_secret().reveal() != value
    uri = totp.provisioning_uri(Secret(SEED), "ciso@example.com", "Break Glass")
    assert uri.startswith("otpauth://totp/Break%20Glass:ciso%40example.com?")
    assert f"secret={SEED}" in uri and "issuer=Break%20Glass" in uri
