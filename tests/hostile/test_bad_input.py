"""Bad input (docs/rules.md §12): malformed, huge and hostile data — HTML, control characters, wrong
types — given to the config loader and to the Vault and AWS error parsers gives a clear error
(or a value), never a crash, and never a message that could smuggle markup or control
characters onto the operator's screen or into the journal unnoticed."""

from __future__ import annotations

import copy
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import hvac.exceptions as hx
import requests
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breakglass_gui.core.aws.errors import classify as classify_aws
from breakglass_gui.core.config import Config, load_config, parse_config
from breakglass_gui.core.errors import AwsError, ConfigError, VaultError
from breakglass_gui.core.review.render import render_html, render_markdown
from breakglass_gui.core.vault_errors import classify as classify_vault
from breakglass_gui.drill.layout import drill_config_data

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "<b>bold</b><img src=x onerror=alert(1)>",
            "\x1b[2J\x1b[31mred\x07",
            "line\nbreak\r\n\u2028sep\u0000nul",
            "x" * 20_000,
            "\u202egnp.exe",
        ]
    ),
)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | HOSTILE,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE, inner, max_size=4),
    max_leaves=20,
)


def _plain(text: str) -> bool:
    """No control or bidirectional-override character: what a problem line may contain."""
    return not any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t" for ch in text)


def _valid() -> dict[str, Any]:
    return drill_config_data("http://127.0.0.1:8200")


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(_valid())


def _check_problems(error: ConfigError) -> None:
    assert error.problems, "a refusal lists its problems"
    for problem in error.problems:
        assert isinstance(problem, str) and problem
        assert _plain(problem), problem
        assert len(problem) < 500, "a hostile value is shortened, not echoed whole"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000) | HOSTILE.map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_any_file_content_gives_a_config_or_its_problems(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "breakglass.toml"
        path.write_bytes(content)
        try:
            assert isinstance(load_config(path), Config)
        except ConfigError as error:
            _check_problems(error)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATHS), VALUES)
def test_any_value_anywhere_in_a_valid_config_gives_a_config_or_its_problems(
    path: tuple[Any, ...], value: Any
) -> None:
    data = copy.deepcopy(_valid())
    holder = data
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    try:
        assert isinstance(parse_config(data), Config)
    except ConfigError as error:
        _check_problems(error)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(HOSTILE, VALUES, max_size=6))
def test_unknown_sections_and_keys_are_named_safely(extra: dict[str, Any]) -> None:
    data = {**_valid(), **{f"x{k}": v for k, v in extra.items()}}
    try:
        parse_config(data)
    except ConfigError as error:
        _check_problems(error)


HVAC_ERRORS = [
    hx.VaultDown,
    hx.VaultNotInitialized,
    hx.Forbidden,
    hx.InvalidPath,
    hx.InvalidRequest,
    hx.Unauthorized,
    hx.RateLimitExceeded,
    hx.InternalServerError,
    hx.UnexpectedError,
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(HVAC_ERRORS), st.lists(HOSTILE, max_size=4))
def test_any_vault_error_body_gives_one_operator_message(kind: type, errors: list[str]) -> None:
    error = classify_vault(kind(errors=errors))
    assert isinstance(error, VaultError) and error.code.startswith("vault.")
    assert error.message and len(error.message) <= 400
    assert classify_vault(requests.exceptions.ConnectionError("x")).code == "vault.unreachable"


@settings(max_examples=200, deadline=None)
@given(HOSTILE, HOSTILE, st.sampled_from(["AssumeRole", "GetSessionToken", "PutRolePolicy"]))
def test_any_aws_error_gives_one_operator_message(code: str, message: str, operation: str) -> None:
    error = classify_aws(ClientError({"Error": {"Code": code, "Message": message}}, operation))
    assert isinstance(error, AwsError) and error.code.startswith("aws.")
    assert error.message and len(error.message) <= 700
    malformed = classify_aws(ClientError({"Error": {}}, operation))  # no code, no message
    assert malformed.code == "aws.unknown"


MARKUP = st.text(alphabet=st.sampled_from(list("<>&\"'`|*_[]()#\\\n\x1b\x00abc /=")), max_size=80)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(MARKUP, min_size=1, max_size=4))
def test_hostile_cloudtrail_content_is_escaped_in_the_review(
    review: dict[str, Any], strings: list[str]
) -> None:
    # Each hostile string opens a tag no review ever contains, so its survival is detectable.
    tagged = [f"<zq{i} onload=x>{text}</zq{i}>" for i, text in enumerate(strings)]
    hostile = copy.deepcopy(review)
    for event, text in zip(hostile["events"], tagged * len(hostile["events"]), strict=False):
        for key, value in list(event.items()):
            if isinstance(value, str):
                event[key] = text
    html = render_html(hostile)
    markdown = render_markdown(hostile)
    assert "<zq" not in html and "&lt;zq" in html
    assert "<zq" not in markdown
    assert "\x1b" not in markdown and "\x00" not in markdown and "\x00" not in html
