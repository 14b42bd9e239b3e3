"""The suite never leaves this machine: the reference cases name the real sites only as
page addresses, and every in-process connection is refused unless it is to loopback."""

from __future__ import annotations

import socket

import pytest


def test_a_connection_off_this_machine_is_refused():
    with socket.socket() as s, pytest.raises(OSError, match="loopback"):
        s.connect(("192.0.2.1", 80))       # TEST-NET-1: no test may reach it
