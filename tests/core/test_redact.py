"""The log redaction filter (docs/rules.md §12) on real-shaped keys and tokens."""

from __future__ import annotations

import json
import logging
import string
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from breakglass_gui.core.aws.rotate import PASSWORD_SYMBOLS
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


# What rotation generates (core/aws/rotate.py), and what a person might type besides.
PASSWORDS = st.text(
    alphabet=string.ascii_letters + string.digits + PASSWORD_SYMBOLS + "'\" ,\\:;<>?`~./",
    min_size=1,
    max_size=40,
)


@given(PASSWORDS)
def test_a_password_is_redacted_whole_in_every_form_botocore_logs_it(password: str) -> None:
    """botocore logs a request's parameters as a dict repr at DEBUG, and its form body; a
    password is gone whole, not up to its first & or } (it once began with & and was logged)."""
    params = {"UserName": "break-glass-user", "Password": password, "PasswordResetRequired": "no"}
    logged = f"Making request with params: {{'body': {params!r}, 'url': 'https://iam'}}"
    assert redact(logged) == (
        "Making request with params: {'body': {'UserName': 'break-glass-user', "
        "'Password': [REDACTED], 'PasswordResetRequired': 'no'}, 'url': 'https://iam'}"
    )
    body = urlencode({"Action": "UpdateLoginProfile", "Password": password, "UserName": "u"})
    assert redact(body) == "Action=UpdateLoginProfile&Password=[REDACTED]&UserName=u"
    document = json.dumps({"password": password, "user": "u"})
    assert redact(document) == '{"password": [REDACTED], "user": "u"}'


def test_a_quoted_secret_cut_off_at_the_end_of_a_record_is_redacted_to_the_end_of_line() -> None:
    assert redact("params: {'Password': '&xoHi-j!|%3P") == "params: {'Password': [REDACTED]"
    assert redact("'Password': 'a}b\nnext line") == "'Password': [REDACTED]\nnext line"


def test_every_record_is_redacted_whatever_logger_or_handler_added_later() -> None:
    """The attacker's first try: a handler the app did not set up (a library's own, on a
    logger that does not propagate to the root), added after the redaction was installed."""
    import io

    from breakglass_gui.core import redact as module

    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    stream = io.StringIO()
    late = logging.StreamHandler(stream)
    late.setFormatter(logging.Formatter("%(message)s %(exc_text)s"))
    library = logging.getLogger("some.library")
    library.propagate = False
    library.setLevel(logging.DEBUG)
    before = logging.getLogRecordFactory()  # another test's main() may have installed it
    if isinstance(getattr(before, "redaction", None), module.Redaction):
        before.redaction.uninstall()  # type: ignore[attr-defined]
    base = logging.getLogRecordFactory()
    redaction = module.install()
    assert module.install() is redaction  # installing twice changes nothing
    library.addHandler(late)
    try:
        library.warning("secret_access_key=%s", secret)
        try:
            raise RuntimeError(f"token_code={secret}")
        except RuntimeError:
            library.exception("failed")
        library.warning("stack", stack_info=True, extra={"x": 1})
    finally:
        library.removeHandler(late)
        redaction.uninstall()
        restored = logging.getLogRecordFactory()
        logging.setLogRecordFactory(before)
    written = stream.getvalue()
    assert secret not in written and written.count("[REDACTED]") >= 2
    assert restored is base  # uninstalled cleanly
