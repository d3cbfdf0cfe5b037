"""Approvals as signatures (issue 18, item 1): `ssh` signatures made by the real `ssh-keygen`,
`fido2` assertions from a software authenticator, both checked with the enrolled public key
only; each attack an approver's signature invites, tried and refused."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from breakglass_gui.core import registry
from breakglass_gui.core.approval_methods import ApprovalContext
from breakglass_gui.core.approval_request import (
    NAMESPACE,
    RequestTextError,
    SignedRequest,
    new_request_id,
    read_fields,
    render,
)
from breakglass_gui.core.approvals import Approval, ApprovalDesk
from breakglass_gui.core.config import parse_config
from breakglass_gui.core.errors import ApprovalError, EnrolmentError
from breakglass_gui.core.incident import Request
from breakglass_gui.core.journal import Journal
from breakglass_gui.core.key_enrolment import KeyEnrolment
from breakglass_gui.core.secret import Secret
from breakglass_gui.drill.approver_devices import drill_fingerprints, ssh_signer
from breakglass_gui.drill.security_key import SoftSecurityKey
from tests.fakes.clock import ManualClock
from tests.fakes.keyring_memory import MemoryStore
from tests.fakes.world import TARGETS, config_data

RP = "breakglass.local"
PIN = "123456"
REQUEST = Request(
    "BG-20300317-ABCD",
    "Outage of Active Directory",
    "",
    "AD is down; payments fail.\nincident: BG-20300317-ZZZZ",  # a forged line, quoted away
    "INC-1",
    "jdoe",
    3600,
    TARGETS,
)


def ssh_key(tmp: Path, name: str) -> Path:
    key = tmp / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


def ssh_sign(key: Path, text: str, namespace: str = NAMESPACE) -> str:
    """What the approver runs on their own machine."""
    message = key.parent / f"request-{new_request_id()}.txt"
    message.write_text(text, encoding="utf-8")
    subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-f", str(key), "-n", namespace, str(message)],
        check=True,
        capture_output=True,
    )
    return Path(f"{message}.sig").read_text()


class Bench:
    """A desk with a ciso on a security key and a cfo on an ssh key, called as the procedure
    calls it."""

    def __init__(self, tmp: Path, methods: list[str] | None = None) -> None:
        data = config_data(approvals={"methods": methods or ["fido2", "ssh"]})
        self.config = parse_config(data)
        self.clock = ManualClock(1_900_000_005.0)
        self.journal = Journal(tmp / "journal.sqlite3", self.clock)
        self.device = SoftSecurityKey(PIN)
        self.key = ssh_key(tmp, "cfo")
        enrol = KeyEnrolment(self.journal, rp_id=RP)
        enrol.record(enrol.fido2_key(self.approver("ciso"), self.device, Secret(PIN)), {})
        enrol.record(
            enrol.ssh_key(self.approver("cfo"), self.key.with_suffix(".pub").read_text()), {}
        )
        self.desk = self.make_desk()

    def make_desk(self) -> ApprovalDesk:
        context = ApprovalContext(self.config, self.clock, MemoryStore(), self.device)
        return registry.approval_desk(context, self.journal)

    def approver(self, who: str) -> Any:
        return self.config.approver(who)

    def request(self, request: Request = REQUEST) -> SignedRequest:
        now = self.clock.now()
        return render(
            request,
            request_id=new_request_id(),
            role_arns={a: self.config.role_arn(a) for a in request.accounts},
            not_after=now + 1800,
            journal_head=self.journal.head()[1],
            issued_at=now,
        )

    def sign(
        self, signed: SignedRequest, role: Any, who: str, answer: str, other: Any = None
    ) -> Approval:
        approval = self.desk.sign(
            signed, REQUEST.incident_id, REQUEST.operator, role, who, Secret(answer), other
        )
        # What the procedure journals for every approval (the desk reads it back).
        self.journal.append(REQUEST.incident_id, "approval.granted", approval.as_payload())
        return approval


@pytest.fixture
def bench(tmp_path: Path) -> Bench:
    return Bench(tmp_path)


# ----- the request text ----------------------------------------------------------------------


def test_the_request_text_names_what_is_approved_and_reads_back(bench: Bench) -> None:
    signed = bench.request()
    fields = read_fields(signed.text)
    assert fields["request-id"] == signed.request_id and fields["incident"] == REQUEST.incident_id
    assert fields["operator"] == "jdoe" and fields["duration-seconds"] == "3600"
    assert fields["not-after"] == signed.not_after
    assert fields["request-digest"] == REQUEST.digest
    assert fields["journal-head"] == bench.journal.head()[1]
    for account in TARGETS:
        assert f"{account} {bench.config.role_arn(account)}" in fields["accounts"]
    # A newline in free text cannot forge a line: it is quoted, and reads back as typed.
    assert fields["justification"] == REQUEST.justification
    assert signed.text.count("\nincident: ") == 1


def test_a_request_text_with_an_added_or_reordered_line_is_refused(bench: Bench) -> None:
    text = bench.request().text
    with pytest.raises(RequestTextError):
        read_fields(text.replace("operator: jdoe\n", "operator: jdoe\nextra: 1\n"))
    lines = text.split("\n")
    lines[2], lines[3] = lines[3], lines[2]
    with pytest.raises(RequestTextError):
        read_fields("\n".join(lines))


# ----- ssh -----------------------------------------------------------------------------------


def test_an_ssh_signature_from_ssh_keygen_approves(bench: Bench) -> None:
    signed = bench.request()
    approval = bench.sign(signed, "secondary", "cfo", ssh_sign(bench.key, signed.text))
    assert approval.method == "ssh" and approval.request_id == signed.request_id
    assert approval.fingerprint.startswith("SHA256:")
    assert "BEGIN SSH SIGNATURE" in approval.evidence["signature"]


def test_a_signature_of_another_request_is_refused(bench: Bench) -> None:
    """The attacker replays an approver's signature from an earlier (or forged) request."""
    earlier = bench.request()
    signature = ssh_sign(bench.key, earlier.text)
    with pytest.raises(ApprovalError) as raised:
        bench.sign(bench.request(), "secondary", "cfo", signature)
    assert raised.value.code == "approval.bad_signature"


