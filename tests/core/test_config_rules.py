"""Every rule of the configuration loader, each driven on its own from a valid configuration
(docs/rules.md §7), with the exact problem it must report. tests/core/test_config.py shows the
loader's behaviour as a whole; this table is where each refusal has a test that fails without it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.core.config import parse_config
from breakglass_gui.core.errors import ConfigError
from breakglass_gui.core.registry import parse_checked
from tests.fakes.world import config_data

DEL = object()  # the edit removes the key
PRIMARY = {
    "id": "ciso",
    "name": "A",
    "email": "a@x.io",
    "role": "primary",
    "aws_infrastructure": False,
}
SECONDARY = {**PRIMARY, "id": "cfo", "email": "b@x.io", "role": "secondary"}
OPERATOR = {"id": "jdoe", "name": "J", "email": "j@x.io"}
NONE_REQUIRED = "operators: at least one operator is required"
NO_PRIMARY = 'approvers: at least one approver with role = "primary" (CISO) is required'
BROWSER = (
    'session.browser_command: must be a list of strings containing the placeholder "{url}", '
    'e.g. ["firefox", "--private-window", "{url}"]'
)


def edited(edits: list[tuple[str, Any]]) -> dict[str, Any]:
    data = config_data()
    for path, value in edits:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target.setdefault(key, {})
        index: Any = int(last) if last.isdigit() else last
        if value is DEL:
            del target[index]
        else:
            target[index] = copy.deepcopy(value)
    return data


def problems_in(data: dict[str, Any]) -> list[str]:
    try:
        parse_checked(data)
    except ConfigError as error:
        return error.problems
    return []


def problems(edits: list[tuple[str, Any]]) -> list[str]:
    return problems_in(edited(edits))


REFUSED: list[tuple[list[tuple[str, Any]], list[str]]] = [
    ([("organisation", "x")], ["organisation: must be a table, not a string"]),
    ([("organisation.name", DEL)], ["organisation.name: is required"]),
    (
        [("organisation", DEL)],
        [
            "organisation: section is required",
            "organisation.name: is required",
            "organisation.iam_account_id: is required",
            "organisation.region: is required",
        ],
    ),
    (
        [("organisation.iam_account_id", 123456789012)],
        ["organisation.iam_account_id: must be a string, not an integer"],
    ),
    ([("organisation.name", "  ")], ["organisation.name: must not be empty"]),
    (
        [("organisation.partition", "aws-xx")],
        ['organisation.partition: "aws-xx" is not one of aws, aws-us-gov, aws-cn'],
    ),
    (
        [("organisation.region", "us-gov-west-1")],
        ["organisation.region: us-gov-west-1 is not in partition aws"],
    ),
    (
        [("organisation.partition", "aws-cn")],
        ["organisation.region: eu-central-1 is not in partition aws-cn"],
    ),
    ([("operators", [])], [NONE_REQUIRED]),
    ([("operators", "x")], ["operators: must be an array of tables, not a string", NONE_REQUIRED]),
    ([("operators.0", "x")], ["operators[0]: must be a table, not a string", NONE_REQUIRED]),
    (
        [("operators.0.email", "jane")],
        ['operators[0].email: "jane" is not an e-mail address', NONE_REQUIRED],
    ),
    (
        [("operators.0.id", "-bad")],
        ['operators[0].id: "-bad" is not a valid id (letters, digits, ._@+=,-)', NONE_REQUIRED],
    ),
    ([("operators.0.name", DEL)], ["operators[0].name: is required", NONE_REQUIRED]),
    (
        [("operators", [OPERATOR, {**OPERATOR, "email": "k@x.io"}])],
        ['operators[1].id: "jdoe" is used more than once in operators'],
    ),
    (
        [("approvers.0.role", "tertiary")],
        ['approvers[0].role: "tertiary" is not one of primary, secondary', NO_PRIMARY],
    ),
    ([("approvers.0.role", DEL)], ["approvers[0].role: is required", NO_PRIMARY]),
    (
        [("approvers.0.aws_infrastructure", DEL)],
        ["approvers[0].aws_infrastructure: is required", NO_PRIMARY],
    ),
    (
        [("approvers.0.aws_infrastructure", "no")],
        ["approvers[0].aws_infrastructure: must be true or false, not a string", NO_PRIMARY],
    ),
    (
        [("approvers.0.aws_infrastructure", 0)],
        ["approvers[0].aws_infrastructure: must be true or false, not an integer", NO_PRIMARY],
    ),
    ([("approvers", [SECONDARY])], [NO_PRIMARY]),
    (
        [("approvers", [PRIMARY, {**SECONDARY, "aws_infrastructure": True}])],
        [
            'approvers: at least one approver with role = "secondary" and aws_infrastructure = '
            "false (senior management not involved with the AWS infrastructure) is required"
        ],
    ),
    (
        [("approvers", [])],
        ["approvers: at least two approvers (one primary, one secondary) are required"],
    ),
    (
        [("approvers", [PRIMARY, SECONDARY, {**PRIMARY, "email": "c@x.io"}])],
        ['approvers[2].id: "ciso" is used more than once in approvers'],
    ),
    (
        [("vault.address", "http://127.0.0.1:8200")],
        [
            'vault.address: "http://127.0.0.1:8200" uses plain HTTP; Vault must be reached over '
            "HTTPS"
        ],
    ),
    (
        [("vault.address", "ftp://vault.test")],
        ['vault.address: "ftp://vault.test" is not an https:// URL'],
    ),
    ([("vault.address", "https://")], ['vault.address: "https://" is not an https:// URL']),
    ([("vault.address", DEL)], ["vault.address: is required"]),
    (
        [("vault", DEL)],
        [
            "vault: section is required",
            "vault.address: is required",
            "vault.auth_method: is required",
        ],
    ),
    (
        [("vault.auth_method", "kerberos")],
        ['vault.auth_method: "kerberos" is not one of userpass, token, approle, ldap, cert'],
    ),
    (
        [("vault.ca_bundle", "/nonexistent/ca.pem")],
        ['vault.ca_bundle: "/nonexistent/ca.pem" is not a readable file'],
    ),
    ([("vault.username", DEL)], ["vault.username: is required for auth_method = userpass"]),
    (
        [("vault.auth_method", "ldap"), ("vault.username", DEL)],
        ["vault.username: is required for auth_method = ldap"],
    ),
    ([("vault.auth_method", "approle")], ["vault.role_id: is required for auth_method = approle"]),
    (
        [("vault.users", ["break-glass-user-1"] * 2), ("vault.default_user", "break-glass-user-1")],
        ["vault.users: lists the same user twice"],
    ),
    (
        [("vault.users", ["bad name!"]), ("vault.default_user", DEL)],
        ['vault.users[0]: "bad name!" is not a valid IAM user name'],
    ),
    (
        [("vault.users", ["ok", ""])],
        [
            "vault.users: must be a list of non-empty strings",
            'vault.default_user: "break-glass-user-1" is not in vault.users',
        ],
    ),
    ([("vault.default_user", "other")], ['vault.default_user: "other" is not in vault.users']),
    (
        [("vault.users", []), ("vault.default_user", DEL)],
        ["vault.users: must name at least one break-glass IAM user"],
    ),
    ([("operators.0.id", DEL)], ["operators[0].id: is required", NONE_REQUIRED]),
    ([("operators.0.email", DEL)], ["operators[0].email: is required", NONE_REQUIRED]),
    ([("accounts.0.id", DEL)], ["accounts[0].id: is required"]),
    ([("vault.timeout_seconds", 0)], ["vault.timeout_seconds: 0 is outside 1–300 seconds"]),
    ([("vault.timeout_seconds", 301)], ["vault.timeout_seconds: 301 is outside 1–300 seconds"]),
    (
        [("accounts", [{"id": "123456789012", "name": "a"}, {"id": "123456789012", "name": "b"}])],
        ["accounts: account id 123456789012 is listed more than once"],
    ),
    (
        [("accounts", [])],
        ['accounts: at least one account is required (or [directory] source = "organizations")'],
    ),
    ([("accounts.0.name", DEL)], ["accounts[0].name: is required"]),
    ([("role.name", "bad role!")], ['role.name: "bad role!" is not a valid IAM role name']),
    ([("role", "x")], ["role: must be a table, not a string"]),
    (
        [("role.max_session_duration", 3599)],
        ["role.max_session_duration: 3599 seconds is outside the AWS limits 3600–43200 seconds"],
    ),
    (
        [("role.max_session_duration", 43201)],
        ["role.max_session_duration: 43201 seconds is outside the AWS limits 3600–43200 seconds"],
    ),
    ([("session.mfa_mode", "sms")], ['session.mfa_mode: "sms" is not one of session, direct']),
    (
        [("session.max_duration", 899)],
        ["session.max_duration: 899 seconds is outside the AWS limits 900–43200 seconds"],
    ),
    (
        [("session.max_duration", 43201)],
        ["session.max_duration: 43201 seconds is outside the AWS limits 900–43200 seconds"],
    ),
    (
        [("session.default_duration", 899)],
        ["session.default_duration: 899 seconds is outside the AWS limits 900–43200 seconds"],
    ),
    (
        [("session.max_duration", 1800), ("session.default_duration", 1801)],
        ["session.default_duration: 1801 is longer than max_duration 1800"],
    ),
    (
        [("session.max_duration", 3601), ("session.default_duration", 3600)],
        [
            "session.max_duration: 3601 seconds cannot be granted in mfa_mode = session: role "
            "chaining limits a role session to 3600 seconds (use mfa_mode = direct for longer "
            "sessions)"
        ],
    ),
    (
        [("session.mfa_mode", "direct"), ("session.max_duration", 3601)],
        ["session.max_duration: 3601 is longer than role.max_session_duration 3600"],
    ),
    ([("session.browser_command", ["firefox"])], [BROWSER]),
    ([("session.browser_command", [])], [BROWSER]),
    ([("session.browser_command", ["", "{url}"])], [BROWSER]),
    ([("session.browser_command", ["firefox", 7, "{url}"])], [BROWSER]),
    (
        [("session.browser_command", "firefox {url}")],
        ["session.browser_command: must be an array, not a string"],
    ),
    (
        [("session.logout_first", "yes")],
        ["session.logout_first: must be true or false, not a string"],
    ),
    (
        [("monitoring.poll_interval_seconds", 4)],
        ["monitoring.poll_interval_seconds: 4 is outside 5–300 seconds"],
    ),
    (
        [("monitoring.poll_interval_seconds", 0)],
        ["monitoring.poll_interval_seconds: 0 is outside 5–300 seconds"],
    ),
    (
        [("monitoring.poll_interval_seconds", 301)],
        ["monitoring.poll_interval_seconds: 301 is outside 5–300 seconds"],
    ),
    (
        [("monitoring.log_group_account", "1234")],
        ['monitoring.log_group_account: "1234" is not a 12-digit AWS account id'],
    ),
    ([("monitoring.trail_name", "x")], ['monitoring.trail_name: "x" is not a trail name']),
    (
        [("monitoring.log_group", "bad group!")],
        ['monitoring.log_group: "bad group!" is not a log group name'],
    ),
    ([("monitoring.region", "moon")], ['monitoring.region: "moon" is not an AWS region name']),
    (
        [("monitoring.alarm_names", ["a", 1])],
        ["monitoring.alarm_names: must be a list of non-empty strings"],
    ),
    ([("notifications.sns_topic_arn", DEL)], ["notifications.sns_topic_arn: is required"]),
    (
        [("notifications", DEL)],
        ["notifications: section is required", "notifications.sns_topic_arn: is required"],
    ),
    (
        [("notifications.subscriptions", ["email:a@x.io", "pager:123"])],
        [
            'notifications.subscriptions[1]: "pager:123" is not "email:<address>", '
            '"sms:<+number>" or an https:// URL'
        ],
    ),
    (
        [("rotation", {"lambda_function": "bad function!"})],
        ['rotation.lambda_function: "bad function!" is not a Lambda function name or ARN'],
    ),
    (
        [("rotation", {"lambda_timeout_seconds": 0})],
        ["rotation.lambda_timeout_seconds: 0 is outside 1–900 seconds"],
    ),
    (
        [("rotation", {"lambda_timeout_seconds": 901})],
        ["rotation.lambda_timeout_seconds: 901 is outside 1–900 seconds"],
    ),
    (
        [("provisioning", {"member_role": "bad role!"})],
        ['provisioning.member_role: "bad role!" is not a valid IAM role name'],
    ),
    (
        [("provisioning", {"member": "x"})],
        ["provisioning.member: unknown key (check the spelling)"],
    ),
]


@pytest.mark.parametrize(
    ("edits", "expected"), REFUSED, ids=[" ".join(p for p, _ in e) for e, _ in REFUSED]
)
def test_each_rule_reports_exactly_its_problem(
    edits: list[tuple[str, Any]], expected: list[str]
) -> None:
    assert problems(edits) == expected


ACCEPTED: list[list[tuple[str, Any]]] = [
    [("organisation.partition", "aws-cn"), ("organisation.region", "cn-north-1")],
    [("organisation.partition", "aws-us-gov"), ("organisation.region", "us-gov-west-1")],
    [("organisation.partition", DEL)],
    [("vault.address", "https://vault.example.com:8200")],
    [("vault.auth_method", "token"), ("vault.username", DEL)],
    [("vault.auth_method", "approle"), ("vault.role_id", "role-1"), ("vault.username", DEL)],
    [("vault.timeout_seconds", 1)],
    [("vault.timeout_seconds", 300)],
    [("role.max_session_duration", 3600)],
    [
        ("role.max_session_duration", 43200),
        ("session.mfa_mode", "direct"),
        ("session.max_duration", 43200),
    ],
    [("session.max_duration", 900), ("session.default_duration", 900)],
    [("session.browser_command", ["firefox", "--private-window", "{url}"])],
    [("monitoring.poll_interval_seconds", 5)],
    [("monitoring.poll_interval_seconds", 300)],
    [("rotation", {"lambda_timeout_seconds": 1})],
    [("rotation", {"lambda_timeout_seconds": 900})],
    [("rotation", {"lambda_function": "arn:aws:lambda:eu-central-1:123456789012:function:r"})],
    [
        (
            "notifications.subscriptions",
            ["email:a@x.io", "sms:+4915112345678", "https://h.example/x"],
        )
    ],
]


@pytest.mark.parametrize("edits", ACCEPTED, ids=[" ".join(p for p, _ in e) for e in ACCEPTED])
def test_values_at_the_edges_of_each_rule_are_accepted(edits: list[tuple[str, Any]]) -> None:
    assert problems(edits) == []


def test_plain_http_vault_is_refused_even_on_loopback() -> None:
    """The drill's Vault speaks HTTPS too (drill/tls.py): no address is exempt."""
    for address in ("http://127.0.0.1:8200", "http://localhost:8200", "http://[::1]:8200"):
        assert "plain HTTP" in problems([("vault.address", address)])[0]
    assert problems([("vault.address", "https://127.0.0.1:8200")]) == []


