"""`main.py verify-approvals` and `main.py approvers` (issue 18, items 1–3): the offline check of
an approval bundle with nothing but public keys, tried with each forgery an operator alone
could make; and the key registry from the command line."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.cli import main
from breakglass_gui.core.approval_bundle import bundle, keys_file
from breakglass_gui.core.incident import Request
from breakglass_gui.core.resources import resource_path
from breakglass_gui.drill.approver_devices import ssh_signer
from tests.core.test_signed_approvals import PIN, REQUEST, Bench, ssh_key, ssh_sign


@pytest.fixture
def signed(tmp_path: Path) -> tuple[Bench, dict[str, Any], dict[str, Any]]:
    """A bundle both approvers signed, and the auditor's keys file."""
    bench = Bench(tmp_path)
    request = bench.request()
    primary = bench.sign(request, "primary", "ciso", PIN)
    secondary = bench.sign(
        request, "secondary", "cfo", ssh_sign(bench.key, request.text), primary.as_payload()
    )
    data = bundle(
        REQUEST.incident_id,
        request.as_payload(),
        [primary.as_payload(), secondary.as_payload()],
        bench.desk.keys(),
    )
    keys = keys_file(bench.config.approvers, bench.config.operators, bench.desk.keys())
    return bench, data, keys


def check(tmp: Path, data: dict[str, Any], keys: dict[str, Any]) -> int:
    (tmp / "bundle.json").write_text(json.dumps(data))
    (tmp / "keys.json").write_text(json.dumps(keys))
    return main(["verify-approvals", str(tmp / "bundle.json"), "--keys", str(tmp / "keys.json")])


def test_a_bundle_signed_by_both_approvers_verifies(
    signed: Any, tmp_path: Path, capsys: Any
) -> None:
    _, data, keys = signed
    assert check(tmp_path, data, keys) == 0
    out = capsys.readouterr().out
    assert "both approvals hold" in out and "fido2" in out and "ssh" in out


def test_an_edited_request_text_fails(signed: Any, tmp_path: Path, capsys: Any) -> None:
    """The operator widens the accounts after approval and re-exports the bundle."""
    _, data, keys = signed
    data["request"]["text"] = data["request"]["text"].replace(
        "duration-seconds: 3600", "duration-seconds: 43200"
    )
    assert check(tmp_path, data, keys) == 1
    err = capsys.readouterr().err
    assert "primary sign-off by ciso: the assertion signs another request" in err
    assert "secondary sign-off by cfo: the signature does not verify" in err


def test_one_person_signing_both_roles_fails(signed: Any, tmp_path: Path, capsys: Any) -> None:
    """The primary's sign-off copied in as the secondary."""
    _, data, keys = signed
    forged = copy.deepcopy(data["approvals"][0])
    forged["role"] = "secondary"
    data["approvals"][1] = forged
    assert check(tmp_path, data, keys) == 1
    err = capsys.readouterr().err
    assert "secondary sign-off by ciso: the keys file says ciso is a primary approver" in err
    assert "both sign-offs are by the same person" in err


def test_a_key_the_auditor_does_not_know_fails(signed: Any, tmp_path: Path, capsys: Any) -> None:
    """The operator enrolled their own ssh key under the cfo's name and signed with it: the
    auditor's keys file has the cfo's real key."""
    _, data, keys = signed
    mine = ssh_key(tmp_path, "mallory")
    text = data["request"]["text"]
    data["approvals"][1]["evidence"]["signature"] = ssh_sign(mine, text)
    data["approvals"][1]["fingerprint"] = "SHA256:whatever-the-workstation-said"
    assert check(tmp_path, data, keys) == 1
    err = capsys.readouterr().err
    assert "signed with another key than the keys file's" in err
    assert "the signature does not verify with this key" in err


def test_a_sign_off_after_the_not_after_time_fails(
    signed: Any, tmp_path: Path, capsys: Any
) -> None:
    _, data, keys = signed
    data["approvals"][0]["at"] = "2099-01-01T00:00:00.000Z"
    assert check(tmp_path, data, keys) == 1
    assert "signed after the request's not-after time" in capsys.readouterr().err


def test_the_operator_as_approver_fails(signed: Any, tmp_path: Path, capsys: Any) -> None:
    """A request text rewritten to name the cfo as operator (and re-signed by the cfo)."""
    bench, data, keys = signed
    request = Request(*{**REQUEST.__dict__, "operator": "cfo"}.values())  # type: ignore[arg-type]
    text = bench.request(request)
    data["request"] = {"request_id": text.request_id, "text": text.text, "not_after": ""}
    data["approvals"][1]["evidence"]["signature"] = ssh_sign(bench.key, text.text)
    assert check(tmp_path, data, keys) == 1
    assert "secondary sign-off by cfo: the operator cannot approve" in capsys.readouterr().err


def test_a_totp_approval_cannot_be_checked_offline(
    signed: Any, tmp_path: Path, capsys: Any
) -> None:
    _, data, keys = signed
    data["approvals"][1].update(method="totp", evidence={"step": 1})
    for entry in keys["approvers"]:
        if entry["id"] == "cfo":
            entry["method"] = "totp"
    assert check(tmp_path, data, keys) == 1
    assert "carries no signature an auditor can check" in capsys.readouterr().err


def test_unreadable_files_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bundle.json").write_text("{")
    (tmp_path / "keys.json").write_text("{}")
    args = ["verify-approvals", str(tmp_path / "bundle.json"), "--keys", str(tmp_path / "k")]
    assert main(args) == 2


# ----- approvers list | enrol | remove ------------------------------------------------------


@pytest.fixture
def admin(tmp_path: Path) -> Any:
    config = tmp_path / "config.toml"
    config.write_text(resource_path("example-config.toml").read_text())
    journal = tmp_path / "journal.sqlite3"

    def run(*args: str) -> int:
        return main(["--config", str(config), "approvers", *args, "--journal", str(journal)])

    return run


def test_enrol_list_and_remove_from_the_command_line(
    admin: Any, tmp_path: Path, capsys: Any
) -> None:
    key = ssh_key(tmp_path, "cfo")
    assert admin("enrol", "cfo", "--ssh-key", str(key.with_suffix(".pub"))) == 0
    assert admin("list") == 0
    out = capsys.readouterr().out
    assert "cfo" in out and "ssh SHA256:" in out and "not enrolled" in out  # ciso is not
    assert admin("list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in listed["approvers"]] == ["cfo"]
    assert listed["approvers"][0]["public_key"].startswith("ssh-ed25519 ")
    assert admin("remove", "cfo") == 0
    assert capsys.readouterr().out == "cfo: key removed\n"
    assert admin("list", "--json") == 0
    assert json.loads(capsys.readouterr().out)["approvers"] == []


def test_the_drills_keys_and_strangers_are_refused(admin: Any, tmp_path: Path, capsys: Any) -> None:
    drill_key = tmp_path / "drill.pub"
    drill_key.write_text(ssh_signer("drill-cfo").public_key)
    assert admin("enrol", "cfo", "--ssh-key", str(drill_key)) == 1
    assert "belongs to the drill" in capsys.readouterr().err
    assert admin("enrol", "mallory", "--ssh-key", str(drill_key)) == 2
    assert admin("enrol", "cfo") == 2  # neither --ssh-key nor --fido2
