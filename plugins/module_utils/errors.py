# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Errors of the discovery core.

Three outcomes must never be confused: a bad value (refused before anything
is asked), a failed discovery (timeout, server failure: the answer is
unknown) and an empty discovery (the source answered and named no peers).
Callers, the role in particular, treat only the last as "no peers".

:func:`guarded_run` is the modules' one net: every error becomes a failed
task with a message and a one-word ``reason``, never a traceback (which is
kept for ``-vvv``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

# How much of a refused value a message shows.
DESCRIBED_LENGTH = 80


class PeerageError(Exception):
    """Base of every error the discovery core raises."""


class OptionError(PeerageError, ValueError):
    """An option has a value that is not allowed; the message names both."""


class NodeNameError(OptionError):
    """A node name is not valid; the message names the value and the rule."""

    def __init__(self, message, value=None):
        super(NodeNameError, self).__init__(message)
        self.value = value


class DiscoveryFailed(PeerageError):
    """The source could not be asked or did not answer (timeout, SERVFAIL, refused).

    ``reason`` is a short machine-readable word such as ``timeout``,
    ``servfail`` or ``refused``.
    """

    def __init__(self, message, reason="failed"):
        super(DiscoveryFailed, self).__init__(message)
        self.reason = reason


class NoPeersFound(PeerageError):
    """The source answered but named no peers, and ``allow_empty`` is false."""


def describe_value(value):
    """Show a refused value safely in a message: repr() makes control characters visible; long ones are cut."""
    text = repr(value)
    if len(text) > DESCRIBED_LENGTH:
        text = text[: DESCRIBED_LENGTH - 3] + "..."
    return text


def failure_reason(exc):
    """The one-word ``reason`` a module reports for ``exc``."""
    if isinstance(exc, NoPeersFound):
        return "no_peers"
    if isinstance(exc, DiscoveryFailed):
        return exc.reason
    if isinstance(exc, OptionError):
        return "invalid"
    if isinstance(exc, PeerageError):
        return "failed"
    return "internal"


def unexpected_error_message(exc):
    """What the user sees of an error the collection did not foresee: its type and text, and where the traceback is."""
    # The error's own text comes last: ansible-core 2.19 appends a cause's text unless the message ends with it.
    error = "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
    return (
        "unexpected error in peerage.peerage, its traceback is shown at -vvv"
        " (ansible-core 2.19 and later: with ANSIBLE_DISPLAY_TRACEBACK=error): %s" % error
    )


def guarded_run(module, run, **context):
    """Call ``run()``, which ends with ``module.exit_json``; turn any error into ``module.fail_json``.

    A :class:`PeerageError` gives its own message, and its ``result`` (if it
    has one) goes into the task's result. Anything else is an error the
    collection did not foresee: the message names its type, and the
    traceback goes where Ansible shows it (``-vvv``; from ansible-core 2.19
    on, ``ANSIBLE_DISPLAY_TRACEBACK=error``). ``context`` (such as
    ``via``) is added to the result of a failure.
    """
    try:
        run()
    except PeerageError as exc:
        details = dict(context)
        details.update(getattr(exc, "result", None) or {})
        module.fail_json(msg=str(exc), reason=failure_reason(exc), **details)
    except Exception as exc:  # the net: no traceback reaches the user, -vvv shows it
        module.fail_json(
            msg=unexpected_error_message(exc),
            reason=failure_reason(exc),
            exception=traceback.format_exc(),
            **context
        )
