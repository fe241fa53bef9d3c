# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The option checks every renderer shares, and the one way a format takes its options.

A renderer's options are a spec, ``{name: (check, default)}``; each check
takes ``(format, option name, value)`` and returns the value to use or
raises :class:`OptionError` naming the option, the value and what is allowed.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, describe_value
from ansible_collections.peerage.peerage.plugins.module_utils.option_values import (
    as_bool,
    as_number,
    as_port,
    as_shell_name,
    as_text,
)

DEFAULT_COMMENT = "Managed by peerage.peerage"


def option_key(fmt, name):
    """How messages name option ``name`` of format ``fmt``."""
    return "%s option %s" % (fmt, name)


# Each check takes (format, option name, value): the renderers' option specs name them. They are the
# shared checks of option_values, so a format refuses a value as every other option does.


def check_bool(fmt, name, value):
    return as_bool(value, option_key(fmt, name), None)


def check_int(fmt, name, value, minimum, maximum=None):
    return as_number(value, option_key(fmt, name), None, minimum, int, maximum)


def check_timeout(fmt, name, value):
    # The kernel refuses 0 (badopt) and takes `infinity` besides milliseconds.
    if isinstance(value, str) and value.strip() == "infinity":
        return "infinity"
    try:
        return check_int(fmt, name, value, 1)
    except OptionError:
        raise OptionError(
            "invalid %s %s: expected a whole number of milliseconds from 1, or 'infinity'"
            % (option_key(fmt, name), describe_value(value))
        )


def check_port(fmt, name, value):
    return as_port(value, option_key(fmt, name))


def check_comment(fmt, name, value):
    return as_text(value, option_key(fmt, name), allow_empty=True, allow_newline=True)


def check_separator(fmt, name, value):
    return as_text(value, option_key(fmt, name))


def check_identifier(fmt, name, value):
    return as_shell_name(value, option_key(fmt, name))


def take_options(fmt, options, spec):
    """Check ``options`` against ``spec`` ({name: (check, default)}); return all values.

    An unknown option is refused rather than ignored, so a misspelt
    ``mandatory`` cannot silently give the other setting. ``None`` stands for
    the default, so callers can pass an unset variable straight through.
    """
    unknown = sorted(set(options) - set(spec))
    if unknown:
        raise OptionError(
            "format %s: unknown option(s) %s; this format takes: %s"
            % (fmt, ", ".join(unknown), ", ".join(sorted(spec)) or "no options")
        )
    values = {}
    for name, (check, default) in spec.items():
        value = options.get(name)
        values[name] = default if value is None else check(fmt, name, value)
    return values


# The header every format with comments takes.
COMMENT_OPTION = {"comment": (check_comment, DEFAULT_COMMENT)}
