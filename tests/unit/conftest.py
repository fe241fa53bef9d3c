# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A scripted DNS for the unit tests: nameservers, the system resolver and the clock.

Module and module_utils tests run without ansible-core's controller code, so
this file uses only the standard library, dnspython, pytest and hypothesis.
"""

from __future__ import annotations

import socket

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.rrset
import pytest
from hypothesis import settings

from ansible_collections.peerage.peerage.plugins.module_utils.providers import dns as via_dns

# Property tests: no example database left in the checkout, and no per-example time limit,
# which a loaded two-core machine would turn into failures that say nothing about the code.
settings.register_profile("peerage", database=None, deadline=None)
settings.load_profile("peerage")

SERVER = ("10.0.0.53", 53)

# What a test notes of each deprecation warning ansible-core's display is asked for.
DEPRECATION = "ansible-core deprecation warning"


@pytest.fixture(autouse=True)
def record_deprecations(monkeypatch, request):
    """Note every deprecation warning ansible-core's display is asked for during a test.

    ansible-test turns the warnings off for the tests it runs; the notes
    travel with the test's report (also from pytest-xdist's workers) and are
    printed after the run (pytest_terminal_summary), where
    ``PEERAGE_DEPRECATIONS=error scripts/test`` finds them. Module tests may
    run where the controller code is missing: then there is nothing to note.
    """
    try:
        from ansible.utils.display import Display
    except ImportError:
        return
    # ansible-core 2.19 and later send core's own deprecations past Display.deprecated.
    sink = "_deprecated_with_plugin_info" if hasattr(Display, "_deprecated_with_plugin_info") else "deprecated"
    original = getattr(Display, sink)

    def deprecated(self, *args, **kwargs):
        request.node.user_properties.append((DEPRECATION, kwargs.get("msg", args[0] if args else "")))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Display, sink, deprecated)


def pytest_terminal_summary(terminalreporter):
    seen = set()
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, message in getattr(report, "user_properties", ()):
                if name == DEPRECATION and (report.nodeid, message) not in seen:
                    seen.add((report.nodeid, message))
                    terminalreporter.write_line("[DEPRECATION WARNING]: %s: %s" % (report.nodeid, message))


def absolute(name):
    return dns.name.from_text(name).to_text()


def make_rrsets(lines):
    """Build RRsets from ``"name TYPE rdata"`` lines; lines of one name and type form one RRset."""
    grouped = {}
    for line in lines:
        name, rdtype, rdata = line.split(None, 2)
        grouped.setdefault((absolute(name), rdtype.upper()), []).append(rdata)
    return [dns.rrset.from_text(name, 60, "IN", rdtype, *rdatas) for (name, rdtype), rdatas in grouped.items()]


class FakeClock:
    """Stands in for ``time`` in the dns provider: time passes only when a scripted query times out."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


class FakeSystemResolver:
    """Stands in for dnspython's Resolver, which would read the machine's /etc/resolv.conf."""

    def __init__(self):
        self.nameservers = ["10.0.0.53"]
        self.port = 53
        self.search = []  # type: list
        self.ndots = None


