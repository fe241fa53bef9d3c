# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Errors of the discovery core.

Three outcomes must never be confused: a bad value (refused before anything
is asked), a failed discovery (timeout, server failure: the answer is
unknown) and an empty discovery (the source answered and named no peers).
Callers, the role in particular, treat only the last as "no peers".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


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
