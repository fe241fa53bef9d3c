# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # For plugins that run any provider (the peers lookup, the discover module): options whose meaning
    # depends on the provider. List it before the providers' fragments: the first definition of an option wins.
    DOCUMENTATION = r"""
options:
  timeout:
    description:
      - With O(via=dns), seconds to wait for one answer from one nameserver (default V(2)).
      - With O(via=udp), how many seconds the probe waits at most (default V(5)).
    type: float
    # Each provider applies its own default.
    default: null
"""