class FakeDns:
    """Answers queries from a script, per (server, name, type), and records every query.

    Each (server, name, type) has a list of outcomes used in order; the last
    one repeats. A query nobody scripted fails the test.
    """

    def __init__(self):
        self.clock = FakeClock()
        self.script = {}
        self.queries = []
        self.system = {}
        self.system_queries = []
        self.timeouts = []
        self.tcp_queries = []
        self.tcp_answers = {}

    def _add(self, server, name, rdtype, *outcomes):
        self.script.setdefault((tuple(server), absolute(name), rdtype), []).extend(outcomes)

    def reply(self, name, rdtype, answer=(), additional=(), rcode="NOERROR", server=SERVER, tcp=False):
        outcome = ("reply", make_rrsets(answer), make_rrsets(additional), dns.rcode.from_text(rcode), tcp)
        self._add(server, name, rdtype, outcome)

    def timeout(self, name, rdtype, server=SERVER, times=1):
        self._add(server, name, rdtype, *[("timeout",)] * times)

    def error(self, name, rdtype, exc, server=SERVER):
        self._add(server, name, rdtype, ("raise", exc))

    def asked(self, server=None):
        """The queries sent to ``server`` as ``(name, type)``; with no server, all as ``(name, type, server)``."""
        if server is None:
            return [(name, rdtype, srv) for srv, name, rdtype in self.queries]
        return [(name, rdtype) for srv, name, rdtype in self.queries if srv == tuple(server)]

    def truncated_then(self, name, rdtype, tcp, server=SERVER):
        """A truncated UDP answer, then over TCP ``tcp``: an exception to raise, or answer lines."""
        if isinstance(tcp, BaseException):
            self._add(server, name, rdtype, ("reply", [], [], dns.rcode.NOERROR, tcp))
        else:
            self.reply(name, rdtype, tcp, server=server, tcp=True)

    def udp(self, query, where, timeout=None, port=53, raise_on_truncation=False, **_kwargs):
        question = query.question[0]
        key = ((where, port), question.name.to_text(), dns.rdatatype.to_text(question.rdtype))
        self.queries.append(key)
        self.timeouts.append(timeout)
        outcomes = self.script.get(key)
        if not outcomes:
            raise AssertionError("unexpected DNS query %r" % (key,))
        outcome = outcomes.pop(0) if len(outcomes) > 1 else outcomes[0]
        if outcome[0] == "timeout":
            self.clock.now += timeout
            raise dns.exception.Timeout(timeout=timeout)
        if outcome[0] == "raise":
            raise outcome[1]
        _kind, answer, additional, rcode, tcp = outcome
        response = dns.message.make_response(query)
        response.set_rcode(rcode)
        response.answer.extend(answer)
        response.additional.extend(additional)
        if tcp is not False:
            assert raise_on_truncation, "a truncated answer must be seen as such"
            self.tcp_answers[id(query)] = (tcp, response)
            response.flags |= dns.flags.TC
            raise dns.message.Truncated(message=response)
        return response

    def tcp(self, query, where, timeout=None, port=53, **_kwargs):
        # TCP is asked only the question whose UDP answer was truncated.
        outcome, response = self.tcp_answers.pop(id(query))
        self.tcp_queries.append(((where, port), query.question[0].name.to_text()))
        if isinstance(outcome, BaseException):
            raise outcome
        return response

    def host(self, name, *addresses):
        """Let the system resolver know ``name`` (as /etc/hosts would)."""
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            self.system.setdefault((name, family), []).append(address)

    def host_error(self, name, family, code):
        self.system[(name, family)] = code

    def getaddrinfo(self, host, port, family=0, socktype=0, proto=0, flags=0):
        self.system_queries.append((host, family))
        result = self.system.get((host, family))
        if result is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if isinstance(result, int):
            raise socket.gaierror(result, "scripted failure %d" % result)
        # Repeated entries, as getaddrinfo gives one per socket type when no type is asked.
        return [
            (family, socktype, 6, "", (address, 0) if family == socket.AF_INET else (address, 0, 0, 0))
            for address in result + result
        ]


@pytest.fixture
def fake_dns(monkeypatch):
    """Route every DNS question of the dns provider to a :class:`FakeDns`."""
    fake = FakeDns()
    monkeypatch.setattr(dns.query, "udp", fake.udp)
    monkeypatch.setattr(
        via_dns,
        "udp_query",
        lambda query, server, timeout, _discarded: fake.udp(
            query, server[0], timeout=timeout, port=server[1], raise_on_truncation=True
        ),
    )
    monkeypatch.setattr(dns.query, "tcp", fake.tcp)
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    monkeypatch.setattr(via_dns, "time", fake.clock)
    monkeypatch.setattr(dns.resolver, "Resolver", FakeSystemResolver)
    return fake


class Reports:
    """Collects ``report(message, verbosity)`` calls."""

    def __init__(self):
        self.calls = []

    def __call__(self, message, verbosity):
        self.calls.append((verbosity, message))

    def at(self, verbosity):
        return [message for level, message in self.calls if level == verbosity]


@pytest.fixture
def reports():
    return Reports()


# What a module or lookup says of an error nobody foresaw, "%s" standing for the error's type and text.
UNEXPECTED_ERROR = (
    "unexpected error in peerage.peerage, its traceback is shown at -vvv"
    " (ansible-core 2.19 and later: with ANSIBLE_DISPLAY_TRACEBACK=error): %s"
)


@pytest.fixture(params=[True, False], ids=["tracebacks_on", "tracebacks_off"])
def tracebacks(request, monkeypatch):
    """Whether Ansible asked the module for tracebacks (-vvv before 2.19, ANSIBLE_DISPLAY_TRACEBACK=error after).

    Before ansible-core 2.19 a module always returns the traceback it is given
    and the controller shows it at -vvv, so both cases expect it there.
    """
    try:
        from ansible.module_utils._internal import _traceback
    except ImportError:
        return True

    monkeypatch.setattr(_traceback, "_is_traceback_enabled", lambda event: request.param)
    return request.param
