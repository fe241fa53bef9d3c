# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A nameserver that is dead to its clients but counts what they send.

    python3 silent_server.py LISTEN_ADDRESS COUNT_FILE READY_FILE

Binds UDP on a free port of LISTEN_ADDRESS, writes ``ADDR:PORT`` to
READY_FILE, and then reads DNS queries forever, answering none: each one
adds a line (its query id and question type) to COUNT_FILE. Ends on SIGTERM.
"""

from __future__ import annotations

import signal
import socket
import struct
import sys


def question_type(packet: bytes) -> int:
    """The QTYPE of the first question (after the 12-byte header and the name's labels)."""
    offset = 12
    while offset < len(packet) and packet[offset]:
        offset += packet[offset] + 1
    return struct.unpack("!H", packet[offset + 1 : offset + 3])[0] if offset + 3 <= len(packet) else 0


def main(listen: str, count_file: str, ready_file: str) -> int:
    signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(0))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((listen, 0))
        with open(ready_file, "w") as handle:
            handle.write("%s:%d\n" % sock.getsockname())
        while True:
            packet, _peer = sock.recvfrom(65535)
            with open(count_file, "a") as handle:
                handle.write("%d %d\n" % (struct.unpack("!H", packet[:2])[0], question_type(packet)))


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
