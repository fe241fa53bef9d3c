# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The ``dns`` provider: addresses of a DNS name become ``app@address`` (Peerage.Via.Dns).

Two ways to ask:

* no ``nameserver``: the system resolver (``getaddrinfo``), so ``/etc/hosts``
  and search domains apply and ``dns_name: localhost`` works anywhere (one
  node, ``nonode@127.0.0.1``: A records by default, as in Peerage, also
  where the hosts file gives localhost ``::1`` too);
* one or more ``nameserver`` entries: dnspython asks them directly, with a
  timeout and retries per server, TCP when a UDP answer is truncated, and
  CNAME chains followed.

The questions of one step (every record type of every name; then the
addresses of every SRV target) are asked at once, so a discovery costs one
round trip per step, and the whole discovery ends by ``deadline``.

The outcomes are kept apart: an answer with records, an answer without
(NXDOMAIN or no records of the type: "no peers"), and a failure (timeout,
SERVFAIL, REFUSED, a malformed answer, a closed connection, a network error
of one server, each named with its server, after which the next server is
asked) which always raises :class:`DiscoveryFailed`. Only what dnspython and
the socket layer raise is a server's failure (:data:`SERVER_ERRORS`): any
other exception is a fault of this code and propagates as it is, so that it
is reported as one, with its traceback, and never kept in the run's cache.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import select
import socket
import threading
import time

from ansible_collections.peerage.peerage.plugins.module_utils.discovery import WARNING
from ansible_collections.peerage.peerage.plugins.module_utils.errors import (
    DiscoveryFailed,
    NoPeersFound,
    OptionError,
    describe_value,
)
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import (
    classify_host,
    format_node_name,
    ip_text,
    validate_app_name,
)
from ansible_collections.peerage.peerage.plugins.module_utils.option_values import as_list, as_number, as_text
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import default_of, record

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.resolver

    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the environment
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = exc


class TcpRetryFailed(Exception):
    """A server answered over UDP with a truncated answer, and asking it again over TCP failed (``cause``)."""

    def __init__(self, cause):
        super(TcpRetryFailed, self).__init__(str(cause))
        self.cause = cause


# What asking a server can raise that is the server's or the network's doing:
# every error of dnspython (timeouts, malformed or mismatched answers, a
# truncated answer), the socket layer's (refused, unreachable, reset),
# EOFError (a TCP connection closed before the answer) and the TCP retry
# after a truncated answer failing. Anything else is a fault of this code
# and must not pass for a server failure.
SERVER_ERRORS = (
    ((dns.exception.DNSException,) if HAS_DNSPYTHON else ()) + (OSError, EOFError, TcpRetryFailed)
)  # type: tuple[type[BaseException], ...]
# What getaddrinfo raises for a name it cannot resolve: gaierror (an OSError),
# and UnicodeError for a name the IDNA codec refuses (an empty label, a label
# over 63 characters).
SYSTEM_RESOLVER_ERRORS = (OSError, UnicodeError)


DEFAULT_APP_NAME = default_of("app_name", "dns")
DEFAULT_DNS_NAMES = default_of("dns_name", "dns")
DEFAULT_RECORD_TYPES = tuple(default_of("record_types", "dns"))
RECORD_TYPES = record("record_types", "dns").choices
SRV_TARGET_MODES = record("srv_target", "dns").choices
DEFAULT_SRV_TARGET = default_of("srv_target", "dns")
DEFAULT_TIMEOUT = default_of("timeout", "dns")
DEFAULT_RETRIES = default_of("retries", "dns")
# Seconds one whole discovery may take: every name, type, server, retry, SRV target and CNAME step.
DEFAULT_DEADLINE = default_of("deadline", "dns")
MAX_CNAME_HOPS = 16
# RFC 1035: a label holds 1 to 63 octets, a name at most 253 characters in its text form (no final dot).
MAX_LABEL_LENGTH = 63
MAX_NAME_LENGTH = 253
# resolv.conf's default: a name with fewer dots is tried with the search domains first.
DEFAULT_NDOTS = 1
# Questions asked at once; more wait for a free slot.
MAX_PARALLEL_QUESTIONS = 16

