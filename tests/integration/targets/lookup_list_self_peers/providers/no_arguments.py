# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A custom provider like Peerage's poll/0: no options at all."""

from __future__ import annotations


def poll():
    return ["fixed@10.0.0.2", "fixed@10.0.0.1"]
