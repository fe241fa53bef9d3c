# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A real DNS server for the tests (Debian's dnsmasq), a server that never answers, and faulty servers.

Command line::

    python3 dns_server.py start     --state DIR --zone-file FILE [--listen ADDR] [--port PORT] [--name NAME]
    python3 dns_server.py blackhole --state DIR [--listen ADDR] [--port PORT] [--name NAME]
    python3 dns_server.py fault     --state DIR --mode MODE [--delay SECONDS] [--listen ADDR] [--port PORT]
                                    [--name NAME]
    python3 dns_server.py stop      --state DIR [--name NAME]

``start`` serves an RFC 1035 zone file (A, AAAA, SRV and CNAME records) with
dnsmasq on ``ADDR:PORT`` over UDP and TCP, and returns once the server
answers for the zone. Names of the zone without records get NXDOMAIN, names
outside it REFUSED. ``blackhole`` binds UDP and TCP on ``ADDR:PORT``, reads
every query and never answers. Both print ``ADDR:PORT`` (IPv6 as
``[ADDR]:PORT``); port 0 picks a free port. ``fault`` serves UDP and TCP the
way MODE says (see FAULT_MODES), for fault injection. ``stop`` ends every server
started with that state directory (or only NAME) and removes its files,
keeping the logs.

Nothing here reads or changes the machine's resolver configuration: dnsmasq
runs with its own configuration file, no upstream servers and no hosts file
but the zone's, bound only to ADDR. As a module::

    import dns_server
    address = dns_server.start_dns(state, zone_file)
    ...
    dns_server.stop(state)
