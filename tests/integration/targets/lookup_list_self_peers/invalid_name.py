# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A custom provider that returns a name no config file may hold."""

from __future__ import annotations


def poll(options):
    return ["app@10.0.0.1", "app@10.0.0.2; rm -rf /"]