_FAMILIES = {"A": socket.AF_INET, "AAAA": socket.AF_INET6}


# ---------------------------------------------------------------- options


def parse_nameserver(value):
    """Parse ``address`` or ``address:port`` (IPv6 as ``[addr]:port``) into ``(address, port)``."""
    if not isinstance(value, str) or not value.strip():
        raise OptionError(
            "invalid nameserver %r: expected 'address' or 'address:port' (IPv6 as '[addr]:port')" % (value,)
        )
    text = value.strip()
    port = 53
    if text.startswith("["):
        address, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise OptionError(
                "invalid nameserver %r: an IPv6 address in brackets may only be followed by ':port'" % value
            )
        port_text = rest[1:] if rest else None
    elif text.count(":") == 1:
        address, _sep, port_text = text.partition(":")
    else:
        address, port_text = text, None  # a bare IPv6 address or an IPv4 address
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise OptionError("invalid nameserver %r: the port must be a number from 1 to 65535" % value)
        port = int(port_text)
    try:
        canonical, kind = classify_host(address)
    except ValueError:
        kind = None
    if kind not in ("ipv4", "ipv6"):
        raise OptionError("invalid nameserver %r: the address must be an IPv4 or IPv6 address" % value)
    return canonical, port


def format_server(server):
    address, port = server
    return ("[%s]:%d" if ":" in address else "%s:%d") % (address, port)


def parse_dns_names(value):
    """The names of ``dns_name``: the default when it is not given, never when it is given empty.

    A name given empty (an unset variable templated into the option) must not
    fall back to ``localhost``, which would make the controller's loopback the
    whole cluster. Each name is checked as DNS reads it, before any question.
    """
    if value is None:
        return list(DEFAULT_DNS_NAMES)
    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if isinstance(item, str) and not item.strip():
            raise OptionError(
                "invalid dns_name %s: a DNS name is empty; give the name to ask, or leave dns_name unset for"
                " its default (%s)" % (describe_value(value), ", ".join(DEFAULT_DNS_NAMES))
            )
    names = as_list(value, "dns_name")
    if not names:
        raise OptionError(
            "invalid dns_name %s: no DNS name is given; give the name to ask, or leave dns_name unset for"
            " its default (%s)" % (describe_value(value), ", ".join(DEFAULT_DNS_NAMES))
        )
    for name in names:
        check_dns_name(name)
    return names


def check_dns_name(name):
    """Refuse a name DNS cannot ask: an empty label, a label over 63 octets, a name over 253 characters."""
    as_text(name, "dns_name")
    rule = "expected a DNS name of labels of 1 to %d characters separated by dots, at most %d characters" % (
        MAX_LABEL_LENGTH,
        MAX_NAME_LENGTH,
    )
    text = name[:-1] if name.endswith(".") else name
    if not text or len(text) > MAX_NAME_LENGTH:
        raise OptionError("invalid dns_name %s: it has %d characters; %s" % (describe_value(name), len(text), rule))
    for number, label in enumerate(text.split("."), 1):
        if not label:
            raise OptionError("invalid dns_name %s: label %d is empty; %s" % (describe_value(name), number, rule))
        try:
            length = len(label.encode("ascii") if label.isascii() else label.encode("idna"))
        except UnicodeError as exc:
            raise OptionError("invalid dns_name %s: label %d cannot be written in DNS (%s); %s"
                              % (describe_value(name), number, exc, rule))
        if length > MAX_LABEL_LENGTH:
            raise OptionError("invalid dns_name %s: label %d has %d characters; %s"
                              % (describe_value(name), number, length, rule))
    return name


def parse_record_types(value):
    types = [str(item).upper() for item in as_list(value, "record_types")] or list(DEFAULT_RECORD_TYPES)
    for item in types:
        if item not in RECORD_TYPES:
            raise OptionError(
                "invalid record type %r in record_types: allowed are %s" % (item, ", ".join(RECORD_TYPES))
            )
    # Keep the user's order but ask each type once.
    return [t for i, t in enumerate(types) if t not in types[:i]]