"""

from __future__ import annotations

import argparse
import errno
import grp
import os
import pwd
import random
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

DEFAULT_LISTEN = "127.53.0.1"
DEFAULT_BLACKHOLE_LISTEN = "127.53.0.2"
DEFAULT_FAULT_LISTEN = "127.53.0.3"
# How a faulty server answers a query, over UDP and over TCP.
FAULT_MODES = {
    "blackhole": "reads every query and never answers",
    "truncate_close": "answers UDP with the TC bit set and no records; over TCP reads the query and closes",
    "wrong_id": "answers with NOERROR and no records, under another query id",
    "garbage": "answers with the query's id and bytes too few for a DNS message",
    "slow": "answers correctly (NOERROR, no records), DELAY seconds late",
    "servfail": "answers SERVFAIL",
    "refused": "answers REFUSED",
    "truncate_refuse": "answers UDP with the TC bit set and no records; refuses TCP connections (nothing listens)",
    "forged": "sends an answer with another query id, then one with the query's id from another port, then its own"
              " answer (FORGED_ADDRESS for A, no records for other types); over TCP its own answer",
}
# The address of the record a "forged" server answers with; the forged packets name FORGERY_ADDRESS.
FORGED_ADDRESS = "10.53.7.1"
FORGERY_ADDRESS = "10.53.66.6"
DEFAULT_SLOW_DELAY = 2.0
RCODES = {"noerror": 0, "servfail": 2, "refused": 5}
READY_TIMEOUT = 10.0
STOP_GRACE = 5.0
PORT_ATTEMPTS = 5
SUPPORTED_TYPES = ("A", "AAAA", "SRV", "CNAME")
# Only the zone's framing: dnsmasq is authoritative for its local zone by itself.
IGNORED_TYPES = ("SOA", "NS")
QTYPES = {"A": 1, "AAAA": 28, "SRV": 33, "CNAME": 5}

# What a server NAME leaves in the state directory as NAME.<kind>, besides NAME.log.
STATE_FILES = ("pid", "address", "conf", "hosts", "ready", "dnsmasq-pid")
# Processes this Python process started, so stop() can reap them.
_children = {}


class DnsServerError(Exception):
    """A server could not be started or stopped."""


# ------------------------------------------------------------------ zone


def parse_zone(path):
    """Read a zone file; return ``(origin, records)`` with absolute lowercase names, no trailing dot.

    Understands ``$ORIGIN``, ``$TTL``, ``@``, relative names, an omitted owner
    (the previous one), optional TTL and class, and ``;`` comments; one record
    per line (no parentheses).
    """
    origin = None
    zone = None
    owner = None
    records = []

    def absolute(name):
        if name == "@":
            if origin is None:
                raise DnsServerError("%s: '@' before $ORIGIN" % path)
            return origin
        if name == ".":
            return ""  # the root: an SRV target of "." says the service is not there
        if name.endswith("."):
            return name[:-1].lower()
        if origin is None:
            raise DnsServerError("%s: relative name %r before $ORIGIN" % (path, name))
        return ("%s.%s" % (name, origin)).lower()

    with open(path) as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.split(";", 1)[0].rstrip()
            if not line.strip():
                continue
            fields = line.split()
            if fields[0].upper() == "$ORIGIN":
                origin = fields[1].rstrip(".").lower()
                continue
            if fields[0].upper() == "$TTL":
                continue
            if not line[0].isspace():
                owner = absolute(fields.pop(0))
            elif owner is None:
                raise DnsServerError("%s:%d: a record without an owner" % (path, number))
            while fields and (fields[0].isdigit() or fields[0].upper() in ("IN", "CH", "HS")):
                fields.pop(0)
            if len(fields) < 2:
                raise DnsServerError("%s:%d: cannot read %r" % (path, number, raw.strip()))
            rtype, rdata = fields[0].upper(), fields[1:]
            if rtype == "SOA":
                zone = owner
            if rtype in IGNORED_TYPES:
                continue
            if rtype not in SUPPORTED_TYPES:
                raise DnsServerError("%s:%d: record type %s is not supported" % (path, number, rtype))
            if rtype == "SRV":
                priority, weight, port, target = rdata
                rdata = [priority, weight, port, absolute(target)]
            elif rtype == "CNAME":
                rdata = [absolute(rdata[0])]
            records.append((owner, rtype, rdata))
    zone = zone or origin
    if not zone:
        raise DnsServerError("%s: no SOA record and no $ORIGIN: the zone's name is unknown" % path)
    return zone, records


def dnsmasq_config(zone, records, hosts_file):
    """Return ``(config_lines, hosts_lines)`` that make dnsmasq serve the records."""
    config = [
        # The zone only: no upstream servers, no /etc/resolv.conf, no /etc/hosts.
        "no-resolv",
        "no-poll",
        "no-hosts",
        "addn-hosts=%s" % hosts_file,
        # Answer NXDOMAIN for names of the zone that have no records.
        "local=/%s/" % zone,
    ]
    hosts = []
    for owner, rtype, rdata in records:
        if rtype in ("A", "AAAA"):
            hosts.append("%s %s" % (rdata[0], owner))
        elif rtype == "SRV":
            priority, weight, port, target = rdata
            # Without a target, dnsmasq answers the SRV record with the target ".".
            config.append("srv-host=%s,%s,%s,%s,%s" % (owner, target, port, priority, weight) if target
                          else "srv-host=%s" % owner)
        elif rtype == "CNAME":
            config.append("cname=%s,%s" % (owner, rdata[0]))
    return config, hosts


# ------------------------------------------------------------ DNS probe


def build_query(name, rtype, query_id):
    header = struct.pack("!HHHHHH", query_id, 0x0100, 1, 0, 0, 0)
    labels = b"".join(struct.pack("!B", len(part)) + part.encode("ascii") for part in name.strip(".").split("."))
    return header + labels + b"\x00" + struct.pack("!HH", QTYPES[rtype], 1)


def probe(address, port, name, rtype="A", timeout=0.5):
    """Ask ``name`` over UDP; return ``(rcode, answer_count)`` or None when nothing came back."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    query_id = random.randint(0, 0xFFFF)
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(build_query(name, rtype, query_id), (address, port))
            data = sock.recv(65535)
        except OSError:
            return None
    if len(data) < 12:
        return None
    got_id, flags, _qd, answers, _ns, _ar = struct.unpack("!HHHHHH", data[:12])
    if got_id != query_id:
        return None
    return flags & 0x000F, answers


# ------------------------------------------------------------ processes


def format_address(address, port):
    return ("[%s]:%d" if ":" in address else "%s:%d") % (address, port)


def free_port(address):
    """A port free for both UDP and TCP on ``address`` right now."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    for _attempt in range(50):
        with socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.bind((address, 0))
            port = udp.getsockname()[1]
            with socket.socket(family, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((address, port))
                except OSError:
                    continue
                return port
    raise DnsServerError("no port free for both UDP and TCP on %s" % address)


def _files(state, name):
    return {kind: os.path.join(state, "%s.%s" % (name, kind)) for kind in (*STATE_FILES, "log")}


def _running(pid):
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        with open("/proc/%d/stat" % pid) as handle:
            # A zombie has exited already; its parent reaps it.
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _ours(pid, state):
    """True when ``pid`` is a process started for ``state`` (guards against a reused pid)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return os.path.abspath(state).encode() in handle.read()
    except OSError:
        return False


