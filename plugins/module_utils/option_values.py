# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The one set of option value checks: providers, renderers and the reachability check use these.

Options reach the core from lookups (typed by ansible-core's plugin
configuration), from modules (typed by their argument spec), from templates
(often as text) and from users' code (not typed at all), so the core checks
what it relies on and says which value was refused and what is allowed:
``invalid <key> <value>: expected <what>``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re
import unicodedata

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, describe_value

# A number as text: ASCII digits only (float() would also read '٣' and other digits), \Z not $ (no newline).
_NUMBER_TEXT_RE = re.compile(r"\A\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*\Z")
_SHELL_NAME_RE = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")


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
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and _NUMBER_TEXT_RE.match(value):
        # Values templated from variables, the environment or ansible.cfg arrive as text: "4369".
        number = float(value)
    if number is None or not math.isfinite(number):
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
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if not isinstance(value, str):
        raise OptionError("invalid %s %r: expected a boolean (true or false)" % (key, value))
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise OptionError("invalid %s %r: expected a boolean (true or false)" % (key, value))


def as_port(value, key, default=None):
    """``value`` as a TCP or UDP port number, 1 to 65535; ``default`` when it is None."""
    return as_number(value, key, default, 1, int, 65535)


def as_text(value, key, allow_empty=False, allow_newline=False):
    """``value`` as a string without control characters (newlines only when allowed)."""
    if not isinstance(value, str):
        raise OptionError("invalid %s %s: expected a string" % (key, describe_value(value)))
    if not value and not allow_empty:
        raise OptionError("invalid %s %s: expected a string that is not empty" % (key, describe_value(value)))
    for char in value:
        if char == "\n" and allow_newline:
            continue
        # Controls (C0, DEL, C1) and Unicode line or paragraph separators: some
        # readers end a line or a comment there, so one could start a new setting.
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            raise OptionError(
                "invalid %s %s: expected text without control characters or line separators"
                % (key, describe_value(value))
            )
    return value


def as_shell_name(value, key):
    """``value`` as a shell variable name: letters, digits and '_', not starting with a digit."""
    if not isinstance(value, str) or not _SHELL_NAME_RE.match(value):
        raise OptionError(
            "invalid %s %s: expected a shell variable name (letters, digits and '_', not starting with a digit)"
            % (key, describe_value(value))
        )
    return value
