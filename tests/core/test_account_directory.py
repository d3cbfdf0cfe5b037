"""Accounts from AWS Organizations (docs/rules.md §16): the sync, the snapshot file, the
directory the wizard reads, OU scopes, and what the incident journals about the list.

moto's Organizations keeps OUs, accounts, tags and the management account and answers the
List* calls with pages; it does not enforce "management account or delegated administrator
only", so that refusal is a Stubber answer with AWS's error code."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from breakglass_gui.cli import main
from breakglass_gui.core.account_snapshot import AccountSnapshot, read_snapshot, write_snapshot
from breakglass_gui.core.aws.organizations import OrganizationsError, read_organization
from breakglass_gui.core.config import parse_config
from breakglass_gui.core.config.model import Account
from breakglass_gui.core.directory import SnapshotDirectory, scope_of
from breakglass_gui.core.errors import ConfigError, ProcedureError
from breakglass_gui.core.registry import checked
from breakglass_gui.core.resources import resource_path
from tests.fakes.world import TARGETS, World, config_data, moto_credentials

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def _organisation() -> dict[str, str]:
    """Root/{Production/{Payments}, Sandbox}, an account in each, one at the root, one closed."""
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    prod = org.create_organizational_unit(ParentId=root, Name="Production")["OrganizationalUnit"]
    pay = org.create_organizational_unit(ParentId=prod["Id"], Name="Payments")
    sandbox = org.create_organizational_unit(ParentId=root, Name="Sandbox")["OrganizationalUnit"]
    ids: dict[str, str] = {}
    for name, parent, tags in (
        ("payments-prod", pay["OrganizationalUnit"]["Id"], {"environment": "prod", "team": "pay"}),
        ("web-prod", prod["Id"], {"environment": "prod"}),
        ("sandbox-1", sandbox["Id"], {}),
        ("loose", root, {"owner": "ops"}),
    ):
        status = org.create_account(
            Email=f"{name}@example.com",
            AccountName=name,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )["CreateAccountStatus"]
        account = status["AccountId"]
        if parent != root:
            org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=parent)
        ids[name] = account
    return ids


def test_the_sync_reads_every_account_with_its_ou_path_tags_and_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moto_credentials(monkeypatch)
    with mock_aws():
        ids = _organisation()
        client = boto3.client("organizations", region_name="us-east-1")
        snapshot = read_organization(client, lambda: NOW, "arn:aws:iam::123456789012:user/admin")
    by_name = {a.name: a for a in snapshot.accounts}
    assert by_name["payments-prod"].ou_path == "Root/Production/Payments"
    assert by_name["payments-prod"].id == ids["payments-prod"]
    assert dict(by_name["payments-prod"].tags) == {"environment": "prod", "team": "pay"}
    assert by_name["payments-prod"].environment == "prod"
    assert by_name["web-prod"].ou_path == "Root/Production"
    assert by_name["sandbox-1"].ou_path == "Root/Sandbox"
    assert by_name["loose"].ou_path == "Root" and dict(by_name["loose"].tags) == {"owner": "ops"}
    assert snapshot.organization_id.startswith("o-") and snapshot.management_account_id
    assert all(a.status == "ACTIVE" for a in snapshot.accounts)
    assert snapshot.synced_at == NOW


def test_an_account_that_may_not_list_the_organisation_gets_one_clear_line() -> None:
    """AWS refuses List* outside the management account or a delegated administrator (moto
    does not): the answer AWS gives, through a Stubber."""
    client = boto3.client(
        "organizations", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(client) as stub:
        stub.add_response(
            "describe_organization",
            {"Organization": {"Id": "o-abcdefghij", "MasterAccountId": "111111111111"}},
        )
        stub.add_client_error(
            "list_roots",
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        )
        with pytest.raises(OrganizationsError, match="management account or a delegated"):
            read_organization(client, lambda: NOW)


def _snapshot(*accounts: Account, synced: datetime = NOW) -> AccountSnapshot:
    return AccountSnapshot(synced, "o-abcdefghij", "111111111111", accounts, "arn:x")


def test_the_snapshot_is_written_0600_and_read_back_with_the_hash_of_its_bytes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "accounts.json"
    original = _snapshot(
        Account("222222222222", "pay", "prod", ou_path="Root/Prod", tags=(("team", "pay"),)),
        Account("333333333333", "old", "test", status="SUSPENDED", ou_path="Root"),
    )
    written = write_snapshot(original, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = read_snapshot(path)
    # Listed by OU path, then name: the order the account page shows them in.
    assert [a.name for a in again.accounts] == ["old", "pay"]
    assert set(again.accounts) == set(original.accounts) and again.sha256 == written.sha256
    assert len(written.sha256) == 64
    # The same content gives the same bytes (canonical JSON): a re-sync without a change does
    # not look like a different list to an auditor.
    assert write_snapshot(original, tmp_path / "again.json").sha256 == written.sha256


def test_an_edited_snapshot_has_another_hash_and_a_malformed_one_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "accounts.json"
    first = write_snapshot(_snapshot(Account("222222222222", "pay", "prod")), path)
    data = json.loads(path.read_text())
    data["accounts"][0]["name"] = "sandbox (harmless)"  # the attacker's relabelling
    path.write_text(json.dumps(data))
    assert read_snapshot(path).sha256 != first.sha256
    data["accounts"][0]["id"] = "22222222222"  # 11 digits
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=r"accounts\[0\]\.id is not a 12-digit"):
        read_snapshot(path)
    path.write_text("not json")
    with pytest.raises(ConfigError, match="accounts sync"):
        read_snapshot(path)
    with pytest.raises(ConfigError, match=r"no account snapshot; run `main\.py accounts sync`"):
        read_snapshot(tmp_path / "missing.json")


def _org_config(path: Path, **overrides: Any) -> Any:
    data = config_data(**overrides)
    data["accounts"] = []
    data["directory"] = {"source": "organizations", "snapshot": str(path)}
    return checked(parse_config(data))


def test_the_organizations_directory_lists_active_accounts_and_scopes_types_by_ou(
    tmp_path: Path,
) -> None:
    path = tmp_path / "accounts.json"
    write_snapshot(
        _snapshot(
            Account("222222222222", "pay", "prod", ou_path="Root/Production/Payments"),
            Account("333333333333", "web", "prod", ou_path="Root/Production"),
            Account("444444444444", "sbx", "dev", ou_path="Root/Sandbox"),
            Account("555555555555", "gone", "dev", status="SUSPENDED", ou_path="Root/Production"),
            Account("666666666666", "prodx", "dev", ou_path="Root/ProductionX"),
        ),
        path,
    )
    config = _org_config(
        path,
        emergency_types=[
            {"name": "Prod outage", "ous": ["Root/Production"]},
            {"name": "Sandbox", "ous": ["Root/Sandbox"], "accounts": ["222222222222"]},
            {"name": "Anything"},
        ],
    )
    directory = SnapshotDirectory(config)
    assert [a.id for a in directory.accounts()] == [
        "333333333333",  # Root/Production
        "222222222222",  # Root/Production/Payments
        "666666666666",  # Root/ProductionX
        "444444444444",  # Root/Sandbox
    ]  # the suspended account cannot be assumed: not offered
    assert directory.account("555555555555") is None
    assert directory.label("333333333333") == "web (333333333333)"
    kinds = {k.name: k for k in config.emergency_types}
    # An OU covers the OUs below it, not a sibling whose name merely starts the same.
    assert set(scope_of(directory, kinds["Prod outage"])) == {"222222222222", "333333333333"}
    assert set(scope_of(directory, kinds["Sandbox"])) == {"222222222222", "444444444444"}
    assert len(scope_of(directory, kinds["Anything"])) == 4
    provenance = directory.provenance()
    assert provenance is not None and provenance["sha256"] == read_snapshot(path).sha256


def test_ou_scopes_need_the_organizations_directory_and_valid_paths(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        checked(parse_config(config_data(emergency_types=[{"name": "X", "ous": ["Root/P"]}])))
    assert refused.value.problems == [
        'emergency_types[0].ous: OU paths need [directory] source = "organizations"'
    ]
    with pytest.raises(ConfigError) as bad:
        _org_config(tmp_path / "a.json", emergency_types=[{"name": "X", "ous": ["Prod"]}])
    assert bad.value.problems == [
        'emergency_types[0].ous[0]: "Prod" is not an OU path like "Root/Prod"'
    ]
    data = config_data()
    data["directory"] = {"source": "organizations", "snapshot": str(tmp_path / "a.json")}
    with pytest.raises(ConfigError) as both:
        checked(parse_config(data))
    assert "accounts: must be empty" in both.value.problems[0]


@pytest.fixture
def org_world(make_world: Callable[..., World], tmp_path: Path) -> World:
    path = tmp_path / "accounts.json"
    write_snapshot(
        _snapshot(
            Account(TARGETS[0], "payments", "prod", ou_path="Root/Production"),
            Account(TARGETS[1], "web", "prod", ou_path="Root/Production"),
            Account("444444444444", "sandbox", "dev", ou_path="Root/Sandbox"),
        ),
        path,
    )
    return make_world(
        accounts=[],
        directory={"source": "organizations", "snapshot": str(path)},
        emergency_types=[{"name": "Prod outage", "ous": ["Root/Production"]}],
    )


def test_an_incident_journals_the_hash_of_the_snapshot_it_chose_from(org_world: World) -> None:
    proc = org_world.declare(emergency_type="Prod outage")
    entries = [e for e in org_world.journal.entries(proc.id) if e.kind == "directory.snapshot"]
    assert len(entries) == 1
    payload = entries[0].payload
    assert payload["sha256"] == read_snapshot(Path(payload["path"])).sha256
    assert payload["accounts"] == 3 and payload["organization_id"] == "o-abcdefghij"


def test_an_ou_scoped_type_refuses_an_account_outside_its_ou(org_world: World) -> None:
    with pytest.raises(ProcedureError, match="may reach the OU Root/Production only"):
        org_world.declare(emergency_type="Prod outage", accounts=("444444444444",))


def test_the_sync_command_writes_the_snapshot_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(resource_path("example-config.toml").read_text())
    out = tmp_path / "snap" / "accounts.json"
    moto_credentials(monkeypatch)
    with mock_aws():
        ids = _organisation()
        code = main(["--config", str(config), "accounts", "sync", "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    snapshot = read_snapshot(out)
    assert {a.name for a in snapshot.accounts} >= set(ids)
    assert snapshot.sha256 in printed.out
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_snapshot_age_is_measured_from_its_sync() -> None:
    snapshot = _snapshot(synced=NOW - timedelta(days=9))
    assert snapshot.age_seconds(NOW) == 9 * 86400


def test_readiness_fails_on_a_missing_or_stale_snapshot_and_passes_a_fresh_one(
    tmp_path: Path,
) -> None:
    from breakglass_gui.admin_cli import directory_checks

    path = tmp_path / "accounts.json"
    config = _org_config(path)
    [missing] = directory_checks(config, NOW)
    assert not missing.ok and "accounts sync" in missing.reason + missing.fix
    write_snapshot(_snapshot(Account("222222222222", "a", "prod"), synced=NOW), path)
    [fresh] = directory_checks(config, NOW + timedelta(days=6, hours=23))
    assert fresh.ok and "1 accounts" in fresh.name
    [stale] = directory_checks(config, NOW + timedelta(days=7, minutes=1))
    assert not stale.ok and "older than 7 days" in stale.reason
    assert directory_checks(checked(parse_config(config_data())), NOW) == []


def test_the_pickers_say_how_old_the_snapshot_is_and_warn_when_it_is_stale(
    tmp_path: Path,
) -> None:
    from breakglass_gui.core.directory import ConfigDirectory, source_note

    path = tmp_path / "accounts.json"
    write_snapshot(_snapshot(Account("222222222222", "a", "prod"), synced=NOW), path)
    directory = SnapshotDirectory(_org_config(path))
    fresh, stale = source_note(directory, NOW + timedelta(days=3), 7)
    assert "snapshot of 2026-12-01 03:00:00 UTC (3 days ago, 1 accounts)" in fresh
    assert stale is False and "Older" not in fresh
    old, stale = source_note(directory, NOW + timedelta(days=8), 7)
    assert stale is True and "Older than 7 days" in old and "accounts sync" in old
    config_list = ConfigDirectory(checked(parse_config(config_data())))
    assert source_note(config_list, NOW, 7) == ("", False)
