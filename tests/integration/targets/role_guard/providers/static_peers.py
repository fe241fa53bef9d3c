# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A custom provider for the role test: two fixed peers, unsorted and repeated."""


def poll(options):
    return ["app@10.0.0.9", "app@10.0.0.8", "app@10.0.0.9"]
