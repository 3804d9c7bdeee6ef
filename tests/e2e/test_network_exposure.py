"""What the embedded profile exposes: the action server only on loopback.

An action server trusts the conversation Rasa posts to it; anyone on the clinic's network who
could reach it could post a made-up conversation and skip the per-conversation look-up limit.
"""

from __future__ import annotations

import socket
from pathlib import Path

LISTEN = "0A"  # the TCP state "listening" in /proc/net/tcp
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - bound only by the reader's own check


def _address(hex_address: str, family: socket.AddressFamily) -> str:
    raw = bytes.fromhex(hex_address)
    # /proc/net/tcp{,6} prints each 32-bit word in the host's (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return socket.inet_ntop(family, words)


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (Linux's /proc/net/tcp)."""
    found: set[str] = set()
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == LISTEN and int(hex_port, 16) == port:
                found.add(_address(address, family))
    return found


def test_the_listening_table_reader_sees_a_socket_on_every_interface():
    with socket.socket() as sock:
        sock.bind((EVERY_INTERFACE, 0))
        sock.listen()
        assert listening_addresses(sock.getsockname()[1]) == {EVERY_INTERFACE}


def test_the_action_server_listens_on_loopback_only(stack, stack_settings):
    assert listening_addresses(stack_settings.action_port) == {"127.0.0.1"}
