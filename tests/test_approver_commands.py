"""`main.py verify-approvals` and `main.py approvers` (issue 18, items 1–3): the offline check of
an approval bundle with nothing but public keys, tried with each forgery an operator alone
could make; and the key registry from the command line."""

from __future__ import annotations

import contextlib
import copy
import json
import socket
from collections.abc import Iterator
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
def syslog(tmp_path: Path) -> Iterator[socket.socket]:
    """The workstation's syslog socket: every registry change is announced on it."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "log"))
    sock.settimeout(5)
    yield sock
    sock.close()


def notices(sock: socket.socket) -> list[dict[str, Any]]:
    sock.setblocking(False)
    found = []
    with contextlib.suppress(BlockingIOError):
        while True:
            line = sock.recv(65536).decode("utf-8")
            found.append(json.loads(line[line.index("{") :]))
    sock.settimeout(5)
    return found


@pytest.fixture
def admin(tmp_path: Path, syslog: socket.socket) -> Any:
    config = tmp_path / "config.toml"
    coo = (  # a second secondary approver, so that one can be removed
        '\n[[approvers]]\nid = "coo"\nname = "Kim Ops"\nemail = "coo@example.com"\n'
        'role = "secondary"\naws_infrastructure = false\n'
    )
    example = resource_path("example-config.toml").read_text()
    example = example.replace("\n[vault]", coo + "\n[vault]", 1)
    channels = f'channels = ["syslog"]\nsyslog_socket = "{tmp_path / "log"}"\n'
    config.write_text(example.replace("[notifications]\n", "[notifications]\n" + channels, 1))
    journal = tmp_path / "journal.sqlite3"

    def run(*args: str) -> int:
        return main(["--config", str(config), "approvers", *args, "--journal", str(journal)])

    return run


def test_enrol_list_and_remove_from_the_command_line(
    admin: Any, tmp_path: Path, capsys: Any
) -> None:
    """The first approver of each role is enrolled at once; any other change needs both
    roles' signatures on the prepared change."""
    ciso, cfo, coo = (ssh_key(tmp_path, n) for n in ("ciso", "cfo", "coo"))
    assert admin("enrol", "cfo", "--ssh-key", str(cfo.with_suffix(".pub"))) == 0
    assert admin("list") == 0
    out = capsys.readouterr().out
    assert "cfo" in out and "ssh SHA256:" in out and "not enrolled" in out  # ciso is not
    assert admin("enrol", "ciso", "--ssh-key", str(ciso.with_suffix(".pub"))) == 0
    change = prepare(admin, capsys, tmp_path, "enrol", "coo", "--ssh-key", f"{coo}.pub")
    assert apply(admin, change, *signed_by(change, ciso, cfo)) == 0
    capsys.readouterr()
    assert admin("list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(a["id"] for a in listed["approvers"]) == ["cfo", "ciso", "coo"]
    assert listed["approvers"][0]["public_key"].startswith("ssh-ed25519 ")
    change.unlink()
    change = prepare(admin, capsys, tmp_path, "remove", "cfo")
    assert apply(admin, change, *signed_by(change, ciso, coo)) == 0
    capsys.readouterr()
    assert admin("list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(a["id"] for a in listed["approvers"]) == ["ciso", "coo"]
    assert admin("remove", "coo") == 1  # the last secondary: a role is never left empty
    assert "last secondary approver" in capsys.readouterr().err


def test_every_registry_change_is_announced(
    admin: Any, enrolled: Any, syslog: socket.socket
) -> None:
    sent = notices(syslog)
    assert [(n["event"], n["approver"]) for n in sent] == [
        ("approver.enrolled", "ciso"),
        ("approver.enrolled", "cfo"),
        ("approver.enrolled", "coo"),
    ]
    assert sent[2]["signed_by"] == ["primary: ciso", "secondary: cfo"]
    assert sent[2]["registry_hash_before"] == sent[1]["registry_hash"]


def prepare(admin: Any, capsys: Any, tmp: Path, *args: str) -> Path:
    capsys.readouterr()
    assert admin(*args, "--out", str(tmp)) == 3  # prepared, not applied
    assert "Prepared, not applied" in capsys.readouterr().out
    (pending,) = tmp.glob("C-*.json")
    return pending


def sign_file(key: Path, change: Path) -> Path:
    signature = change.with_name(f"{key.name}.sig")
    signature.write_text(ssh_sign(key, change.with_suffix(".txt").read_text()))
    return signature


def signed_by(change: Path, *keys: Path) -> list[str]:
    """Each key's holder signs the change (the roster id is the key's name)."""
    return [f"{key.name}={sign_file(key, change)}" for key in keys]


def apply(admin: Any, change: Path, *signed: str) -> int:
    args = ["apply", str(change)]
    for item in signed:
        args += ["--signed-by", item]
    return int(admin(*args))


@pytest.fixture
def enrolled(admin: Any, tmp_path: Path, capsys: Any) -> tuple[Path, Path]:
    """ciso (primary), cfo and coo (secondary) enrolled."""
    ciso, cfo, coo = (ssh_key(tmp_path, n) for n in ("ciso", "cfo", "coo"))
    assert admin("enrol", "ciso", "--ssh-key", str(ciso.with_suffix(".pub"))) == 0
    assert admin("enrol", "cfo", "--ssh-key", str(cfo.with_suffix(".pub"))) == 0
    change = prepare(admin, capsys, tmp_path, "enrol", "coo", "--ssh-key", f"{coo}.pub")
    assert apply(admin, change, *signed_by(change, ciso, cfo)) == 0
    change.unlink()
    return ciso, cfo


def test_replacing_a_key_needs_both_roles(
    admin: Any, enrolled: Any, tmp_path: Path, capsys: Any
) -> None:
    """The attacker enrols their own key for the cfo: one signature (theirs) is not enough,
    nor is the ciso's signature given twice."""
    ciso, cfo = enrolled
    mine = ssh_key(tmp_path, "mallory")
    change = prepare(admin, capsys, tmp_path, "enrol", "cfo", "--ssh-key", str(mine) + ".pub")
    assert apply(admin, change, f"cfo={sign_file(mine, change)}") == 1
    assert apply(admin, change, f"ciso={sign_file(ciso, change)}") == 1
    twice = sign_file(ciso, change)
    assert apply(admin, change, f"ciso={twice}", f"ciso={twice}") == 1
    assert "One person cannot sign both" in capsys.readouterr().err
    assert apply(admin, change, f"ciso={twice}", f"cfo={sign_file(cfo, change)}") == 0


def test_a_signed_change_applies_once_and_only_to_its_registry(
    admin: Any, enrolled: Any, tmp_path: Path, capsys: Any
) -> None:
    ciso, cfo = enrolled
    change = prepare(admin, capsys, tmp_path, "remove", "cfo")
    signed = [f"ciso={sign_file(ciso, change)}", f"cfo={sign_file(cfo, change)}"]
    capsys.readouterr()
    assert admin("enrol", "coo", "--ssh-key", str(cfo) + ".pub") == 1  # one key, one person
    assert apply(admin, change, *signed) == 0
    capsys.readouterr()
    # The role was enrolled before: re-enrolling the cfo needs signatures, even now that the
    # secondary role is down to the coo.
    assert admin("enrol", "cfo", "--ssh-key", str(cfo) + ".pub", "--out", str(tmp_path)) == 3
    assert apply(admin, change, *signed) == 1  # replayed: the registry moved on
    assert "another change or another registry" in capsys.readouterr().err


def test_the_drills_keys_and_strangers_are_refused(admin: Any, tmp_path: Path, capsys: Any) -> None:
    drill_key = tmp_path / "drill.pub"
    drill_key.write_text(ssh_signer("drill-cfo").public_key)
    assert admin("enrol", "cfo", "--ssh-key", str(drill_key)) == 1
    assert "belongs to the drill" in capsys.readouterr().err
    assert admin("enrol", "mallory", "--ssh-key", str(drill_key)) == 2
    assert admin("enrol", "cfo") == 2  # neither --ssh-key nor --fido2
