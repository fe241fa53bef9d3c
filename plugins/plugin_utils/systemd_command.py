# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""A command line for a systemd unit's ``ExecStart=``, quoted by systemd's rules, not a shell's.

systemd.service(5), "Command lines": a line is split into words at
whitespace; a word in double quotes is one word, with C-style backslash
escapes (``\\"``, ``\\\\``, ``\\n``, ``\\xNN``); ``%`` starts a specifier
(``%%`` is a literal one); ``$NAME`` and ``${NAME}`` are replaced by
environment variables when the command runs (``$$`` is a literal dollar).
A shell's quoting (``'it'"'"'s'``, ``$`` left as it is) means something
else there.

The program's path is the one word systemd does not expand variables in
(it does in the same word as the command's first argument): a ``$`` in it
cannot be written so that both read the same, so it is refused.

Runs on the controller only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, describe_value

# Inside double quotes: the characters systemd would read otherwise, and how each is written.
_ESCAPES = {"\\": "\\\\", '"': '\\"', "%": "%%", "$": "$$", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote_word(word: Any) -> str:
    """One argument as one systemd word: in double quotes, escaped by systemd's rules."""
    if not isinstance(word, str):
        raise OptionError("invalid command argument %s: expected a string" % describe_value(word))
    if "\0" in word:
        raise OptionError("invalid command argument %s: a NUL character cannot be passed" % describe_value(word))
    out = []
    for char in word:
        escaped = _ESCAPES.get(char)
        if escaped is None and (ord(char) < 32 or ord(char) == 127):
            escaped = "\\x%02x" % ord(char)
        out.append(escaped or char)
    return '"%s"' % "".join(out)


def command_line(argv: Sequence[Any]) -> str:
    """``argv`` as the value of ``ExecStart=``: every word quoted, so systemd runs exactly ``argv``.

    ``argv[0]`` is the program: an absolute path (so that no character of it
    is read as one of systemd's ``-@:+!`` prefixes) without ``$``.
    """
    if isinstance(argv, (str, bytes)) or not isinstance(argv, (list, tuple)) or not argv:
        raise OptionError("invalid command %s: expected a non-empty list of arguments" % describe_value(argv))
    program = argv[0]
    if not isinstance(program, str) or not program.startswith("/"):
        raise OptionError(
            "invalid command %s: its first word must be the program's absolute path" % describe_value(list(argv))
        )
    if "$" in program:
        raise OptionError(
            "invalid program path %s: systemd reads a '$' in the program's path as it is but expands it in the"
            " command's first argument, so the path may not contain '$'" % describe_value(program)
        )
    return " ".join(quote_word(word) for word in argv)
