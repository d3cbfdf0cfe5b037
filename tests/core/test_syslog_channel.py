"""The syslog channel, against a real Unix datagram socket standing in for /dev/log."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from breakglass_gui.core.incident import State
from breakglass_gui.core.notifications.syslog import MAX_DATAGRAM, SyslogChannel
from tests.fakes.clock import ManualClock
from tests.fakes.world import World

# RFC 5424 §6: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD SP MSG
HEADER = re.compile(
    r"^<(?P<pri>\d{1,3})>1 (?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (?P<host>\S{1,48}) "
    r"breakglass-gui (?P<pid>\d+) (?P<msgid>\S{1,32}) - (?P<msg>\{.*\})$"
)


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "log")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(5)
    yield sock, path
    sock.close()


def test_a_notice_is_one_rfc5424_datagram_with_json(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    channel = SyslogChannel(path, ManualClock(1_780_000_000.25).now)
    outcome = channel.publish(
        "Break glass ACTIVE: BG-1", {"event": "activated", "incident": "BG-1", "x": "a\nb"}
    )
    assert outcome == {"sent": True, "message_id": "", "attempts": 1}
    line = sock.recv(65536).decode("utf-8")
    match = HEADER.match(line)
    assert match, line
    assert int(match["pri"]) == 4 * 8 + 4  # facility auth, severity warning for an activation
    assert match["ts"] == "2026-05-28T20:26:40.250000Z"
    assert match["msgid"] == "activated"
    body = json.loads(match["msg"])
    assert body["subject"] == "Break glass ACTIVE: BG-1" and body["x"] == "a\nb"
    assert "\n" not in line


def test_other_events_are_notices_and_long_ones_are_cut(
    listener: tuple[socket.socket, str],
) -> None:
    sock, path = listener
    channel = SyslogChannel(path, ManualClock(0).now)
    channel.publish("s", {"event": "revoked", "pad": "x" * 20_000})
    data = sock.recv(65536)
    assert data.startswith(b"<37>1 ")  # 4 * 8 + 5: notice
    assert len(data) == MAX_DATAGRAM


def test_no_socket_is_an_outcome_not_an_exception(tmp_path: Path) -> None:
    channel = SyslogChannel(str(tmp_path / "absent"), ManualClock(0).now)
    outcome = channel.publish("s", {"event": "session"})
    assert outcome["sent"] is False and "syslog socket" in outcome["error"]
    assert channel.degraded


def test_an_incident_notifies_on_both_channels_and_journals_each(
    listener: tuple[socket.socket, str], make_world: Callable[..., World]
) -> None:
    sock, path = listener
    world = make_world(notifications__channels=["sns", "syslog"], notifications__syslog_socket=path)
    proc = world.drive(world.declare(), State.ACTIVE)
    match = HEADER.match(sock.recv(65536).decode())
    assert match
    body = json.loads(match["msg"])
    assert body["event"] == "activated" and body["incident"] == proc.id
    assert body["drill"] is False
    # A checkpoint held off the workstation: the journal's entry at that seq has that hash.
    (checkpoint,) = [e for e in world.journal.entries() if e.seq == body["journal_seq"]]
    assert checkpoint.hash == body["journal_chain_hash"]
    sent = [e.payload for e in world.journal.entries(proc.id) if e.kind == "notification.sent"]
    assert {(p["event"], p["channel"]) for p in sent} == {
        ("activated", "sns"),
        ("activated", "syslog"),
    }
