"""A whole incident, DECLARED → CLOSED, against moto, recorded Vault and the federation stand-in."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from breakglass_gui.core.incident import State
from breakglass_gui.core.verify import verify_file
from tests.fakes.world import IAM_ACCOUNT, ROLE, TARGETS, USERS, World, moto_client


def test_an_incident_runs_from_declared_to_closed_and_the_journal_verifies(world: World) -> None:
    proc = world.declare()
    old_key = world.vault.current(USERS[0])["access_key_id"]

    world.drive(proc, State.CLOSED)

    states = [s for s, _ in proc.incident.transitions]
    assert states == [s.value for s in State if s is not State.ABORTED]
    assert world.journal.verify().ok
    # the console URL reached the browser, through the stand-in's login action
    assert len(world.browser.opened) == 1
    logout = urlsplit(world.browser.opened[0])
    assert logout.path == "/oauth"
    login = urlsplit(parse_qs(logout.query)["redirect_uri"][0])
    login_query = parse_qs(login.query)
    assert login_query["Action"] == ["login"]
    assert login_query["SigninToken"][0] in world.federation.tokens
    # role sessions revoked in every account, the IAM account's included
    for account in (*TARGETS, IAM_ACCOUNT):
        assert account in {
            k.split(":")[1] for k in proc.incident.done_effects if k.startswith("revoke.role:")
        }
    iam = moto_client("iam")
    policy = iam.get_role_policy(RoleName=ROLE, PolicyName="AWSRevokeOlderSessions")
    assert policy["PolicyDocument"]["Statement"][0]["Effect"] == "Deny"
    # rotated: Vault holds a new, active key and it is the only one; the old key is gone
    record = world.vault.current(USERS[0])
    keys = iam.list_access_keys(UserName=USERS[0])["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [record["access_key_id"]]
    assert record["access_key_id"] != old_key
    assert record["rotated_for"] == proc.id
    # the Vault token was revoked at the end
    assert not world.vault.tokens
    # the review was written in three formats and its embedded journal verifies
    review = world.tmp / "review" / f"{proc.id}-review.json"
    assert verify_file(review).ok
    data = json.loads(review.read_text())
    assert [a["role"] for a in data["approvals"]] == ["primary", "secondary"]
    assert {a["account"] for a in data["accounts"]} >= set(TARGETS)
    flagged = {e["name"] for e in data["events"] if e["high_risk"]}
    assert flagged == {"DeleteBucket", "CreateAccessKey"}
    assert all(e["session_name"] == proc.id for e in data["events"])
    assert (world.tmp / "review" / f"{proc.id}-review.html").exists()
    assert (world.tmp / "review" / f"{proc.id}-review.md").exists()
    assert world.journal.unfinished_incidents() == []