def _kill(pid):
    for sig, grace in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, STOP_GRACE)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not _running(pid):
            break
    child = _children.pop(pid, None)
    if child is not None:
        child.wait(timeout=STOP_GRACE)


def _log_tail(path, lines=20):
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:]).strip()
    except OSError:
        return "(no log)"


def _spawn(state, name, argv, ready, address, port, log_path):
    """Start ``argv`` in the background; return ``ADDR:PORT`` once ``ready()`` says so, else kill it and raise."""
    files = _files(state, name)
    if os.path.exists(files["pid"]):
        with open(files["pid"]) as handle:
            previous = int(handle.read().strip() or 0)
        if previous and _running(previous) and _ours(previous, state):
            raise DnsServerError("a server %r already runs for %s: stop it first" % (name, state))
    with open(log_path, "ab") as log:
        # Standard streams go to the log, so `$(dns_server.py start ...)` returns without waiting for the server.
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=True)
    _children[child.pid] = child
    with open(files["pid"], "w") as handle:
        handle.write("%d\n" % child.pid)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            _children.pop(child.pid, None)
            os.unlink(files["pid"])
            raise DnsServerError("%s exited with status %s:\n%s" % (argv[0], child.returncode, _log_tail(log_path)))
        if ready():
            text = format_address(address, port)
            with open(files["address"], "w") as handle:
                handle.write(text + "\n")
            return text
        time.sleep(0.05)
    _kill(child.pid)
    os.unlink(files["pid"])
    raise DnsServerError("%s did not answer on %s within %ss:\n%s"
                         % (argv[0], format_address(address, port), READY_TIMEOUT, _log_tail(log_path)))


def _with_port(start, address, port):
    """Run ``start(port)``; with port 0, try a few free ports in case another process takes one first."""
    if port:
        return start(port)
    for attempt in range(PORT_ATTEMPTS):
        try:
            return start(free_port(address))
        except DnsServerError as exc:
            if "Address already in use" not in str(exc) or attempt == PORT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def start_dns(state, zone_file, listen=DEFAULT_LISTEN, port=0, name="dns", log_queries=False):
    """Serve ``zone_file`` with dnsmasq on ``listen:port``; return ``ADDR:PORT`` once it answers."""
    dnsmasq = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    if not os.path.exists(dnsmasq):
        raise DnsServerError("dnsmasq is not installed (Debian package dnsmasq-base)")
    state = os.path.abspath(state)
    os.makedirs(state, exist_ok=True)
    files = _files(state, name)
    zone, records = parse_zone(zone_file)
    config, hosts = dnsmasq_config(zone, records, files["hosts"])
    with open(files["hosts"], "w") as handle:
        handle.write("\n".join(hosts) + "\n")
    # A name the server must answer with records before it counts as ready.
    check = next(((owner, rtype) for owner, rtype, _rdata in records if rtype in ("A", "AAAA")), None)

    def start(chosen_port):
        lines = config + [
            "listen-address=%s" % listen,
            # Bind only ADDR, never the wildcard address or other interfaces.
            "bind-interfaces",
            "port=%d" % chosen_port,
            # Stay as the user who started it: no switch to "nobody", who may not read the state directory.
            "user=%s" % pwd.getpwuid(os.getuid()).pw_name,
            "group=%s" % grp.getgrgid(os.getgid()).gr_name,
            "pid-file=%s" % files["dnsmasq-pid"],
            "log-facility=%s" % files["log"],
        ] + (["log-queries"] if log_queries else [])
        with open(files["conf"], "w") as handle:
            handle.write("\n".join(lines) + "\n")

        def ready():
            answer = probe(listen, chosen_port, check[0], check[1]) if check else probe(listen, chosen_port, zone, "A")
            return answer is not None and (check is None or answer[1] > 0)

        argv = [dnsmasq, "--keep-in-foreground", "--conf-file=%s" % files["conf"]]
        return _spawn(state, name, argv, ready, listen, chosen_port, files["log"])

    return _with_port(start, listen, port)


def start_blackhole(state, listen=DEFAULT_BLACKHOLE_LISTEN, port=0, name="blackhole"):
    """Start a server that reads queries on ``listen:port`` (UDP and TCP) and never answers."""
    return start_fault(state, "blackhole", listen, port, name)


