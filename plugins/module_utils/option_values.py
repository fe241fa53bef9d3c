# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Checks of option values shared by the providers.

Options reach the core from lookups (typed by ansible-core's plugin
configuration), from modules (typed by their argument spec) and from users'
code (not typed at all), so the core checks what it relies on and says
which value was refused and what is allowed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError


def as_list(value, key):
    """A list of strings from a list, or from one string of items separated by commas or whitespace.

    Environment variables and ``ansible.cfg`` hold strings, and ansible-core
    splits them at commas only: items are split again so
    ``"a@10.0.0.1 a@10.0.0.2"`` is two items either way.
    """
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise OptionError("invalid %s %r: expected a list, or a string of items separated by commas" % (key, value))
    items = []  # type: list
    for item in value:
        if isinstance(item, str):
            items.extend(part for part in item.replace(",", " ").split() if part)
        else:
            items.append(item)
    return items


def as_number(value, key, default, minimum, kind=float, maximum=None):
    """``value`` as a finite ``kind`` within ``[minimum, maximum]``; ``default`` when it is None."""
    if value is None:
        return default
    bounds = ">= %s" % minimum if maximum is None else "from %s to %s" % (minimum, maximum)
    expected = "%s %s" % ("a whole number" if kind is int else "a number", bounds)
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not math.isfinite(number):
        raise OptionError("invalid %s %r: expected %s" % (key, value, expected))
    if kind is int:
        if number != int(number):
            raise OptionError("invalid %s %r: expected %s" % (key, value, expected))
        number = int(number)
    if number < minimum or (maximum is not None and number > maximum):
        raise OptionError("invalid %s %r: expected %s" % (key, value, expected))
    return number


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def as_bool(value, key, default):
    """``value`` as a bool, reading the words Ansible reads; ``default`` when it is None."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise OptionError("invalid %s %r: expected a boolean (true or false)" % (key, value))