def test_a_signature_in_another_namespace_is_refused(bench: Bench) -> None:
    """A git commit signature by the same key is not an approval."""
    signed = bench.request()
    with pytest.raises(ApprovalError) as raised:
        bench.sign(signed, "secondary", "cfo", ssh_sign(bench.key, signed.text, "git"))
    assert raised.value.code == "approval.bad_signature"


def test_a_signature_by_the_operators_own_key_is_refused(bench: Bench, tmp_path: Path) -> None:
    """The attacker signs with a key of their own and names the approver."""
    mine = ssh_key(tmp_path, "operator")
    signed = bench.request()
    with pytest.raises(ApprovalError) as raised:
        bench.sign(signed, "secondary", "cfo", ssh_sign(mine, signed.text))
    assert raised.value.code == "approval.bad_signature"


def test_a_pasted_signature_survives_a_mail_clients_indentation(bench: Bench) -> None:
    signed = bench.request()
    signature = ssh_sign(bench.key, signed.text)
    pasted = "\n\n" + "\n".join(f"    {line}" for line in signature.splitlines()) + "\n\n"
    assert bench.sign(signed, "secondary", "cfo", pasted).method == "ssh"


def test_garbage_is_a_format_error_and_does_not_count_towards_the_lockout(bench: Bench) -> None:
    for _ in range(4):
        with pytest.raises(ApprovalError) as raised:
            bench.sign(bench.request(), "secondary", "cfo", "looks good to me")
        assert raised.value.code == "approval.format"
    assert bench.journal.approver_state("cfo")[1] == 0


# ----- fido2 ---------------------------------------------------------------------------------


def test_a_security_key_assertion_approves_and_counts(bench: Bench) -> None:
    signed = bench.request()
    approval = bench.sign(signed, "primary", "ciso", PIN)
    assert approval.method == "fido2"
    assert approval.evidence["counter"] == bench.device.counter == 1


def test_a_wrong_pin_counts_towards_the_lockout(bench: Bench) -> None:
    for _ in range(3):
        with pytest.raises(ApprovalError) as raised:
            bench.sign(bench.request(), "primary", "ciso", "000000")
    assert raised.value.code == "approval.locked"
    with pytest.raises(ApprovalError, match="locked out"):
        bench.sign(bench.request(), "primary", "ciso", PIN)


def test_a_cloned_security_key_is_caught_by_its_counter(bench: Bench) -> None:
    """Someone copied the key's secret: the copy's counter lags the original's."""
    clone = bench.device.clone()
    bench.sign(bench.request(), "primary", "ciso", PIN)
    bench.sign(bench.request(), "primary", "ciso", PIN)  # the original is used again
    bench.device = clone
    bench.desk = bench.make_desk()
    with pytest.raises(ApprovalError) as raised:
        bench.sign(bench.request(), "primary", "ciso", PIN)
    assert raised.value.code == "approval.cloned_key"


def test_each_request_is_signed_once_by_an_approver(bench: Bench) -> None:
    signed = bench.request()
    bench.sign(signed, "primary", "ciso", PIN)
    with pytest.raises(ApprovalError) as raised:
        bench.sign(signed, "primary", "ciso", PIN)
    assert raised.value.code == "approval.replay"