def start_fault(state, mode, listen=DEFAULT_FAULT_LISTEN, port=0, name=None, delay=DEFAULT_SLOW_DELAY):
    """Start a server that answers queries on ``listen:port`` (UDP and TCP) as ``mode`` says."""
    if mode not in FAULT_MODES:
        raise DnsServerError("unknown mode %r: use one of %s" % (mode, ", ".join(sorted(FAULT_MODES))))
    state = os.path.abspath(state)
    os.makedirs(state, exist_ok=True)
    name = name or mode
    files = _files(state, name)

    def start(chosen_port):
        ready_file = files["ready"]
        if os.path.exists(ready_file):
            os.unlink(ready_file)
        argv = [sys.executable, os.path.abspath(__file__), "serve-fault", "--state", state, "--mode", mode,
                "--delay", str(delay), "--listen", listen, "--port", str(chosen_port), "--ready-file", ready_file]
        return _spawn(state, name, argv, lambda: os.path.exists(ready_file), listen, chosen_port, files["log"])

    return _with_port(start, listen, port)


def question_of(query):
    """``(query_id, flags, question_bytes)`` of a DNS query, or None when it is not one."""
    if len(query) < 12:
        return None
    query_id, flags, qdcount = struct.unpack("!HHH", query[:6])
    if qdcount != 1:
        return None
    end = 12
    while end < len(query) and query[end]:
        end += query[end] + 1
    end += 5  # the root label, type and class
    if end > len(query):
        return None
    return query_id, flags, query[12:end]


def fault_answer(mode, query):
    """The datagram a faulty server answers ``query`` with, or None for no answer."""
    parsed = question_of(query)
    if mode == "blackhole" or parsed is None:
        return None
    query_id, query_flags, question = parsed
    if mode == "garbage":
        # The query's id, then bytes too few for a DNS header.
        return struct.pack("!H", query_id) + b"\xffgarbage"[:7]
    flags = 0x8000 | (query_flags & 0x0100) | 0x0080  # QR, the query's RD, RA
    if mode in ("truncate_close", "truncate_refuse"):
        flags |= 0x0200  # TC: ask again over TCP
    flags |= RCODES.get(mode, 0)
    if mode == "wrong_id":
        query_id = (query_id + 1) & 0xFFFF
    if mode == "forged":
        return a_answer(query_id, flags, question, FORGED_ADDRESS)
    return struct.pack("!HHHHHH", query_id, flags, 1, 0, 0, 0) + question


def a_answer(query_id, flags, question, address):
    """An answer with one A record of ``address`` when the question asks for A, else with none."""
    if struct.unpack("!H", question[-4:-2])[0] != QTYPES["A"]:
        return struct.pack("!HHHHHH", query_id, flags, 1, 0, 0, 0) + question
    # The owner is a pointer to the question's name, at offset 12.
    record = struct.pack("!HHHIH", 0xC00C, QTYPES["A"], 1, 60, 4) + socket.inet_aton(address)
    return struct.pack("!HHHHHH", query_id, flags, 1, 1, 0, 0) + question + record


def forgeries(query):
    """What a forger on the path sends before the server's answer: another query id, then the right one."""
    query_id, query_flags, question = question_of(query)
    flags = 0x8000 | (query_flags & 0x0100) | 0x0080
    return [a_answer((query_id + 1) & 0xFFFF, flags, question, FORGERY_ADDRESS),
            a_answer(query_id, flags, question, FORGERY_ADDRESS)]


