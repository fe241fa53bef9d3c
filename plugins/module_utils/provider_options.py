# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which options each provider reads: the one list the lookups, the modules and the role derive theirs from.

A lookup templates only the variables of the options its provider reads, so
an unrelated ``peerage_*`` variable (a vaulted ``peerage_secret`` in a DNS
play) is never touched. The doc fragments, the ``discover`` module's
argument spec and the role are checked against this table by the unit tests.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Options that discovery itself reads, whatever the provider.
DISCOVERY_OPTIONS = ("allow_empty", "log_results")

# Options of the built-in providers, besides DISCOVERY_OPTIONS.
PROVIDER_OPTIONS = {
    "self": ("app_name", "address"),
    "list": ("node_list",),
    "dns": ("app_name", "dns_name", "record_types", "nameserver", "timeout", "retries", "deadline", "srv_target"),
    "udp": (
        "app_name",
        "node_name",
        "address",
        "family",
        "group",
        "port",
        "ttl",
        "interface",
        "secret",
        "max_age",
        "timeout",
        "interval",
        "expect",
        "settle",
        "include_self",
        "peerage_compat",
        "peerage_group",
        "peerage_port",
    ),
}

# Options of a custom provider (a provider file or another lookup plugin), besides DISCOVERY_OPTIONS.
# Its poll() receives app_name and provider_options; where it may be loaded from is the lookup's concern.
CUSTOM_PROVIDER_OPTIONS = ("app_name", "provider_paths", "provider_options", "allow_any_provider_path")

# The option that chooses the provider (the peers lookup, the discover module, the role).
CHOICE_OPTION = "via"


def options_read(via):
    """The options a discovery through ``via`` reads, in a stable order: discovery's, then the provider's."""
    own = PROVIDER_OPTIONS.get(via, CUSTOM_PROVIDER_OPTIONS)
    return DISCOVERY_OPTIONS + tuple(name for name in own if name not in DISCOVERY_OPTIONS)
