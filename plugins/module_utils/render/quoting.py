# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""How the renderers write text: quoted literals of each config syntax, the comment header, lines.

Shared by ``render.py`` and ``render_elixir.py``, which import this module
and never each other.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError


def quote_text(text, opening, closing, escaped, code_point_escape):
    """``text`` between ``opening`` and ``closing``, as a scanner's quoted literal.

    A backslash goes before each character of ``escaped``; other printable
    ASCII stays as it is; anything else is written as ``code_point_escape %
    code point``, which reads back as the same character whatever the file's
    encoding.
    """
    out = [opening]
    for char in text:
        if char in escaped:
            out.append("\\" + char)
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append(code_point_escape % ord(char))
    out.append(closing)
    return "".join(out)


def quote_atom(text):
    """Write ``text`` as a single-quoted Erlang atom.

    Always quoted, so ``app@fd00::1`` and ``my-app@host-1.example.com`` are
    atoms too. Backslash and quote are escaped; anything outside printable
    ASCII is written as ``\\x{HH}``.
    """
    return quote_text(text, "'", "'", "\\'", "\\x{%X}")


def erlang_atom_list(texts):
    """An Erlang list of quoted atoms: ``['a@h1', 'a@h2']``."""
    return "[" + ", ".join(quote_atom(text) for text in texts) + "]"


def quote_args_file(value):
    """Quote one argument for an ``erl -args_file`` file (vm.args).

    erl splits such a file on whitespace and treats ``#`` as a comment;
    inside double quotes every character but ``"`` is literal. So the value
    goes in double quotes and a ``"`` in it is written as ``"\\""``: close,
    an escaped quote, reopen.
    """
    if "\0" in value:
        raise OptionError("a vm.args value cannot hold a NUL character")
    return '"' + value.replace('"', '"\\""') + '"'


def quote_shell_double(value):
    """Quote ``value`` in double quotes for a POSIX shell or a systemd EnvironmentFile.

    Both read ``\\``, ``"``, ``$`` and backquote escaped by a backslash in
    double quotes, and nothing else is special there.
    """
    out = ['"']
    for char in value:
        if char in '\\"$`':
            out.append("\\")
        out.append(char)
    out.append('"')
    return "".join(out)


def comment_lines(prefix, comment):
    """The header: each line of ``comment`` behind ``prefix``; none for ''."""
    if not comment:
        return []
    return [(prefix + " " + line).rstrip() for line in comment.split("\n")]


def lines_text(lines):
    """``lines``, each ended by a newline."""
    return "".join(line + "\n" for line in lines)