def _read_exactly(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _serve_tcp(conn, mode, delay):
    """One TCP connection: read a length-prefixed query, answer as ``mode`` says, close."""
    with conn:
        conn.settimeout(10)
        try:
            header = _read_exactly(conn, 2)
            query = header and _read_exactly(conn, struct.unpack("!H", header)[0])
            if not query:
                return
            if mode == "truncate_close":
                # Everything was read, so the close is a clean FIN: the client sees the stream end (EOF).
                conn.shutdown(socket.SHUT_RDWR)
                return
            if mode == "blackhole":
                # Keep the connection open and unanswered until the client gives up.
                while conn.recv(65535):
                    pass
                return
            answer = fault_answer(mode, query)
            if mode == "slow":
                time.sleep(delay)
            conn.sendall(struct.pack("!H", len(answer)) + answer)
        except OSError:
            return


def serve_fault(listen, port, ready_file, mode, delay):
    """Answer UDP datagrams and TCP streams on ``listen:port`` as ``mode`` says, until SIGTERM."""
    family = socket.AF_INET6 if ":" in listen else socket.AF_INET
    udp = socket.socket(family, socket.SOCK_DGRAM)
    tcp = socket.socket(family, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        udp.bind((listen, port))
        tcp.bind((listen, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print("Address already in use: %s" % format_address(listen, port), file=sys.stderr)
        raise
    # The forger's own socket: packets from another port than the server's.
    forger = socket.socket(family, socket.SOCK_DGRAM)
    forger.bind((listen, 0))
    signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(0))
    selector = selectors.DefaultSelector()
    selector.register(udp, selectors.EVENT_READ, "udp")
    if mode == "truncate_refuse":
        # Bound (so the port stays ours) but not listening: a TCP connection is refused.
        pass
    else:
        tcp.listen(16)
        selector.register(tcp, selectors.EVENT_READ, "listen")
    with open(ready_file, "w") as handle:
        handle.write("%d\n" % os.getpid())
    while True:
        for key, _events in selector.select():
            if key.data == "udp":
                query, client = udp.recvfrom(65535)
                answer = fault_answer(mode, query)
                print("udp query from %s: %s" % (client, "no answer" if answer is None else "answered"), flush=True)
                if answer is None:
                    continue
                if mode == "slow":
                    threading.Timer(delay, udp.sendto, (answer, client)).start()
                    continue
                if mode == "forged":
                    wrong_id, right_id = forgeries(query)
                    udp.sendto(wrong_id, client)
                    forger.sendto(right_id, client)
                udp.sendto(answer, client)
            else:
                conn, client = tcp.accept()
                print("tcp connection from %s" % (client,), flush=True)
                threading.Thread(target=_serve_tcp, args=(conn, mode, delay), daemon=True).start()


def _server_names(state):
    names = set()
    for entry in os.listdir(state):
        for kind in STATE_FILES:
            if entry.endswith("." + kind):
                names.add(entry[: -len(kind) - 1])
    return sorted(names)


def stop(state, name=None):
    """Stop the servers started for ``state`` (all, or only ``name``); remove their files but the logs."""
    state = os.path.abspath(state)
    if not os.path.isdir(state):
        return []
    stopped = []
    for server in [name] if name else _server_names(state):
        files = _files(state, server)
        try:
            with open(files["pid"]) as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            pid = None
        if pid and _running(pid) and _ours(pid, state):
            _kill(pid)
            stopped.append(server)
        for kind in STATE_FILES:
            if os.path.exists(files[kind]):
                os.unlink(files[kind])
    return stopped


# ------------------------------------------------------------------ CLI


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start_cmd = commands.add_parser("start", help="serve a zone file with dnsmasq")
    start_cmd.add_argument("--zone-file", required=True)
    start_cmd.add_argument("--listen", default=DEFAULT_LISTEN)
    start_cmd.add_argument("--name", default="dns")
    start_cmd.add_argument("--log-queries", action="store_true", help="log every query to NAME.log")
    hole_cmd = commands.add_parser("blackhole", help="a server that never answers")
    hole_cmd.add_argument("--listen", default=DEFAULT_BLACKHOLE_LISTEN)
    hole_cmd.add_argument("--name", default="blackhole")
    fault_cmd = commands.add_parser("fault", help="a server that answers wrongly: " + "; ".join(
        "%s %s" % item for item in sorted(FAULT_MODES.items())))
    fault_cmd.add_argument("--listen", default=DEFAULT_FAULT_LISTEN)
    fault_cmd.add_argument("--name", help="default: the mode")
    serve_cmd = commands.add_parser("serve-fault", help=argparse.SUPPRESS)
    serve_cmd.add_argument("--listen", required=True)
    serve_cmd.add_argument("--ready-file", required=True)
    for command in (fault_cmd, serve_cmd):
        command.add_argument("--mode", required=True, choices=sorted(FAULT_MODES))
        command.add_argument("--delay", type=float, default=DEFAULT_SLOW_DELAY, help="seconds late, for slow")
    stop_cmd = commands.add_parser("stop", help="stop the servers of a state directory")
    stop_cmd.add_argument("--name")
    for command in (start_cmd, hole_cmd, fault_cmd, serve_cmd, stop_cmd):
        command.add_argument("--state", required=True, help="directory for the servers' files")
    for command in (start_cmd, hole_cmd, fault_cmd, serve_cmd):
        command.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            print(start_dns(args.state, args.zone_file, args.listen, args.port, args.name, args.log_queries))
        elif args.command == "blackhole":
            print(start_blackhole(args.state, args.listen, args.port, args.name))
        elif args.command == "fault":
            print(start_fault(args.state, args.mode, args.listen, args.port, args.name, args.delay))
        elif args.command == "serve-fault":
            serve_fault(args.listen, args.port, args.ready_file, args.mode, args.delay)
        else:
            stop(args.state, args.name)
    except DnsServerError as exc:
        print("dns_server.py: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
