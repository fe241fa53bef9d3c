# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The ``self`` provider: this host's own node name (Peerage.Via.Self).

The address is the first of the ``address`` option, ``ansible_host`` and
``inventory_hostname`` that is set, so a bare inventory works unchanged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import format_node_name
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import default_of

DEFAULT_APP_NAME = default_of("app_name", "self")
ADDRESS_SOURCES = ("address", "ansible_host", "inventory_hostname")


def poll(options, report=None):
    """Return ``[app_name@address]`` for this host."""
    app_name = options.get("app_name") or DEFAULT_APP_NAME
    for key in ADDRESS_SOURCES:
        address = options.get(key)
        if address:
            if report:
                report("self: address %r taken from %s" % (address, key), 3)
            return [format_node_name(app_name, address)]
    raise OptionError(
        "the self provider needs an address: set 'address', or run it for a host"
        " that has ansible_host or inventory_hostname"
    )