class DnsSettings:
    """The DNS options, checked once."""

    def __init__(self, options):
        self.app_name = validate_app_name(options.get("app_name") or DEFAULT_APP_NAME)
        self.dns_names = parse_dns_names(options.get("dns_name"))
        self.record_types = parse_record_types(options.get("record_types"))
        self.nameservers = [parse_nameserver(item) for item in as_list(options.get("nameserver"), "nameserver")]
        self.timeout = as_number(options.get("timeout"), "timeout", DEFAULT_TIMEOUT, 0.001)
        self.retries = as_number(options.get("retries"), "retries", DEFAULT_RETRIES, 0, int)
        self.deadline = as_number(options.get("deadline"), "deadline", DEFAULT_DEADLINE, 0.001)
        self.srv_target = options.get("srv_target") or DEFAULT_SRV_TARGET
        if self.srv_target not in SRV_TARGET_MODES:
            raise OptionError(
                "invalid srv_target %r: allowed are %s" % (self.srv_target, ", ".join(SRV_TARGET_MODES))
            )
        # SRV targets resolve to the address types asked for, else to A records.
        self.address_types = [t for t in self.record_types if t in _FAMILIES] or list(DEFAULT_RECORD_TYPES)

    def where(self):
        if not self.nameservers:
            return "the system resolver"
        names = ", ".join(format_server(s) for s in self.nameservers)
        return "nameserver %s" % names if len(self.nameservers) == 1 else "nameservers %s" % names


# ------------------------------------------------------------- outcomes


OUTCOME_TEXT = {"answer": "records", "nodata": "no records", "nxdomain": "NXDOMAIN", "not found": "not found"}


class Lookup:
    """What one (name, type) question came back with."""

    def __init__(self, name, rdtype, values, outcome, server=None, records=None):
        self.name = name
        self.rdtype = rdtype
        self.values = values  # addresses, or (target, port) pairs for SRV
        self.outcome = outcome  # a key of OUTCOME_TEXT
        self.server = server
        # Records in the answer, SRV targets of '.' included (they give no value).
        self.records = len(values) if records is None else records
        self.srv_name = None  # for the addresses of an SRV target: the SRV name that named it

    def describe(self):
        source = format_server(self.server) if self.server else "system resolver"
        if self.outcome == "answer":
            return "%s %s: %d record(s) from %s" % (self.name, self.rdtype, self.records, source)
        return "%s %s: %s from %s" % (self.name, self.rdtype, OUTCOME_TEXT[self.outcome], source)


# ------------------------------------------------------- system resolver


def _system_lookup(name, rdtype, clock):
    """Ask the system resolver, waiting at most ``timeout`` x (1 + ``retries``) and never past the deadline.

    getaddrinfo cannot be told a timeout: it runs in a thread of its own, and
    an answer that comes later is dropped (the thread ends when the system
    resolver gives up, by the rules of /etc/resolv.conf).
    """
    settings = clock.settings
    wait = clock.budget(settings.timeout * (settings.retries + 1), "%s %s from the system resolver" % (name, rdtype))
    outcome = {}  # type: dict

    def ask():
        try:
            outcome["infos"] = socket.getaddrinfo(name, None, _FAMILIES[rdtype], socket.SOCK_STREAM)
        except SYSTEM_RESOLVER_ERRORS as exc:  # the resolver's answer, judged below
            outcome["error"] = exc
        except Exception as exc:  # a fault of this code: raised again, as it is, in the caller's thread
            outcome["fault"] = exc

    worker = threading.Thread(target=ask, name="peerage-getaddrinfo", daemon=True)
    worker.start()
    worker.join(wait)
    if worker.is_alive():
        raise DiscoveryFailed(
            "the system resolver did not answer for %r (%s) within %.3gs" % (name, rdtype, wait), reason="timeout"
        )
    if "fault" in outcome:
        raise outcome["fault"]
    exc = outcome.get("error")
    if isinstance(exc, socket.gaierror):
        code = exc.args[0] if exc.args else None
        if code == socket.EAI_NONAME:
            # getaddrinfo says the same for "no such name" and "none of this family".
            return Lookup(name, rdtype, [], "not found")
        if code in (getattr(socket, "EAI_NODATA", None), getattr(socket, "EAI_ADDRFAMILY", None)):
            return Lookup(name, rdtype, [], "nodata")
        if code == socket.EAI_AGAIN:
            raise DiscoveryFailed(
                "the system resolver could not resolve %r (%s): temporary failure (%s)" % (name, rdtype, exc.args[-1]),
                reason="timeout",
            )
        raise DiscoveryFailed(
            "the system resolver failed for %r (%s): %s" % (name, rdtype, exc.args[-1]), reason="failed"
        )
    if exc is not None:
        raise DiscoveryFailed(
            "the system resolver failed for %r (%s): %s" % (name, rdtype, describe_error(exc)), reason="failed"
        )
    addresses = []
    for info in outcome["infos"]:
        address = info[4][0]
        if address not in addresses:
            addresses.append(address)
    return Lookup(name, rdtype, addresses, "answer" if addresses else "nodata")