def test_an_assertion_for_another_challenge_does_not_verify(bench: Bench) -> None:
    """A security key answering some other request's challenge (a replayed assertion)."""
    from breakglass_gui.core.signatures import SignatureError, webauthn

    key = bench.desk.keys()["ciso"]
    first, second = bench.request(), bench.request()
    assertion = bench.device.get_assertion(
        rp_id=RP, challenge=first.challenge, credential_id=key.credential_id, pin=Secret(PIN)
    )
    with pytest.raises(SignatureError, match="another request"):
        webauthn.verify(
            assertion,
            public_key=key.public_key,
            credential_id=key.credential_id,
            rp_id=RP,
            challenge=second.challenge,
        )


# ----- the common rules ------------------------------------------------------------------------


def test_an_expired_request_text_is_refused(bench: Bench) -> None:
    signed = bench.request()
    signature = ssh_sign(bench.key, signed.text)
    bench.clock.advance(30 * 60 + 1)
    with pytest.raises(ApprovalError) as raised:
        bench.sign(signed, "secondary", "cfo", signature)
    assert raised.value.code == "approval.expired"


def test_a_method_the_config_does_not_list_is_refused(tmp_path: Path) -> None:
    bench = Bench(tmp_path, methods=["ssh"])
    with pytest.raises(ApprovalError) as raised:
        bench.sign(bench.request(), "primary", "ciso", PIN)
    assert raised.value.code == "approval.method_refused"


def test_totp_is_never_a_default() -> None:
    data = config_data()
    del data["approvals"]
    assert registry.approval_methods(parse_config(data)) == ("ssh", "fido2")


# ----- enrolment -------------------------------------------------------------------------------


def test_only_public_keys_are_enrolled_and_the_registry_is_in_the_chain(bench: Bench) -> None:
    keys = bench.desk.keys()
    assert keys["cfo"].public_key.startswith("ssh-ed25519 ")
    assert keys["ciso"].method == "fido2" and keys["ciso"].credential_id
    assert "PRIVATE" not in bench.key.with_suffix(".pub").read_text()
    assert bench.journal.verify().ok


def test_one_key_cannot_be_enrolled_for_two_people(bench: Bench) -> None:
    enrol = KeyEnrolment(bench.journal, rp_id=RP)
    with pytest.raises(EnrolmentError, match="one key, one person"):
        enrol.ssh_key(bench.approver("ciso"), bench.key.with_suffix(".pub").read_text())


def test_the_drills_public_keys_cannot_be_enrolled_for_real(bench: Bench) -> None:
    enrol = KeyEnrolment(bench.journal, rp_id=RP, refused_fingerprints=drill_fingerprints())
    with pytest.raises(EnrolmentError, match="belongs to the drill"):
        enrol.ssh_key(bench.approver("cfo"), ssh_signer("drill-cfo").public_key)


def test_the_drill_signer_writes_what_ssh_keygen_verifies(tmp_path: Path) -> None:
    """drill/ssh_signer.py against the real `ssh-keygen -Y verify`."""
    signer = ssh_signer("drill-cfo")
    text = "Break Glass approval request\nanything\n"
    (tmp_path / "msg.sig").write_text(signer.sign(text) + "\n")
    allowed = tmp_path / "allowed"
    key = " ".join(signer.public_key.split()[:2])
    allowed.write_text(f'cfo namespaces="{NAMESPACE}" {key}\n')
    command = ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", "cfo", "-n", NAMESPACE]
    verified = subprocess.run(
        [*command, "-s", str(tmp_path / "msg.sig")],
        input=text.encode(),
        capture_output=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr


def test_attack_a_a_keyring_code_is_no_approval_unless_the_config_lists_totp(
    bench: Bench,
) -> None:
    """Issue 18 (a): the operator reads an approver's TOTP secret from their own keyring and
    types the code. Without `totp` in approvals.methods the code is refused, whatever it is."""
    bench.journal.append(None, "approver.removed", {"approver": "cfo", "role": "secondary"})
    desk = bench.make_desk()
    assert desk.method_of("cfo") is None  # no key enrolled: only `totp` would be left
    with pytest.raises(ApprovalError) as raised:
        desk.sign(
            bench.request(), REQUEST.incident_id, "jdoe", "secondary", "cfo", Secret("123456"), None
        )
    assert raised.value.code == "approval.method_refused"


def test_attack_a_codes_cannot_even_be_enrolled_by_default(bench: Bench) -> None:
    from breakglass_gui.core.enrolment import Enrolment

    enrolment = Enrolment(MemoryStore(), "Test Corp", bench.journal, accepted=False)
    with pytest.raises(EnrolmentError) as raised:
        enrolment.start(bench.approver("cfo"))
    assert raised.value.code == "enrolment.method_refused"
