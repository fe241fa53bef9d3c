# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Every option of the collection, once: its type, default, choices, secrecy, readers and trust.

:data:`OPTIONS` holds one record per option. The providers take their
defaults from it, the modules build their argument specs from it
(:func:`argument_spec`), a lookup templates only the variables of the options
its provider reads (:func:`options_read`), and the unit tests check the doc
fragments and the role's argument spec against it.

An option whose meaning depends on who reads it has one record per meaning:
``timeout`` is one DNS answer's wait for ``dns`` and the whole probe for
``udp``; ``interval`` is the probe's resend interval for ``udp`` and the
announcement interval for ``beacon``.

Readers are the built-in providers (``self``, ``list``, ``dns``, ``udp``),
``custom`` (a provider file or a lookup plugin serving as provider),
``discovery`` (read for every provider), ``any`` (the plugins that run any
provider: the peers lookup, the discover module), ``beacon`` (the beacon's
settings), ``beacon_module`` (what the beacon module itself decides) and
``cache`` (the lookups' run-wide cache).

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

Option = namedtuple("Option", ["name", "type", "default", "elements", "choices", "secret", "trust", "readers"])
"""One option as one reader (or several that agree) understands it.

``type`` and ``elements`` are Ansible's argument types; ``default`` is
``None`` when there is none (or each caller works it out); a list default
is a tuple and a dict default an empty dict, both copied by
:func:`default_of`. ``secret`` options are ``no_log``. ``trust`` options
decide which code runs on the controller, so they are read only from what
the controller's operator owns (see ``docs/providers.md``).
"""

BUILTIN_PROVIDERS = ("self", "list", "dns", "udp")
_UDP = ("udp", "beacon")


def _option(name, kind, default=None, readers=(), elements=None, choices=None, secret=False, trust=False):
    return Option(name, kind, default, elements, choices, secret, trust, tuple(readers))


OPTIONS = (
    # What discovery does with what any provider found.
    _option("allow_empty", "bool", False, ["discovery"]),
    _option("log_results", "bool", True, ["discovery"]),
    # Which provider runs: any value that is not built in names code run on the controller.
    _option("via", "str", "dns", ["any"], trust=True),
    # Peerage's own default app name, kept.
    _option("app_name", "str", "nonode", ["self", "dns", "udp", "beacon", "custom"]),
    _option("address", "str", None, ["self", "udp", "beacon"]),
    _option("node_list", "list", None, ["list"], elements="str"),
    _option("dns_name", "list", ("localhost",), ["dns"], elements="str"),
    _option("record_types", "list", ("A",), ["dns"], elements="str", choices=("A", "AAAA", "SRV")),
    _option("nameserver", "list", None, ["dns"], elements="str"),
    _option("timeout", "float", 2.0, ["dns"]),
    _option("retries", "int", 1, ["dns"]),
    _option("deadline", "float", 30.0, ["dns"]),
    _option("srv_target", "str", "address", ["dns"], choices=("address", "hostname")),
    # The UDP network, cluster and authentication, shared by the probe and the beacon.
    _option("node_name", "str", None, _UDP),
    _option("family", "str", None, _UDP, choices=("ipv4", "ipv6")),
    # None: the group follows the family (DEFAULT_GROUPS in udp/options.py).
    _option("group", "str", None, _UDP),
    # Off Peerage's own port, 45900, so BEAM nodes running Peerage's Udp provider never get these packets.
    _option("port", "int", 45901, _UDP),
    _option("ttl", "int", 1, _UDP),
    _option("interface", "str", None, _UDP),
    _option("secret", "str", None, _UDP, secret=True),
    _option("max_age", "int", 30, _UDP),
    _option("peerage_group", "str", "230.1.1.1", _UDP),
    _option("peerage_port", "int", 45900, _UDP),
    # The probe.
    _option("timeout", "float", 5.0, ["udp"]),
    _option("interval", "float", 0.5, ["udp"]),
    _option("expect", "int", 0, ["udp"]),
    _option("settle", "float", 0.0, ["udp"]),
    _option("include_self", "bool", True, ["udp"]),
    _option("peerage_compat", "bool", False, ["udp"]),
    # The beacon.
    _option("interval", "float", 5.0, ["beacon"]),
    _option("lifetime", "int", 600, ["beacon"]),
    _option("announce_peerage", "bool", False, ["beacon"]),
    _option("state", "str", "started", ["beacon_module"], choices=("started", "stopped", "installed")),
    _option("state_dir", "path", None, ["beacon_module"]),
    _option("user", "str", "nobody", ["beacon_module"]),
    # Custom providers: where a provider file may load from is decided by these.
    _option("provider_paths", "list", (), ["custom"], elements="path", trust=True),
    _option("provider_options", "dict", {}, ["custom"]),
    _option("allow_any_provider_path", "bool", False, ["custom"], trust=True),
    # The lookups' run-wide cache.
    _option("cache", "bool", True, ["cache"]),
    _option("cache_max_age", "float", 300.0, ["cache"]),
)


def records(name, readers=None):
    """The records of option ``name``, those of any of ``readers`` when given."""
    found = [
        record
        for record in OPTIONS
        if record.name == name and (readers is None or set(record.readers) & set(readers))
    ]
    if not found:
        raise KeyError("no option %r%s" % (name, "" if readers is None else " read by %s" % ", ".join(readers)))
    return found


def record(name, reader):
    """The one record of option ``name`` as ``reader`` reads it."""
    return records(name, (reader,))[0]


def _copy(value):
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def default_of(name, reader):
    """The default of option ``name`` as ``reader`` reads it (a fresh list or dict for those)."""
    return _copy(record(name, reader).default)


def names_read_by(*readers):
    """The names of the options any of ``readers`` reads, in the order of :data:`OPTIONS`, each once."""
    names = []
    for option in OPTIONS:
        if set(option.readers) & set(readers) and option.name not in names:
            names.append(option.name)
    return tuple(names)


def shared_names(reader, other):
    """The options ``reader`` and ``other`` both read with one meaning (one record), in ``reader``'s order."""
    return tuple(name for name in names_read_by(reader) if other in record(name, reader).readers)


def defaults_for(reader, names=None):
    """``{name: default}`` of the options ``reader`` reads (only ``names``, when given)."""
    return {name: default_of(name, reader) for name in (names or names_read_by(reader))}


def argument_spec(names, readers):
    """An AnsibleModule argument spec of options ``names`` as ``readers`` read them.

    An option that two readers default differently (``timeout`` for ``dns``
    and ``udp``) gets no default: each provider applies its own.
    """
    spec = {}
    for name in names:
        found = records(name, readers)
        first = found[0]
        entry = {"type": first.type}
        if first.elements:
            entry["elements"] = first.elements
        if first.choices:
            entry["choices"] = list(first.choices)
        if first.secret:
            entry["no_log"] = True
        defaults = [option.default for option in found]
        if first.default is not None and all(default == first.default for default in defaults):
            entry["default"] = _copy(first.default)
        spec[name] = entry
    return spec


# Options that discovery itself reads, whatever the provider.
DISCOVERY_OPTIONS = names_read_by("discovery")

# Options of the lookups' run-wide cache, which every lookup reads whatever the provider.
CACHE_OPTIONS = names_read_by("cache")

# Options of the built-in providers, besides DISCOVERY_OPTIONS.
PROVIDER_OPTIONS = {via: names_read_by(via) for via in BUILTIN_PROVIDERS}

# Options of a custom provider (a provider file or another lookup plugin), besides DISCOVERY_OPTIONS.
# Its poll() receives app_name and provider_options; where it may be loaded from is the lookup's concern.
CUSTOM_PROVIDER_OPTIONS = names_read_by("custom")

# The option that chooses the provider (the peers lookup, the discover module, the role).
CHOICE_OPTION = "via"

# The options that decide which code runs on the controller.
TRUST_OPTIONS = tuple(option.name for option in OPTIONS if option.trust)


def options_read(via):
    """The options a discovery through ``via`` reads, in a stable order: discovery's, then the provider's."""
    own = PROVIDER_OPTIONS.get(via, CUSTOM_PROVIDER_OPTIONS)
    return DISCOVERY_OPTIONS + tuple(name for name in own if name not in DISCOVERY_OPTIONS)