# ------------------------------------------------------ direct questions


def describe_error(exc):
    """Say what went wrong with one server, in words, for a failure message."""
    if isinstance(exc, TcpRetryFailed):
        cause = exc.cause
        if isinstance(cause, EOFError):
            return "closed the TCP connection before answering (after a truncated UDP answer)"
        if isinstance(cause, ConnectionRefusedError):
            # The server answered over UDP: what refused is TCP, which a firewall that passes only UDP port 53 does.
            return ("answered over UDP with a truncated answer, but the TCP retry was refused"
                    " (is TCP to that port blocked, by a firewall that lets only UDP through?)")
        return "answered over UDP with a truncated answer, but the TCP retry failed: %s" % describe_error(cause)
    if isinstance(exc, EOFError):
        return "closed the TCP connection before answering"
    if isinstance(exc, ConnectionRefusedError):
        return "refused the connection (nothing listens there)"
    if HAS_DNSPYTHON:
        if isinstance(exc, dns.query.BadResponse):
            return "answered with a response to another query (wrong query id or question)"
        if isinstance(exc, dns.query.UnexpectedSource):
            return "an answer came from another address"
        if isinstance(exc, dns.exception.FormError):
            return "sent a malformed answer (%s)" % (exc,)
    if isinstance(exc, OSError) and exc.strerror:
        return "network error: %s" % exc.strerror
    return "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__


class Deadline:
    """The one time limit of a whole discovery, shared by every question of it."""

    def __init__(self, settings):
        self.settings = settings
        self.ends = time.monotonic() + settings.deadline

    def budget(self, wanted, what):
        """``wanted`` seconds, or what is left of the deadline; raise once nothing is left."""
        left = self.ends - time.monotonic()
        if left <= 0:
            raise DiscoveryFailed(
                "DNS discovery passed its deadline of %ss before %s" % (self.settings.deadline, what),
                reason="deadline",
            )
        return min(wanted, left)


