# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The provider contract: turn what a provider returns into the final peer list.

Every provider, built-in (``providers/``) or a user's, goes through
:func:`run_provider`, so all results are validated, deduplicated and sorted
the same way, and "no peers" is handled in one place: it fails unless
``allow_empty`` is true. A failed discovery (:class:`DiscoveryFailed`) is
never turned into an empty list. Which built-in provider a name means is
``providers/registry.py``'s business, above this file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, NoPeersFound, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import normalize_node_names

# The verbosity of a report that is a warning: shown whatever the verbosity, and also when log_results is false.
WARNING = 0


def warnings_only(report):
    """A ``report`` that passes on only warnings: what a caller uses when ``log_results`` is false."""

    def warn(message, verbosity):
        if verbosity == WARNING:
            report(message, verbosity)

    return warn


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
    query details at verbosity 3 (Peerage's ``log_results``), and warnings
    (what a provider dropped, and why) at :data:`WARNING`.
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
