"""The log redaction filter (SPEC §12) on real-shaped keys and tokens."""

from __future__ import annotations

import logging

import pytest

from breakglass_gui.core.redact import RedactingFilter, redact

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJHMEUCIQD" + "A1b2C3d4" * 40
VAULT_TOKEN = "hvs.CAESIJ3lGkN9xHfM2dQp0qWZr5v8yT7uS6oPbKcXwE1aLhYtGh4KHGh2cy5" + "x" * 20
LEGACY_TOKEN = "s.Qf1s5zigZ4OX6akYjQXJC1jY"
SIGNIN = "Xk3cj1sD" * 30


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"secret={SECRET_KEY} id=AKIAIOSFODNN7EXAMPLE", SECRET_KEY),
        (f'{{"SessionToken": "{SESSION_TOKEN}"}}', SESSION_TOKEN),
        (f"token {VAULT_TOKEN} issued", VAULT_TOKEN),
        (f"legacy {LEGACY_TOKEN}", LEGACY_TOKEN),
        (f"https://signin.aws.amazon.com/federation?Action=login&SigninToken={SIGNIN}&x=1", SIGNIN),
        (f"<SecretAccessKey>{SECRET_KEY}</SecretAccessKey>", SECRET_KEY),
        ("Password=Hunter2%21abc&UserName=bg", "Hunter2%21abc"),
    ],
)
def test_secrets_are_redacted_and_key_ids_stay_readable(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert "[REDACTED]" in cleaned
    if "AKIA" in text:
        assert "AKIAIOSFODNN7EXAMPLE" in cleaned


def test_the_filter_redacts_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "got %s", (VAULT_TOKEN,), None)
    try:
        raise ValueError(SECRET_KEY)
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RedactingFilter().filter(record)
    assert VAULT_TOKEN not in record.getMessage()
    assert record.exc_text and SECRET_KEY not in record.exc_text
