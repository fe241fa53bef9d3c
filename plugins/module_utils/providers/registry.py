# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The built-in providers by name, and :func:`discover`, which runs one of them.

Each provider is a module of this package with one entry point,
``poll(options, report=None)``; a new built-in provider is a file here and
a line in :data:`BUILTIN_PROVIDERS`. What a provider returns is finished by
:func:`.discovery.run_provider`, the same for built-in and custom providers.

This table is a file of its own, not the package's ``__init__.py``: a
module such as ``udp_probe`` imports one provider, and Ansible packs every
``__init__.py`` above an imported file into the module's payload, imports
inside functions included.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.peerage.peerage.plugins.module_utils.discovery import run_provider
from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError


# The built-in providers are imported when first run, not with this file: the dns
# provider brings in dnspython and udp the beacon code, which a lookup of another
# provider (or a cached answer) would pay for in every forked worker for nothing.
def _load_self():
    from ansible_collections.peerage.peerage.plugins.module_utils.providers import self as provider

    return provider


def _load_list():
    from ansible_collections.peerage.peerage.plugins.module_utils.providers import list as provider

    return provider


def _load_dns():
    from ansible_collections.peerage.peerage.plugins.module_utils.providers import dns as provider

    return provider


def _load_udp():
    from ansible_collections.peerage.peerage.plugins.module_utils.providers import udp as provider

    return provider


# A provider name maps to its module, or to a function that imports it.
BUILTIN_PROVIDERS = {
    "self": _load_self,
    "list": _load_list,
    "dns": _load_dns,
    "udp": _load_udp,
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


def discover(via, options, report=None):
    """Run the built-in provider ``via`` with ``options``; return the final peer list."""
    poll = builtin_provider(via)
    return run_provider(lambda: poll(options, report), options, "the %s provider" % via, report)