def in_parallel(calls):
    """Run each call in a thread of its own (at most MAX_PARALLEL_QUESTIONS at once); return their results in order.

    Every call bounds its own time (timeouts, the deadline). The first error,
    in the order of ``calls``, is raised once all have ended.
    """
    if len(calls) <= 1:
        return [call() for call in calls]
    results = [None] * len(calls)  # type: list
    errors = [None] * len(calls)  # type: list
    slots = threading.BoundedSemaphore(MAX_PARALLEL_QUESTIONS)

    def work(index, call):
        with slots:
            try:
                results[index] = call()
            except Exception as exc:  # raised in the caller's thread below
                errors[index] = exc

    # Daemon threads: a stuck system resolver must not keep the process alive.
    threads = [threading.Thread(target=work, args=item, name="peerage-dns", daemon=True) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return results


def _same_endpoint(source, address, port):
    """True when a datagram's ``source`` (from recvfrom) is ``address:port``."""
    try:
        return source[1] == port and ipaddress.ip_address(source[0]) == ipaddress.ip_address(address)
    except (ValueError, IndexError, TypeError):
        return False


def udp_query(query, server, timeout, discarded):
    """Ask ``query`` of ``server`` over UDP; return the answer to it, ignoring any other datagram.

    A datagram from another address or port, with another query id, or
    answering another question may be forged by anyone who can reach the
    port: it is noted in ``discarded`` and the wait goes on, within
    ``timeout``, for the server's own answer (as dnspython's
    ``ignore_unexpected`` does). A truncated answer raises
    ``dns.message.Truncated``; no answer in time ``dns.exception.Timeout``; an
    answer from the server, to this query id, that cannot be read is the
    server's failure and raises what dnspython raised.
    """
    address, port = server
    wire = query.to_wire()
    expiration = time.monotonic() + timeout
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.sendto(wire, (address, port))
        while True:
            left = expiration - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                raise dns.exception.Timeout(timeout=timeout)
            try:
                data, source = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                continue
            if not _same_endpoint(source, address, port):
                discarded.append("from %s" % format_server((source[0], source[1])))
                continue
            if data[:2] != wire[:2]:
                discarded.append("with another query id")
                continue
            try:
                response = dns.message.from_wire(data, raise_on_truncation=True)
            except dns.message.Truncated as exc:
                if not query.is_response(exc.message()):
                    discarded.append("answering another question")
                    continue
                raise
            if not query.is_response(response):
                discarded.append("answering another question")
                continue
            return response


def describe_discarded(discarded):
    """``3 unexpected packets discarded (2 with another query id, 1 from 127.0.0.9:53)``, or ``""``."""
    if not discarded:
        return ""
    kinds = []
    for kind in discarded:
        if kind not in kinds:
            kinds.append(kind)
    return "%d unexpected packet%s discarded (%s)" % (
        len(discarded),
        "" if len(discarded) == 1 else "s",
        ", ".join("%d %s" % (discarded.count(kind), kind) for kind in kinds),
    )


class DirectResolver:
    """Ask the configured nameservers, in order, with retries and TCP fallback, within the deadline."""

    def __init__(self, settings, servers, report=None, clock=None):
        self.settings = settings
        self.servers = servers
        self.report = report
        self.clock = clock or Deadline(settings)

    def _say(self, message):
        if self.report:
            self.report(message, 3)

    def _exchange(self, query, server, timeout, what, discarded):
        """One question to one server: UDP, then TCP when the answer was truncated. Returns ``(response, tcp)``."""
        try:
            return udp_query(query, server, timeout, discarded), False
        except dns.message.Truncated:
            timeout = self.clock.budget(self.settings.timeout, what + " over TCP")
        try:
            return dns.query.tcp(query, server[0], timeout=timeout, port=server[1]), True
        except dns.exception.Timeout:
            raise
        except SERVER_ERRORS as exc:  # the server did answer over UDP: say that the TCP retry failed
            raise TcpRetryFailed(exc)

    def ask(self, name, rdtype):
        """Return ``(response, server)`` from the first server that answers NOERROR or NXDOMAIN.

        Whatever goes wrong with one server (no answer, a failure code, a
        malformed or mismatched answer, a closed connection, a network error:
        :data:`SERVER_ERRORS`) is that server's failure: it is noted with the
        server's address, and the next server is asked. Any other exception
        is a fault of this code and propagates.
        """
        query_name = dns.name.from_text(name)
        failures = []
        try:
            for server in self.servers:
                failures.append(self._ask_server(query_name, name, rdtype, server))
                if failures[-1][0] == "answer":
                    return failures[-1][2], server
        except DiscoveryFailed as exc:
            if exc.reason != "deadline":
                raise
            done = "; ".join("%s %s" % (format_server(server), text) for _kind, server, text in failures)
            raise DiscoveryFailed("%s%s" % (exc, " (%s)" % done if done else ""), reason="deadline")
        reasons = sorted({kind for kind, _server, _text in failures})
        detail = "; ".join("%s %s" % (format_server(server), text) for _kind, server, text in failures)
        raise DiscoveryFailed(
            "DNS lookup of %r (%s) failed: %s" % (name, rdtype, detail),
            reason=reasons[0] if len(reasons) == 1 else "failed",
        )

    def _ask_server(self, query_name, name, rdtype, server):
        """Ask one server, with retries; return ``("answer", server, response)`` or ``(kind, server, text)``."""
        where = format_server(server)
        what = "asking %s for %s %s" % (where, name, rdtype)
        tries = self.settings.retries + 1
        waited = 0.0
        discarded = []  # type: list
        for attempt in range(1, tries + 1):
            timeout = self.clock.budget(self.settings.timeout, what)
            query = dns.message.make_query(query_name, rdtype, use_edns=0, payload=1232)
            started = time.monotonic()
            seen = len(discarded)
            try:
                response, used_tcp = self._exchange(query, server, timeout, what, discarded)
            except dns.exception.Timeout:
                waited += time.monotonic() - started
                self._say("dns: %s %s at %s: no answer within %.3gs (try %d of %d)"
                          % (name, rdtype, where, timeout, attempt, tries))
                continue
            except SERVER_ERRORS as exc:  # this server's failure: name it and ask the next
                self._say("dns: %s %s at %s: %s" % (name, rdtype, where, describe_error(exc)))
                return ("error", server, describe_error(exc))
            finally:
                if len(discarded) > seen:
                    self._say("dns: %s %s at %s: %s" % (name, rdtype, where, describe_discarded(discarded[seen:])))
            rcode = response.rcode()
            self._say("dns: %s %s at %s: %s, %d answer RRset(s)%s"
                      % (name, rdtype, where, dns.rcode.to_text(rcode),
                         len(response.answer), " over TCP after a truncated UDP answer" if used_tcp else ""))
            if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                return ("answer", server, response)
            return (dns.rcode.to_text(rcode).lower(), server, "answered %s" % dns.rcode.to_text(rcode))
        return ("timeout", server, "no answer in %d %s of %ss (%.1fs waited%s)"
                % (tries, "try" if tries == 1 else "tries", self.settings.timeout, waited,
                   "; " + describe_discarded(discarded) if discarded else ""))

    def lookup(self, name, rdtype):
        """Follow CNAMEs from ``name`` and collect the records of ``rdtype``."""
        wanted = dns.rdatatype.from_text(rdtype)
        current = dns.name.from_text(name)
        response, server = self.ask(name, rdtype)
        # One step per CNAME, and one more to read the records at the end of the chain.
        for _hop in range(MAX_CNAME_HOPS + 1):
            if response.rcode() == dns.rcode.NXDOMAIN:
                return Lookup(name, rdtype, [], "nxdomain", server), response
            records = _find(response.answer, current, wanted)
            if records is not None:
                return Lookup(name, rdtype, _rdata_values(records, rdtype), "answer", server, len(records)), response
            alias = _find(response.answer, current, dns.rdatatype.CNAME)
            if alias is None:
                return Lookup(name, rdtype, [], "nodata", server), response
            current = alias[0].target
            if _find(response.answer, current, wanted) is None and _find(
                response.answer, current, dns.rdatatype.CNAME
            ) is None:
                # The server gave only part of the chain: ask for the next link.
                response, server = self.ask(current.to_text(), rdtype)
        raise DiscoveryFailed(
            "DNS lookup of %r (%s) failed: more than %d CNAMEs in a chain" % (name, rdtype, MAX_CNAME_HOPS),
            reason="cname_loop",
        )


def _find(rrsets, name, rdtype):
    for rrset in rrsets:
        if rrset.name == name and rrset.rdtype == rdtype:
            return rrset
    return None


def _rdata_values(rrset, rdtype):
    if rdtype == "SRV":
        # A target of "." means the service is not available there (RFC 2782).
        return [(r.target.to_text(omit_final_dot=True), r.port) for r in rrset if r.target != dns.name.root]
    return [record.address for record in rrset]


# ---------------------------------------------------------------- poll


class SystemConfiguration:
    """What /etc/resolv.conf says: its nameservers, search domains and ``ndots``."""

    def __init__(self, servers, search, ndots):
        self.servers = servers
        self.search = search
        self.ndots = ndots


def _system_configuration():
    """The nameservers of /etc/resolv.conf, for SRV questions, which getaddrinfo cannot ask, and its search rules."""
    try:
        system = dns.resolver.Resolver()
    except dns.resolver.NoResolverConfiguration as exc:
        raise DiscoveryFailed(
            "SRV records need a nameserver: none is given in the nameserver option and the system has none"
            " (%s)" % (exc,),
            reason="no_nameserver",
        )
    except (dns.exception.DNSException, OSError, ValueError) as exc:  # an unreadable or malformed resolv.conf
        raise DiscoveryFailed(
            "SRV records need a nameserver: none is given in the nameserver option and the system's could not"
            " be read: %s" % describe_error(exc),
            reason="no_nameserver",
        )
    search = [domain.to_text(omit_final_dot=True) for domain in (getattr(system, "search", None) or [])]
    ndots = getattr(system, "ndots", None)
    return SystemConfiguration(
        [(address, system.port) for address in system.nameservers],
        [domain for domain in search if domain],
        DEFAULT_NDOTS if ndots is None else ndots,
    )


def search_names(name, search, ndots):
    """The names the system resolver asks for ``name``, in its order (resolv.conf's ``search`` and ``ndots``).

    A name ending in a dot is asked as it is. One with fewer than ``ndots``
    dots is tried with each search domain first, then as it is; one with
    more is tried as it is first: what glibc's resolver does for A and AAAA.
    """
    if name.endswith("."):
        return [name]
    qualified = ["%s.%s" % (name, domain) for domain in search]
    if name.count(".") >= ndots:
        return [name, *qualified]
    return [*qualified, name]


def usable_address(address):
    """``(address, None)`` with an IPv4-mapped IPv6 address as its IPv4 address, or ``(None, why)`` for one no node has.

    Unspecified (``0.0.0.0``, ``::``), broadcast (``255.255.255.255``) and
    multicast addresses are what DNS filters and sinkholes answer for names
    they block, and never a node's address. Loopback is kept: it is
    ``localhost``'s, the documented default name.
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address, None  # not an address: a hostname, checked as a node name later
    mapped = getattr(parsed, "ipv4_mapped", None)
    if mapped is not None:
        parsed = mapped
    if parsed.is_unspecified:
        return None, "an unspecified address"
    if parsed.version == 4 and parsed == ipaddress.IPv4Address("255.255.255.255"):
        return None, "the broadcast address"
    if parsed.is_multicast:
        return None, "a multicast address"
    return ip_text(parsed), None


def resolve(options, report=None):
    """Ask every question; return ``(node_names, lookups)``.

    ``lookups`` lists what each question came back with, for logging and
    for the "no peers" message.
    """
    settings = DnsSettings(options)
    if settings.nameservers and not HAS_DNSPYTHON:
        raise DiscoveryFailed(
            "the dns provider needs the Python library dnspython to ask a nameserver directly: %s"
            % DNSPYTHON_IMPORT_ERROR,
            reason="missing_library",
        )
    if not settings.nameservers and "SRV" in settings.record_types and not HAS_DNSPYTHON:
        raise DiscoveryFailed("SRV records need the Python library dnspython: %s" % DNSPYTHON_IMPORT_ERROR,
                              reason="missing_library")
    system = None
    if not settings.nameservers and "SRV" in settings.record_types:
        system = _system_configuration()
    servers = settings.nameservers or (system.servers if system else [])
    # Without nameservers, addresses come from getaddrinfo; SRV from the system's nameservers.
    direct = DirectResolver(settings, servers, report)
    use_system_for_addresses = not settings.nameservers

    def addresses_of(name, rdtype, response=None, server=None):
        if response is not None and not use_system_for_addresses:
            extra = _find(response.additional, dns.name.from_text(name), dns.rdatatype.from_text(rdtype))
            if extra is not None:
                return Lookup(name, rdtype, _rdata_values(extra, rdtype), "answer", server)
        if use_system_for_addresses:
            return _system_lookup(name, rdtype, direct.clock)
        return direct.lookup(name, rdtype)[0]

    def srv_through_the_system(name, system):
        """SRV as the system resolver would ask it: each name of the search list in turn, the first with records."""
        found = []
        for candidate in search_names(name, system.search, system.ndots):
            lookup, response = direct.lookup(candidate, "SRV")
            if lookup.outcome == "answer":
                return lookup, response
            found.append(lookup)
        # Like glibc: "no records" when any name had none, NXDOMAIN when none exists.
        outcome = "nodata" if any(item.outcome == "nodata" for item in found) else "nxdomain"
        return Lookup(name, "SRV", [], outcome, found[-1].server), None

    def question(name, rdtype):
        if rdtype == "SRV":
            return srv_through_the_system(name, system) if system else direct.lookup(name, "SRV")
        return addresses_of(name, rdtype), None

    # Step one: every type of every name at once. Step two: the addresses of every SRV target at once.
    first = in_parallel([
        (lambda name=name, rdtype=rdtype: question(name, rdtype))
        for name in settings.dns_names for rdtype in settings.record_types
    ])
    lookups = [lookup for lookup, _response in first]
    hosts = []  # type: list  # (host, the lookup that gave it)
    targets = []  # type: list
    for lookup, response in first:
        if lookup.rdtype != "SRV":
            hosts.extend((value, lookup) for value in lookup.values)
            continue
        for target, _port in lookup.values:
            if settings.srv_target == "hostname":
                hosts.append((target, lookup))
                continue
            targets.extend((target, address_type, response, lookup.server, lookup.name)
                           for address_type in settings.address_types)
    second = in_parallel([(lambda args=args: addresses_of(*args[:4])) for args in targets])
    for lookup, args in zip(second, targets):
        lookup.srv_name = args[4]
        hosts.extend((value, lookup) for value in lookup.values)
    lookups.extend(second)

    names = []
    dropped = []
    for host, lookup in hosts:
        usable, why = usable_address(host)
        if usable is None:
            dropped.append("%s (%s %s from %s: %s)" % (host, lookup.name, lookup.rdtype,
                                                       format_server(lookup.server) if lookup.server
                                                       else "the system resolver", why))
            continue
        names.append(format_node_name(settings.app_name, usable))
    if report:
        for item in lookups:
            report("dns: " + item.describe(), 3)
    if dropped:
        what = "no node's address, as DNS filters and sinkholes answer for names they block"
        if not names:
            raise DiscoveryFailed(
                "DNS answered only addresses no node can have: %s; %s" % (", ".join(dropped), what),
                reason="unusable_address",
            )
        if report:
            for item in dropped:
                report("peerage: the dns provider dropped %s, %s" % (item, what), WARNING)
    return names, lookups, settings


def describe_empty(lookups, settings):
    """Say why a DNS discovery found nothing: which names, which types, which outcome, where."""
    srv_answers = [item for item in lookups if item.rdtype == "SRV" and item.outcome == "answer"]
    if srv_answers:
        # SRV records were found: say what became of their targets, not that there were none.
        parts = []
        for item in srv_answers:
            if not item.values:
                parts.append("%r has only the SRV target '.' (no service there, RFC 2782)" % item.name)
        for item in lookups:
            if item.srv_name is not None:  # the addresses of a target, none found
                parts.append("SRV target %r of %r has no %s records at %s (%s)" % (
                    item.name, item.srv_name, item.rdtype,
                    format_server(item.server) if item.server else "the system resolver", OUTCOME_TEXT[item.outcome],
                ))
        return "DNS SRV records of %s name no target with an address: %s" % (
            ", ".join(repr(item.name) for item in srv_answers), "; ".join(parts))
    outcomes = sorted({OUTCOME_TEXT[item.outcome] for item in lookups})
    names = ", ".join(repr(name) for name in settings.dns_names)
    return "DNS name%s %s %s no %s records at %s (%s)" % (
        "s" if len(settings.dns_names) > 1 else "",
        names,
        "have" if len(settings.dns_names) > 1 else "has",
        "/".join(settings.record_types),
        settings.where(),
        ", ".join(outcomes) or "no answer",
    )


def poll(options, report=None):
    """Return ``app_name@address`` for every address found; raise :class:`NoPeersFound` for none."""
    names, lookups, settings = resolve(options, report)
    if not names:
        raise NoPeersFound(describe_empty(lookups, settings))
    return names
