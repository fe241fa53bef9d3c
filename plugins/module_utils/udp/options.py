# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The UDP options: defaults, argument specs and checks, shared by the probe and the beacon.

:func:`resolve_options` turns what a task, lookup or command line gives into
complete settings, or raises :class:`OptionError` naming the option and the
value.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import (
    format_node_name,
    validate_app_name,
)
from ansible_collections.peerage.peerage.plugins.module_utils.option_values import as_bool, as_number
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import (
    argument_spec,
    default_of,
    defaults_for,
    names_read_by,
    record,
    shared_names,
)
from ansible_collections.peerage.peerage.plugins.module_utils.udp.wire import check_packet_size, node_of_app, secret_key

# The collection's own protocol keeps off Peerage's group and port (230.1.1.1:45900), so BEAM nodes
# running Peerage's Udp provider never receive its packets unless announce_peerage or peerage_compat
# asks for them: Peerage's socket (active: 10) crashes under a burst of datagrams.
DEFAULT_PORT = default_of("port", "udp")
FAMILIES = record("family", "udp").choices
DEFAULT_GROUPS = {"ipv4": "239.192.45.1", "ipv6": "ff12::b34d"}
"""An organisation-local IPv4 group; for IPv6 a transient link-local group (0xb34d is 45901)."""
PEERAGE_GROUP = default_of("peerage_group", "udp")
PEERAGE_PORT = default_of("peerage_port", "udp")
"""Where Peerage's own ``Udp`` provider sends and listens by default."""

# Replies that a probe triggers are spread at random over REPLY_SLOT seconds per other beacon the
# beacon has heard, at most REPLY_SPREAD_MAX; a probe never stops for settle before that window ends.
REPLY_SLOT = 0.02
REPLY_SPREAD_MAX = 0.4

# The options of the probe (the udp provider) and of the beacon, from the collection's option records.
PROBE_OPTIONS = names_read_by("udp")
# What the probe and the beacon share with one meaning: the network, the cluster and authentication.
COMMON_OPTIONS = shared_names("udp", "beacon")

COMMON_DEFAULTS = defaults_for("udp", COMMON_OPTIONS)
PROBE_DEFAULTS = defaults_for("udp")
BEACON_DEFAULTS = defaults_for("beacon")

# The same options as AnsibleModule argument specs, for the modules.
COMMON_ARGUMENT_SPEC = argument_spec(COMMON_OPTIONS, ("udp",))
PROBE_ARGUMENT_SPEC = argument_spec(PROBE_OPTIONS, ("udp",))


def _group(options):
    family = options.get("family")
    if family is not None and family not in FAMILIES:
        raise OptionError("family must be 'ipv4' or 'ipv6', got %r" % (family,))
    group = options.get("group")
    if group is None:
        family = family or "ipv4"
        return family, DEFAULT_GROUPS[family]
    try:
        address = ipaddress.ip_address(str(group))
    except ValueError:
        raise OptionError("group %r is not an IP address" % (group,))
    if not address.is_multicast:
        raise OptionError("group %s is not a multicast address (IPv4 224.0.0.0/4, IPv6 ff00::/8)" % address)
    group_family = "ipv%d" % address.version
    if family and family != group_family:
        raise OptionError("group %s is an %s address but family is %s" % (address, group_family, family))
    return group_family, str(address)


def _peerage_group(options):
    group = options.get("peerage_group") or PEERAGE_GROUP
    try:
        address = ipaddress.ip_address(str(group))
    except ValueError:
        raise OptionError("peerage_group %r is not an IP address" % (group,))
    if address.version != 4 or not address.is_multicast:
        raise OptionError("peerage_group %s is not an IPv4 multicast address (224.0.0.0/4)" % address)
    return str(address)


def check_peerage_traffic(settings, option):
    """Refuse ``option`` (announce_peerage or peerage_compat) where it cannot work as documented."""
    if settings["secret"] is not None:
        raise OptionError(
            "%s cannot be combined with secret: Peerage's 'Peer:' packets carry no MAC, so they could be "
            "neither signed nor checked" % option
        )
    if settings["family"] != "ipv4":
        raise OptionError("%s needs family ipv4: Peerage's Udp provider speaks IPv4 only" % option)


def _interface(options, family):
    """``None``, ``("name", name)`` or ``("address", address)``."""
    interface = options.get("interface")
    if interface in (None, ""):
        return None
    interface = str(interface)
    try:
        address = ipaddress.ip_address(interface)
    except ValueError:
        return ("name", interface)
    if address.version != (6 if family == "ipv6" else 4):
        raise OptionError("interface %s is not an %s address" % (address, family))
    if family == "ipv6":
        raise OptionError("for IPv6, give the interface by name (such as eth0), not by address")
    return ("address", str(address))


def resolve_options(options, defaults):
    """Check ``options`` against ``defaults``; return a complete dict of settings.

    Missing or None values take the default; keys that are not UDP options
    (a lookup passes all of its options) are ignored. Raises
    :class:`OptionError` naming the option and the value.
    """
    options = dict(options or {})
    settings = {}
    settings["app_name"] = validate_app_name(options.get("app_name") or defaults["app_name"])
    settings["family"], settings["group"] = _group(options)
    settings["port"] = as_number(options.get("port"), "port", defaults["port"], 1, int, 65535)
    settings["ttl"] = as_number(options.get("ttl"), "ttl", defaults["ttl"], 0, int, 255)
    settings["peerage_group"] = _peerage_group(options)
    settings["peerage_port"] = as_number(options.get("peerage_port"), "peerage_port", PEERAGE_PORT, 1, int, 65535)
    settings["interface"] = _interface(options, settings["family"])
    secret = options.get("secret")
    secret_key(secret)
    settings["secret"] = secret
    settings["max_age"] = as_number(options.get("max_age"), "max_age", defaults["max_age"], 1, int)
    node_name = options.get("node_name")
    address = options.get("address")
    if node_name:
        settings["node_name"] = node_of_app(node_name, settings["app_name"])
    elif address:
        settings["node_name"] = format_node_name(settings["app_name"], str(address))
    else:
        settings["node_name"] = None
    for key, default in defaults.items():
        if key in settings or key in ("node_name", "address"):
            continue
        if isinstance(default, bool):
            settings[key] = as_bool(options.get(key), key, default)
        elif isinstance(default, float):
            settings[key] = as_number(options.get(key), key, default, 0.0)
        elif isinstance(default, int):
            settings[key] = as_number(options.get(key), key, default, 0, int)
    return settings


def probe_settings(options):
    settings = resolve_options(options, PROBE_DEFAULTS)
    check_packet_size(settings["app_name"], settings["node_name"], settings["secret"])
    if settings["timeout"] <= 0:
        raise OptionError("timeout must be more than 0 seconds, got %r" % settings["timeout"])
    if settings["interval"] < 0.01:
        raise OptionError("interval must be at least 0.01 seconds, got %r" % settings["interval"])
    if settings["peerage_compat"]:
        check_peerage_traffic(settings, "peerage_compat")
    return settings


def describe_group(settings):
    interface = settings["interface"]
    return "group %s port %d on %s" % (
        settings["group"],
        settings["port"],
        "interface %s" % interface[1] if interface else "the system's default interface",
    )