@pytest.mark.parametrize(
    ("proxy", "expected"),
    [
        ("http://proxy.corp:3128", None),
        ("https://proxy.corp:8443/", None),
        ("proxy.corp:3128", "is not an http://host:port or https://host:port proxy URL"),
        ("socks5://proxy.corp:1080", "is not an http://host:port or https://host:port proxy"),
        ("http://proxy.corp", "is not an http://host:port or https://host:port proxy URL"),
        ("http://user:pw@proxy.corp:3128", "proxy credentials do not belong in the config"),
        ("http://proxy.corp:3128/path", "has a path"),
        ("http://proxy.corp:99999", "is not a proxy URL"),
    ],
)
def test_the_network_proxy_is_a_bare_scheme_host_port(proxy: str, expected: str | None) -> None:
    found = problems([("network.https_proxy", proxy)])
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith("network.https_proxy: ")
        assert expected in found[0]


def test_the_network_ca_bundle_must_be_a_file(tmp_path) -> None:
    found = problems([("network.ca_bundle", str(tmp_path / "missing.pem"))])
    assert len(found) == 1 and found[0].startswith('network.ca_bundle: "/')
    assert found[0].endswith('" is not a readable file')
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    assert problems([("network.ca_bundle", str(pem))]) == []


def test_a_readable_ca_bundle_is_accepted_and_expanded(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    config = parse_config(edited([("vault.ca_bundle", str(bundle))]))
    assert config.vault.ca_bundle == str(bundle)


def test_what_is_left_out_takes_the_documented_defaults() -> None:
    data = edited(
        [
            ("role", DEL),
            ("session", DEL),
            ("monitoring", {}),
            ("vault.users", DEL),
            ("vault.default_user", DEL),
        ]
    )
    data["accounts"][1].pop("environment")
    config = parse_config(data)
    assert (config.role.name, config.role.max_session_duration) == (
        "a-tmpl-prod-rol-break-glass",
        3600,
    )
    session = config.session
    assert (session.mfa_mode, session.max_duration, session.default_duration) == (
        "session",
        3600,
        3600,
    )
    assert session.browser_command == ()
    assert (session.logout_first, session.regional_signin) == (True, False)
    vault = config.vault
    assert vault.users == ("break-glass-user", "break-glass-user-2")
    assert vault.default_user == "break-glass-user"
    assert (vault.kv_mount, vault.kv_path_prefix, vault.timeout_seconds) == (
        "secret",
        "breakglass/users",
        10.0,
    )
    monitoring = config.monitoring
    assert monitoring.log_group == "a-tmpl-prod-cwgrp-break-glass"
    assert (monitoring.log_group_account, monitoring.region) == ("", "")
    assert monitoring.poll_interval_seconds == 15
    assert (monitoring.live_tail, monitoring.filter_log_events, monitoring.lookup_events) == (
        True,
        True,
        True,
    )
    assert config.rotation.lambda_function is None
    assert config.rotation.lambda_timeout_seconds == 60
    assert config.provisioning.member_role == "OrganizationAccountAccessRole"
    assert config.accounts[1].environment == "unspecified"


def test_a_shorter_max_duration_lowers_the_default_duration_with_it() -> None:
    config = parse_config(
        edited([("session.max_duration", 1800), ("session.default_duration", DEL)])
    )
    assert config.session.default_duration == 1800


def test_a_document_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config([])  # type: ignore[arg-type]
    assert raised.value.problems[0] == ": must be a table, not an array"


SECTIONS = [
    "organisation",
    "operators.0",
    "approvers.0",
    "vault",
    "accounts.0",
    "role",
    "session",
    "monitoring",
    "notifications",
    "rotation",
    "provisioning",
]


@pytest.mark.parametrize("section", SECTIONS)
def test_an_unknown_key_is_refused_in_every_section(section: str) -> None:
    data = config_data()
    table: Any = data
    for key in section.split("."):
        table = table[int(key)] if key.isdigit() else table.setdefault(key, {})
    table["colour"] = "red"
    shown = section.replace(".0", "[0]")
    assert problems_in(data) == [f"{shown}.colour: unknown key (check the spelling)"]


def test_a_hostile_or_long_value_is_shown_quoted_escaped_and_shortened() -> None:
    data = config_data()
    data["vault"]["bad\x1b[2Jkey"] = 1
    data["role"]["name"] = "r" * 100
    found = problems_in(data)
    assert found == [
        'vault."bad\\x1b[2Jkey": unknown key (check the spelling)',
        'role.name: "' + "r" * 77 + '..." is not a valid IAM role name',
    ]
    assert problems([("role.name", "r" * 80)]) == [
        'role.name: "' + "r" * 80 + '" is not a valid IAM role name'
    ]


def test_values_that_differ_from_the_defaults_are_kept() -> None:
    config = parse_config(
        edited(
            [
                ("vault.kv_mount", "kv"),
                ("vault.kv_path_prefix", "bg/users"),
                ("vault.namespace", "ops"),
                ("vault.auth_mount", "userpass-bg"),
                ("vault.timeout_seconds", 30),
                ("role.name", "break-glass-admin"),
                ("session.mfa_mode", "direct"),
                ("session.logout_first", False),
                ("session.regional_signin", True),
                ("monitoring.log_group", "bg-trail"),
                ("monitoring.log_group_account", "222222222222"),
                ("monitoring.region", "eu-west-1"),
                ("monitoring.trail_name", "org-trail"),
                ("monitoring.live_tail", False),
                ("monitoring.filter_log_events", False),
                ("monitoring.lookup_events", True),
                ("monitoring.alarm_names", ["a1"]),
                ("accounts.1.environment", "staging"),
                ("rotation", {"lambda_function": "rotate-bg", "lambda_timeout_seconds": 120}),
                ("provisioning", {"member_role": "BreakGlassDeployer"}),
            ]
        )
    )
    vault = config.vault
    assert (vault.kv_mount, vault.kv_path_prefix, vault.namespace, vault.auth_mount) == (
        "kv",
        "bg/users",
        "ops",
        "userpass-bg",
    )
    assert vault.timeout_seconds == 30.0
    assert config.role.name == "break-glass-admin"
    assert config.session.mfa_mode == "direct"
    assert (config.session.logout_first, config.session.regional_signin) == (False, True)
    m = config.monitoring
    assert (m.log_group, m.log_group_account, m.region, m.trail_name) == (
        "bg-trail",
        "222222222222",
        "eu-west-1",
        "org-trail",
    )
    assert (m.live_tail, m.filter_log_events, m.lookup_events, m.alarm_names) == (
        False,
        False,
        True,
        ("a1",),
    )
    assert config.accounts[1].environment == "staging"
    assert (config.rotation.lambda_function, config.rotation.lambda_timeout_seconds) == (
        "rotate-bg",
        120,
    )
    assert config.provisioning.member_role == "BreakGlassDeployer"
