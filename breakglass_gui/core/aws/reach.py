"""Can readiness and provision reach what they audit (docs/rules.md §9)? The profile must be of the
IAM account, and each member account must be reachable through provisioning.member_role."""

from __future__ import annotations

from collections.abc import Iterator

from breakglass_gui.core.aws.blueprint import Blueprint
from breakglass_gui.core.aws.changes import AdminSessions
from breakglass_gui.core.aws.checks import Check, error_code

ORG_ACCESS_ROLE = "OrganizationAccountAccessRole"
MEMBER_ROLE_FIX = (
    "deploy a read-only audit role that trusts the IAM account into every member account (with "
    "the StackSet) and name it in provisioning.member_role, or run readiness and provision "
    "with a profile of the organisation's management account"
)


def caller_check(bp: Blueprint, sessions: AdminSessions) -> tuple[Check, str]:
    """The profile must belong to the configured IAM account: a profile of another account
    would audit (or provision) the wrong one and report it as ready. Returns the row and the
    profile's account."""
    sts = sessions.client("sts", bp.iam_account)
    account = str(sts.get_caller_identity()["Account"])
    ok = account == bp.iam_account
    row = Check(
        "readiness profile is in the IAM account",
        bp.iam_account,
        ok,
        "" if ok else f"the profile's credentials are of account {account}",
        "" if ok else "use a profile of organisation.iam_account_id",
    )
    return row, account


def member_access(bp: Blueprint, sessions: AdminSessions, unreachable: set[str]) -> Iterator[Check]:
    """Each member account is reached by assuming provisioning.member_role from the IAM
    account. `OrganizationAccountAccessRole` trusts only the management account (AWS
    Organizations User Guide, "Accessing member accounts": the role created in a member
    account trusts the management account), so from any other account it is refused. The
    accounts that cannot be reached are added to `unreachable`."""
    role = bp.member_role
    members = sorted({r.account for r in bp.roles} - {bp.iam_account})
    if role == ORG_ACCESS_ROLE and members:
        yield from _management_account_check(bp, sessions, role)
    for account in members:
        try:
            sessions.client("sts", account).get_caller_identity()
        except Exception as exc:
            unreachable.add(account)
            yield Check(
                f"member role {role} assumable",
                account,
                False,
                f"the IAM account cannot assume {role} here ({error_code(exc) or 'refused'})",
                MEMBER_ROLE_FIX,
            )
            continue
        yield Check(f"member role {role} assumable", account, True)


def _management_account_check(bp: Blueprint, sessions: AdminSessions, role: str) -> Iterator[Check]:
    organizations = sessions.client("organizations", bp.iam_account)
    try:
        org = organizations.describe_organization()["Organization"]
    except Exception as exc:
        if error_code(exc) == "AWSOrganizationsNotInUseException":
            return  # no organisation: the per-account rows say what works
        raise
    management = str(org.get("MasterAccountId", ""))
    ok = management == bp.iam_account
    yield Check(
        f"{role} trusts the IAM account",
        bp.iam_account,
        ok,
        ""
        if ok
        else f"{role} trusts only the management account {management}, "
        f"not the IAM account {bp.iam_account}",
        "" if ok else MEMBER_ROLE_FIX,
    )
