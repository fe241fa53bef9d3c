# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a provider and turn what it returns into the final peer list.

Every provider, built-in or a user's, goes through :func:`discover`, so all
results are validated, deduplicated and sorted the same way, and "no peers"
is handled in one place: it fails unless ``allow_empty`` is true. A failed
discovery (:class:`DiscoveryFailed`) is never turned into an empty list.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, NoPeersFound, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import normalize_node_names


# The built-in providers are imported when first run, not with this file: the dns
# provider brings in dnspython and udp the beacon code, which a lookup of another
# provider (or a cached answer) would pay for in every forked worker for nothing.
def _via_self():
    from ansible_collections.peerage.peerage.plugins.module_utils import via_self

    return via_self


def _via_list():
    from ansible_collections.peerage.peerage.plugins.module_utils import via_list

    return via_list


def _via_dns():
    from ansible_collections.peerage.peerage.plugins.module_utils import via_dns

    return via_dns


def _via_udp():
    from ansible_collections.peerage.peerage.plugins.module_utils import via_udp

    return via_udp


# A provider name maps to its module, or to a function that imports it.
BUILTIN_PROVIDERS = {
    "self": _via_self,
    "list": _via_list,
    "dns": _via_dns,
    "udp": _via_udp,
}

# How a lookup's terms map onto each built-in provider's options.
TERM_OPTIONS = {
    "self": "address",
    "list": "node_list",
    "dns": "dns_name",
    "udp": "app_name",
}


def builtin_provider(via):
    """Return the ``poll`` function of a built-in provider, or raise naming the allowed ones."""
    try:
        provider = BUILTIN_PROVIDERS[via]
    except KeyError:
        raise OptionError(
            "unknown provider %r: built-in providers are %s" % (via, ", ".join(sorted(BUILTIN_PROVIDERS)))
        )
    if not hasattr(provider, "poll"):
        provider = BUILTIN_PROVIDERS[via] = provider()
    return provider.poll


def register_provider(via, module):
    """Add a built-in provider (a module with ``poll(options, report=None)``)."""
    BUILTIN_PROVIDERS[via] = module


def finish(names, options, source, report=None):
    """Validate, deduplicate and sort ``names``; apply ``allow_empty``."""
    if names is None:
        names = []
    if isinstance(names, (str, bytes, dict)) or not hasattr(names, "__iter__"):
        raise OptionError("%s returned %r: a provider must return a list of node names" % (source, names))
    try:
        peers = normalize_node_names(names)
    except NodeNameError as exc:
        raise NodeNameError("%s returned an %s" % (source, exc), value=exc.value)
    if not peers and not options.get("allow_empty"):
        raise NoPeersFound("%s found no peers" % source)
    if report:
        report("peerage: %s found %d peer(s): %s" % (source, len(peers), ", ".join(peers) or "none"), 1)
    return peers


def run_provider(poll, options, source, report=None):
    """Call ``poll()`` and finish its result; "no peers" gives ``[]`` only when ``allow_empty`` is true.

    ``report(message, verbosity)`` receives what was found at verbosity 1 and
    query details at verbosity 3 (Peerage's ``log_results``).
    """
    try:
        names = poll()
    except NoPeersFound as exc:
        if not options.get("allow_empty"):
            raise
        if report:
            report("peerage: %s found no peers (allowed): %s" % (source, exc), 1)
        return []
    return finish(names, options, source, report)


def discover(via, options, report=None):
    """Run the built-in provider ``via`` with ``options``; return the final peer list."""
    poll = builtin_provider(via)
    return run_provider(lambda: poll(options, report), options, "the %s provider" % via, report)
