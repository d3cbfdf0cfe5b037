"""A drill organisation in AWS Organizations (`main.py drill --autopilot --accounts N`).

The drill's IAM account (moto's default) is the management account; the member accounts sit in
three OUs (Production, Test, Data) with an `environment` tag. The wizard then learns them the
production way: `accounts sync`'s reader (core/aws/organizations.py) lists the organisation
through the drill's AWS endpoint and writes the snapshot the organizations directory reads.

One liberty with moto, the drill's only: CreateAccount picks a random id there (as AWS does);
the drill gives its members the layout's fixed ids instead (drill/layout.py `member_ids`) by
standing in for moto's id generator while the accounts are created, so that every drill, test
and benchmark names the same accounts. Nothing else of moto is touched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from breakglass_gui.core.account_snapshot import write_snapshot
from breakglass_gui.core.aws.organizations import read_organization
from breakglass_gui.drill.layout import IAM_ACCOUNT, account_environment, account_name

OUS = ("Production", "Test", "Data")
SNAPSHOT = "accounts.json"


def ou_of(index: int) -> str:
    """The index-th member's OU: payments-prod in Production, payments-test in Test,
    data-lake in Data, and so on round the three."""
    return OUS[index % len(OUS)]


@contextlib.contextmanager
def _fixed_ids(ids: list[str]) -> Iterator[None]:
    from moto.organizations import utils

    original = utils.make_random_account_id
    pending = iter(ids)
    utils.make_random_account_id = lambda: next(pending)
    try:
        yield
    finally:
        utils.make_random_account_id = original


def build(admin: Any, members: tuple[str, ...]) -> None:
    """The organisation, its OUs and its members, through the drill's Organizations endpoint."""
    org = admin.client("organizations", IAM_ACCOUNT)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    units = {
        name: org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
        for name in OUS
    }
    with _fixed_ids(list(members)):
        for index, account in enumerate(members):
            created = org.create_account(
                Email=f"aws+{account}@drill.invalid",
                AccountName=account_name(index),
                Tags=[{"Key": "environment", "Value": account_environment(index)}],
            )["CreateAccountStatus"]
            assert created["AccountId"] == account, created  # the drill's fixed ids
            org.move_account(
                AccountId=account, SourceParentId=root, DestinationParentId=units[ou_of(index)]
            )


def sync(admin: Any, folder: Path) -> Path:
    """`accounts sync`, as an administrator runs it, into `folder`; the snapshot's path."""
    org = admin.client("organizations", IAM_ACCOUNT)
    caller = admin.client("sts", IAM_ACCOUNT).get_caller_identity()["Arn"]
    snapshot = read_organization(org, lambda: datetime.now(UTC), caller)
    write_snapshot(snapshot, folder / SNAPSHOT)
    return folder / SNAPSHOT
