"""The member accounts' break-glass role as one CloudFormation StackSet (docs/rules.md §9, §16).

Service-managed permissions: CloudFormation itself deploys to every account of the target OUs
(and of the OUs below them) and, with automatic deployment, to accounts that join them later.
The app never loops over the accounts to deploy: `provision` creates or updates one StackSet
and asks for instances on the OUs; readiness reads the instances back and fails on any that
failed, is outdated or has drifted.

From the CloudFormation API reference:
- CreateStackSet with `PermissionModel=SERVICE_MANAGED` needs `AutoDeployment` to deploy to
  accounts added later, and `CAPABILITY_NAMED_IAM` because the template names its role. It is
  called from the management account, or from a delegated administrator with
  `CallAs=DELEGATED_ADMIN` (every StackSet call then carries it).
- CreateStackInstances takes `DeploymentTargets.OrganizationalUnitIds` (OU or root ids, not
  paths) and the regions; it is asynchronous: it returns an OperationId whose
  DescribeStackSetOperation status goes RUNNING → SUCCEEDED | FAILED | STOPPED. `apply()` waits.
- ListStackInstances summaries carry `Account`, `OrganizationalUnitId`, `Status`
  (CURRENT | OUTDATED | INOPERABLE), `StackInstanceStatus.DetailedStatus` (PENDING | RUNNING |
  SUCCEEDED | FAILED | CANCELLED | INOPERABLE | SKIPPED_SUSPENDED_ACCOUNT | FAILED_IMPORT) and
  `DriftStatus` (DRIFTED | IN_SYNC | UNKNOWN | NOT_CHECKED).
- The management account itself is never a target of a service-managed StackSet: when the IAM
  account is the management account, its role is created directly (core/aws/provision.py).

moto runs StackSets partially (instances are created at once in the accounts of the target OUs
and one level of child OUs; AutoDeployment, OrganizationalUnitId, DriftStatus and failed
instances do not exist there): tests/core/test_stackset.py uses moto for what it has and
botocore's Stubber for the rest, and says which is which.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from breakglass_gui.core.aws.blueprint import Blueprint, StackSetSpec
from breakglass_gui.core.aws.cfn import member_role_template
from breakglass_gui.core.aws.changes import AdminSessions, Change, code_of
from breakglass_gui.core.aws.checks import PROVISION_FIX, Check
from breakglass_gui.core.errors import BreakGlassError

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
AUTO_DEPLOYMENT = {"Enabled": True, "RetainStacksOnAccountRemoval": False}
# All accounts at once, and the whole operation stops at the first failure (none tolerated):
# a role missing in one account is what readiness exists to report.
PREFERENCES = {
    "RegionConcurrencyType": "PARALLEL",
    "MaxConcurrentPercentage": 100,
    "FailureToleranceCount": 0,
}
FINISHED = {"SUCCEEDED", "FAILED", "STOPPED"}
SHOWN_PROBLEMS = 20  # instance rows in the readiness table; the rest are counted


class StackSetError(BreakGlassError):
    code = "stackset"


def template_body(bp: Blueprint) -> str:
    return json.dumps(member_role_template(bp), sort_keys=True, indent=1)


def _same_template(a: str, b: str) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return False


def _describe(cf: Any, spec: StackSetSpec) -> dict[str, Any] | None:
    try:
        return dict(cf.describe_stack_set(StackSetName=spec.name, CallAs=spec.call_as)["StackSet"])
    except Exception as exc:
        if code_of(exc) == "StackSetNotFoundException":
            return None
        raise


def _instances(cf: Any, spec: StackSetSpec) -> list[dict[str, Any]]:
    pages = cf.get_paginator("list_stack_instances").paginate(
        StackSetName=spec.name, CallAs=spec.call_as
    )
    return [s for page in pages for s in page.get("Summaries", [])]


def resolve_targets(org: Any, targets: tuple[str, ...]) -> dict[str, str]:
    """target as configured → the OU or root id StackSets need ("Root/Production" → ou-…)."""
    ids: dict[str, str] = {}
    root = None
    for target in targets:
        if target.startswith(("ou-", "r-")):
            ids[target] = target
            continue
        root = root or org.list_roots()["Roots"][0]["Id"]
        parent = root
        for name in target.split("/")[1:]:
            pages = org.get_paginator("list_organizational_units_for_parent").paginate(
                ParentId=parent
            )
            unit = next(
                (u for p in pages for u in p["OrganizationalUnits"] if u["Name"] == name), None
            )
            if unit is None:
                raise StackSetError(f"No OU {target} in the organisation (no {name!r}).")
            parent = unit["Id"]
        ids[target] = parent
    return ids


def wait_for(
    cf: Any,
    spec: StackSetSpec,
    operation_id: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 1800,
) -> None:
    """Until the operation is over; FAILED or STOPPED raises with the accounts that failed."""
    waited, pause = 0.0, 2.0
    while True:
        operation = cf.describe_stack_set_operation(
            StackSetName=spec.name, OperationId=operation_id, CallAs=spec.call_as
        )["StackSetOperation"]
        status = operation.get("Status", "")
        if status == "SUCCEEDED":
            return
        if status in FINISHED:
            raise StackSetError(
                f"StackSet {spec.name}: operation {operation_id} {status}"
                + _failed_accounts(cf, spec, operation_id)
            )
        if waited >= timeout:
            raise StackSetError(
                f"StackSet {spec.name}: operation {operation_id} still {status} after "
                f"{int(waited)} s; see the CloudFormation console"
            )
        sleep(pause)
        waited += pause
        pause = min(pause * 1.5, 15.0)


def _failed_accounts(cf: Any, spec: StackSetSpec, operation_id: str) -> str:
    pages = cf.get_paginator("list_stack_set_operation_results").paginate(
        StackSetName=spec.name, OperationId=operation_id, CallAs=spec.call_as
    )
    failed = [
        f"{r.get('Account', '?')} ({r.get('StatusReason', r.get('Status', ''))})"
        for page in pages
        for r in page.get("Summaries", [])
        if r.get("Status") not in ("SUCCEEDED", None)
    ]
    return ": " + "; ".join(failed[:10]) if failed else ""


def changes(bp: Blueprint, sessions: AdminSessions) -> list[Change]:
    """What `provision` changes: the StackSet itself, then instances on targets without."""
    spec = bp.stackset
    assert spec is not None
    cf = sessions.client("cloudformation", spec.admin_account, spec.region)
    org = sessions.client("organizations", spec.admin_account)
    body = template_body(bp)
    where = f"stackset {spec.name}"
    current = _describe(cf, spec)
    out: list[Change] = []
    if current is None:
        out.append(
            Change(
                spec.admin_account,
                where,
                "create",
                "service-managed, automatic deployment to accounts joining the OUs",
                lambda: cf.create_stack_set(
                    StackSetName=spec.name,
                    Description="Break glass (LLD001-003): the emergency role in every account",
                    TemplateBody=body,
                    Capabilities=CAPABILITIES,
                    PermissionModel="SERVICE_MANAGED",
                    AutoDeployment=AUTO_DEPLOYMENT,
                    ManagedExecution={"Active": True},
                    CallAs=spec.call_as,
                ),
            )
        )
        targeted: set[str] = set()
    else:
        stale = not _same_template(str(current.get("TemplateBody", "")), body)
        auto = current.get("AutoDeployment") or {}
        if stale or auto.get("Enabled") is not True:
            out.append(
                Change(
                    spec.admin_account,
                    where,
                    "update",
                    "template" if stale else "automatic deployment on",
                    lambda: wait_for(cf, spec, _update(cf, spec, body)),
                )
            )
        targeted = {s.get("OrganizationalUnitId", "") for s in _instances(cf, spec)}
    ids = resolve_targets(org, spec.targets)
    missing = [ou for target, ou in ids.items() if ou not in targeted]
    if missing:
        out.append(
            Change(
                spec.admin_account,
                f"{where} instances",
                "create",
                f"deploy to {', '.join(t for t, ou in ids.items() if ou in missing)} "
                f"in {spec.region}",
                lambda: wait_for(cf, spec, _deploy(cf, spec, missing)),
            )
        )
    return out


def _update(cf: Any, spec: StackSetSpec, body: str) -> str:
    return str(
        cf.update_stack_set(
            StackSetName=spec.name,
            TemplateBody=body,
            Capabilities=CAPABILITIES,
            PermissionModel="SERVICE_MANAGED",
            AutoDeployment=AUTO_DEPLOYMENT,
            OperationPreferences=PREFERENCES,
            CallAs=spec.call_as,
        )["OperationId"]
    )


def _deploy(cf: Any, spec: StackSetSpec, ous: list[str]) -> str:
    return str(
        cf.create_stack_instances(
            StackSetName=spec.name,
            DeploymentTargets={"OrganizationalUnitIds": ous},
            Regions=[spec.region],
            OperationPreferences=PREFERENCES,
            CallAs=spec.call_as,
        )["OperationId"]
    )


def checks(bp: Blueprint, sessions: AdminSessions) -> Iterator[Check]:
    """Readiness rows: the StackSet as the blueprint wants it, and every instance healthy."""
    spec = bp.stackset
    if spec is None:
        return
    cf = sessions.client("cloudformation", spec.admin_account, spec.region)
    name = f"stackset {spec.name}"
    current = _describe(cf, spec)
    if current is None:
        yield Check(name, spec.admin_account, False, "StackSet missing", PROVISION_FIX)
        return
    problems = []
    if current.get("PermissionModel") != "SERVICE_MANAGED":
        problems.append("not service-managed: accounts joining the OUs get no role")
    elif (current.get("AutoDeployment") or {}).get("Enabled") is not True:
        problems.append("automatic deployment off: accounts joining the OUs get no role")
    if not _same_template(str(current.get("TemplateBody", "")), template_body(bp)):
        problems.append("its template differs from the blueprint's role")
    fix = PROVISION_FIX if problems else ""
    yield Check(name, spec.admin_account, not problems, "; ".join(problems), fix)
    yield from instance_checks(spec, _instances(cf, spec))


def instance_checks(spec: StackSetSpec, summaries: list[dict[str, Any]]) -> Iterator[Check]:
    """One failing row per instance that failed, is not current, or has drifted."""
    bad = []
    for s in summaries:
        account = str(s.get("Account", "?"))
        detailed = (s.get("StackInstanceStatus") or {}).get("DetailedStatus", "")
        status, drift = s.get("Status", ""), s.get("DriftStatus", "")
        if status != "CURRENT" or detailed in ("FAILED", "CANCELLED", "INOPERABLE"):
            reason = s.get("StatusReason") or "no reason given"
            bad.append((account, f"{status or '?'}/{detailed or '?'}: {reason}"))
        elif drift == "DRIFTED":
            bad.append((account, "drifted: the role was changed outside the StackSet"))
    name = f"stackset {spec.name} instance"
    if not summaries:
        yield Check(name, "-", False, "no instances: the role is deployed nowhere", PROVISION_FIX)
        return
    for account, reason in bad[:SHOWN_PROBLEMS]:
        yield Check(name, account, False, reason, PROVISION_FIX)
    if len(bad) > SHOWN_PROBLEMS:
        yield Check(name, "-", False, f"and {len(bad) - SHOWN_PROBLEMS} more", PROVISION_FIX)
    if not bad:
        yield Check(f"{name}s ({len(summaries)})", spec.admin_account, True)
