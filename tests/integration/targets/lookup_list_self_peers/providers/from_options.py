# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A custom provider found through provider_paths, reading provider_options."""

from __future__ import annotations


def poll(options):
    return ["%s@%s" % (options["app_name"], host) for host in options["hosts"]]
