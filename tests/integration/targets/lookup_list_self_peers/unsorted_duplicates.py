# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A custom provider found next to the playbook: unsorted names, duplicates, odd spellings."""

from __future__ import annotations


def poll(options):
    app = options["app_name"]
    hosts = [
        "10.0.0.10", "Host-B.example", "10.0.0.9", "FD00:0::1",
        "10.0.0.10", "host-a.example", "fd00::1", "HOST-A.example",
    ]
    return ["%s@%s" % (app, host) for host in hosts] + ["%s@%s" % (app, term) for term in options["terms"]]
