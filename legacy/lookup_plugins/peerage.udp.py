# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The short spelling lookup('peerage.udp', ...): re-exports peerage.peerage.udp.

ansible-core reads a plugin's options from the file it loaded, so the
documentation is re-exported along with the plugin.
"""

from __future__ import annotations

from ansible_collections.peerage.peerage.plugins.lookup.udp import DOCUMENTATION, EXAMPLES, RETURN, LookupModule

__all__ = ["DOCUMENTATION", "EXAMPLES", "RETURN", "LookupModule"]
