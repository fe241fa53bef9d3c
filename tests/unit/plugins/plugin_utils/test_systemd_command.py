# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ExecStart= quoted by systemd's rules: examples, and systemd's reading of it as a property."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.plugin_utils.systemd_command import command_line, quote_word

_C_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}
# The service's environment, for the variables a reading expands.
ENVIRONMENT = {"HOME": "/root", "USER": "root"}


def _word(line, pos):
    """Read one word from ``pos``: quoted parts ('...' or "...") and bare parts, with C-style escapes."""
    word, quote = [], None
    while pos < len(line) and (quote or line[pos] not in " \t"):
        char = line[pos]
        if char == "\\":
            code = line[pos + 1]
            if code == "x":
                word.append(chr(int(line[pos + 2 : pos + 4], 16)))
                pos += 4
                continue
            assert code in _C_ESCAPES, "unknown escape \\%s" % code
            word.append(_C_ESCAPES[code])
            pos += 2
        elif quote and char == quote:
            quote = None
            pos += 1
        elif not quote and char in "'\"":
            quote = char
            pos += 1
        else:
            word.append(char)
            pos += 1
    assert quote is None, "unbalanced quoting"
    return "".join(word), pos


def _specifiers(word):
    return re.sub(r"%(.)", lambda m: "%" if m.group(1) == "%" else pytest.fail("specifier %" + m.group(1)), word)


def _variables(word):
    """$$ is '$'; ${NAME} anywhere, and $NAME as the whole word, are the variable's value."""
    whole = re.match(r"\A\$([A-Za-z_][A-Za-z0-9_]*)\Z", word)
    if whole:
        return ENVIRONMENT.get(whole.group(1), "")
    return re.sub(
        r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: ENVIRONMENT.get(m.group(1), "") if m.group(1) else "$", word
    )


def systemd_argv(line):
    """Read an ExecStart= value as systemd.service(5) ("Command lines") says systemd does.

    Words split at whitespace, each made of quoted and bare parts with C-style
    escapes; then specifiers (only '%%' is known here); then, when the
    command runs, environment variables (:data:`ENVIRONMENT`) in every word
    but the program's path. Returns ``(path, argv)``.
    """
    words, pos = [], 0
    while pos < len(line):
        if line[pos] in " \t":
            pos += 1
            continue
        word, pos = _word(line, pos)
        words.append(_specifiers(word))
    return words[0], [_variables(word) for word in words]


def test_a_space_a_quote_and_a_dollar_stay_in_their_word():
    argv = ["/usr/bin/python3", "/var/lib/peer age/it's \"${HOME}\"/launcher", "--config", "$HOME", "/etc/$$/100%/b\\c"]
    line = command_line(argv)
    assert line == (
        '"/usr/bin/python3" "/var/lib/peer age/it\'s \\"$${HOME}\\"/launcher" "--config" "$$HOME"'
        ' "/etc/$$$$/100%%/b\\\\c"'
    )
    assert systemd_argv(line) == ("/usr/bin/python3", argv)


def test_control_characters_are_escaped_and_no_line_break_is_written():
    assert quote_word("a\nb\tc\rd\x01e\x7f") == '"a\\nb\\tc\\rd\\x01e\\x7f"'
    # A word of its own that systemd would otherwise take for a command separator.
    assert quote_word(";") == '";"'
    assert quote_word("") == '""'


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], r"expected a non-empty list of arguments"),
        ("/usr/bin/python3 x", r"expected a non-empty list of arguments"),
        (["python3", "x"], r"its first word must be the program's absolute path"),
        (["-/usr/bin/python3"], r"its first word must be the program's absolute path"),
        (["/opt/$venv/bin/python3"], r"invalid program path '/opt/\$venv/bin/python3': .* may not contain '\$'"),
        (["/usr/bin/python3", 5], r"invalid command argument 5: expected a string"),
        (["/usr/bin/python3", "a\0b"], r"a NUL character cannot be passed"),
    ],
)
def test_what_systemd_cannot_run_as_given_is_refused(argv, message):
    with pytest.raises(OptionError, match=message):
        command_line(argv)


ARGUMENT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=12)
PROGRAM_CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\0$")
PROGRAM = st.builds("/{}".format, st.text(PROGRAM_CHARACTERS, max_size=12))


@given(program=PROGRAM, arguments=st.lists(ARGUMENT, max_size=5))
def test_systemd_runs_exactly_the_given_arguments(program, arguments):
    argv = [program, *arguments]
    line = command_line(argv)
    assert "\n" not in line and "\r" not in line
    assert systemd_argv(line) == (program, argv)
