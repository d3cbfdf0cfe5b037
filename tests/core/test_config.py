"""The configuration loader reports every problem, with its key path, in one run (docs/rules.md
§7)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.core.config import load_config, parse_config
from breakglass_gui.core.errors import ConfigError
from breakglass_gui.core.registry import parse_checked
from breakglass_gui.core.resources import resource_path
from tests.fakes.world import config_data


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_checked(data)
    return raised.value.problems


def test_the_shipped_example_config_is_valid() -> None:
    config = load_config(resource_path("example-config.toml"))
    assert config.role.name == "a-tmpl-prod-rol-break-glass"
    assert config.monitoring.log_group == "a-tmpl-prod-cwgrp-break-glass"
    assert config.notifications.sns_topic_arn.endswith(":a-tmpl-prod-sns-break-glass")


def test_a_short_account_id_is_reported_with_its_key_path() -> None:
    data = config_data()
    data["accounts"][2]["id"] = "12345"
    assert problems(data) == ['accounts[2].id: "12345" is not a 12-digit AWS account id']


def test_every_problem_is_reported_in_one_run() -> None:
    data = config_data()
    data["accounts"][0]["id"] = "abc"
    data["organisation"]["region"] = "moon-1"
    data["vault"]["address"] = "http://vault.example.com"
    data["session"]["max_duration"] = 99
    data["notifications"]["sns_topic_arn"] = "not-an-arn"
    found = problems(data)
    assert len(found) == 5
    assert [p.split(":")[0] for p in found] == [
        "organisation.region",
        "vault.address",
        "accounts[0].id",
        "session.max_duration",
        "notifications.sns_topic_arn",
    ]


def test_unknown_keys_are_errors_not_ignored() -> None:
    data = config_data()
    data["session"]["mfa_mod"] = "direct"
    data["extra"] = {}
    assert problems(data) == [
        "session.mfa_mod: unknown key (check the spelling)",
        "extra: unknown key (check the spelling)",
    ]


def test_vault_must_be_https_everywhere() -> None:
    data = config_data()
    data["vault"]["address"] = "http://127.0.0.1:8200"
    assert "plain HTTP" in problems(data)[0]
    data["vault"]["address"] = "http://vault.internal:8200"
    assert "plain HTTP" in problems(data)[0]


def test_the_roster_needs_a_primary_and_an_uninvolved_secondary() -> None:
    data = config_data()
    data["approvers"] = [a for a in data["approvers"] if a["id"] != "cfo"]  # cto is infra
    data["approvers"][0]["role"] = "secondary"
    data["approvers"][0]["aws_infrastructure"] = True
    found = problems(data)
    assert any('role = "primary"' in p for p in found)
    assert any("aws_infrastructure = false" in p for p in found)


def test_roster_ids_must_be_unique() -> None:
    data = config_data()
    data["approvers"].append(copy.deepcopy(data["approvers"][0]))
    assert problems(data) == ['approvers[3].id: "ciso" is used more than once in approvers']


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("max_duration", 600, "outside the AWS limits 900–43200"),
        ("max_duration", 7200, "role chaining limits a role session to 3600 seconds"),
        ("default_duration", 50_000, "outside the AWS limits"),
    ],
)
def test_durations_stay_within_aws_limits(key: str, value: int, text: str) -> None:
    data = config_data()
    data["session"][key] = value
    assert any(text in p for p in problems(data))


def test_role_names_and_types_are_checked() -> None:
    data = config_data()
    data["role"]["name"] = "bad role name!"
    data["session"]["logout_first"] = "yes"
    found = problems(data)
    assert 'role.name: "bad role name!" is not a valid IAM role name' in found
    assert "session.logout_first: must be true or false, not a string" in found


def test_a_file_that_is_not_toml_gives_one_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[organisation\nname = 1")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert len(raised.value.problems) == 1
    assert "is not valid TOML" in raised.value.problems[0]


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("accounts", 1, "id"), "٢٢٢٢٢٢٢٢٢٢٢٢"),  # Arabic-Indic digits: \d in Unicode mode
        (("accounts", 1, "id"), "２２２２２２２２２２２２"),  # fullwidth digits
        (("accounts", 1, "id"), "222222222222\n"),
        (("organisation", None, "iam_account_id"), "12345678901٢"),
        (("role", None, "name"), "rôle-break-glass"),  # \w in Unicode mode
        (("organisation", None, "region"), "eu-central-١"),
    ],
)
def test_ids_and_names_outside_what_aws_accepts_are_refused(
    where: tuple[str, int | None, str], value: str
) -> None:
    """AWS takes ASCII digits and letters only; a look-alike must not reach an ARN."""
    data = config_data()
    section, index, key = where
    (data[section] if index is None else data[section][index])[key] = value
    (problem,) = problems(data)
    assert key in problem and "is not a" in problem


def test_an_sms_subscription_takes_ascii_digits_only() -> None:
    data = config_data()
    data["notifications"]["subscriptions"] = ["sms:+٤٩١٥١٢٣٤٥٦٧"]
    (problem,) = problems(data)
    assert problem.startswith("notifications.subscriptions[0]")


def test_cert_auth_needs_a_certificate_and_an_encrypted_key(tmp_path: Path) -> None:
    """The key file alone must be no login: someone with the operator's OS account can copy
    it, so it must be encrypted and the passphrase is what the operator types."""
    data = config_data()
    data["vault"].update(auth_method="cert")
    data["vault"].pop("username")
    assert problems(data) == [
        "vault.client_cert: is required for auth_method = cert",
        "vault.client_key: is required for auth_method = cert",
    ]
    plain = tmp_path / "plain.key"
    plain.write_text("-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n")
    cert = tmp_path / "operator.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    data["vault"].update(client_cert=str(cert), client_key=str(plain))
    [problem] = problems(data)
    assert problem.startswith("vault.client_key: is not an encrypted private key")
    encrypted = tmp_path / "operator.key"
    encrypted.write_text(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"
    )
    data["vault"].update(client_key=str(encrypted), cert_role="operator")
    vault = parse_config(data).vault
    assert (vault.auth_method, vault.client_key, vault.cert_role) == (
        "cert",
        str(encrypted),
        "operator",
    )
