"""Read the organisation's accounts from AWS Organizations (`main.py accounts sync`).

The walk, from the AWS Organizations API reference:
- `DescribeOrganization` names the organisation and its management account (any member may call
  it); every other call here "can be called only from the organization's management account or
  by a member account that is a delegated administrator" — otherwise AccessDeniedException
  (or AWSOrganizationsNotInUseException outside an organisation).
- `ListRoots`, then for each parent `ListOrganizationalUnitsForParent` and
  `ListAccountsForParent`: the latter returns only the accounts directly under that parent ("not
  in any child OUs"), which is what gives each account its OU path.
- `ListTagsForResource` per account.
- Every List call is read through its paginator: Organizations "might return fewer results than
  the maximum even when there are more results available", even an empty page with a NextToken.
- Organizations throttles (TooManyRequestsException); the client retries in botocore's
  `adaptive` mode, and the tags of many accounts are read by a few threads, not by a thousand.
Permissions: organizations:DescribeOrganization, ListRoots, ListOrganizationalUnitsForParent,
ListAccountsForParent, ListTagsForResource (docs/deployment.md lists the policy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from breakglass_gui.core.account_snapshot import AccountSnapshot
from breakglass_gui.core.config.model import Account
from breakglass_gui.core.errors import BreakGlassError

TAG_READERS = 4  # parallel ListTagsForResource calls: a few, under Organizations' rate limits


class OrganizationsError(BreakGlassError):
    code = "organizations"


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _walk(client: Any, parent: str, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """(account, OU path) for every account below `parent`, depth first."""
    for account in _pages(client, "list_accounts_for_parent", "Accounts", ParentId=parent):
        yield account, path
    units = _pages(
        client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent
    )
    for unit in sorted(units, key=lambda u: u["Name"]):
        yield from _walk(client, unit["Id"], f"{path}/{unit['Name']}")


def _tags(client: Any, account_id: str) -> tuple[tuple[str, str], ...]:
    pairs = _pages(client, "list_tags_for_resource", "Tags", ResourceId=account_id)
    return tuple(sorted((t["Key"], t["Value"]) for t in pairs))


def _status(account: dict[str, Any]) -> str:
    """`Status` (ACTIVE | SUSPENDED | PENDING_CLOSURE); newer responses also carry `State`
    (ACTIVE, SUSPENDED, CLOSED, PENDING_ACTIVATION, PENDING_CLOSURE), which is preferred."""
    return str(account.get("State") or account.get("Status") or "ACTIVE")


def read_organization(
    client: Any, now: Callable[[], datetime], caller: str = ""
) -> AccountSnapshot:
    """Every account of the organisation with its OU path ("Root/Prod/Payments") and tags."""
    try:
        organization = client.describe_organization()["Organization"]
        roots = list(_pages(client, "list_roots", "Roots"))
        found = [(a, p) for root in roots for a, p in _walk(client, root["Id"], "Root")]
        with ThreadPoolExecutor(TAG_READERS, thread_name_prefix="org-tags") as pool:
            tags = list(pool.map(lambda item: _tags(client, item[0]["Id"]), found))
    except Exception as exc:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if not code:
            raise
        hint = {
            "AccessDeniedException": " (call it from the management account or a delegated "
            "administrator, with the organizations:List* permissions)",
            "AWSOrganizationsNotInUseException": " (the profile's account is in no organisation)",
        }.get(code, "")
        raise OrganizationsError(f"AWS Organizations refused: {code}{hint}.") from None
    accounts = tuple(
        Account(
            str(a["Id"]),
            str(a.get("Name") or a["Id"]),
            dict(t).get("environment", dict(t).get("Environment", "unspecified")),
            status=_status(a),
            ou_path=path,
            tags=t,
        )
        for (a, path), t in zip(found, tags, strict=True)
    )
    return AccountSnapshot(
        synced_at=now().replace(microsecond=0),
        organization_id=str(organization["Id"]),
        management_account_id=str(organization.get("MasterAccountId", "")),
        accounts=accounts,
        synced_by=caller,
    )
