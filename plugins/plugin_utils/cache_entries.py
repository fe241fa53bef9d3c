# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""An answer read from the run's cache: the entry's name, where it is, and a safe read of it.

What a worker needs when another worker of the run has asked already, and
nothing more: Ansible loads a lookup afresh in every worker and compiles each
collection module from source there, so this file imports no collection code.
run_cache.py (asking, locking, writing; see its description) builds on it.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import math
import os
import stat
import time
from collections.abc import Callable, Mapping
from typing import Any

FOLDER_NAME = "peerage-cache"
KEY_FILE = "key"
# Bumped when the entry format changes; part of every key.
ENTRY_FORMAT = 1
# Options that change how a discovery is logged or cached, never what it answers: log_results and the
# cache options (provider_options.CACHE_OPTIONS, held equal by tests/unit/plugins/plugin_utils/test_run_cache.py).
NOT_IN_KEY = frozenset(("log_results", "cache", "cache_max_age"))
# The built-in providers whose answer depends only on their options and costs a question.
# The list provider checks the names it was given in less time than reading an entry, the
# self provider answers from the host's own variables, and a UDP probe's answer depends on
# the moment it is sent (which beacons are up): none of them is cached.
CACHED_PROVIDERS = ("dns",)
MIN_MAX_AGE = 0.001


def run_folder() -> str | None:
    """Ansible's local temporary folder of this run (``DEFAULT_LOCAL_TMP``), or None if it does not exist."""
    # Imported here: ansible-core's constants are loaded by then in every Ansible process.
    from ansible import constants as C

    folder = getattr(C, "DEFAULT_LOCAL_TMP", None)
    return folder if folder and os.path.isdir(folder) else None


def typed_cache_options(options: Mapping[str, Any]) -> tuple[bool, float] | None:
    """``cache`` and ``cache_max_age`` when they are as ansible-core's option definitions type them, else None."""
    use_cache, max_age = options.get("cache"), options.get("cache_max_age")
    if isinstance(use_cache, bool) and isinstance(max_age, float) and MIN_MAX_AGE <= max_age < math.inf:
        return use_cache, max_age
    return None


def entry_name(secret: bytes, via: str, options: Mapping[str, Any]) -> str:
    """The name of a question's entry: an HMAC of the provider and its answer-changing options under ``secret``.

    Raises TypeError or ValueError for options that cannot be compared.
    """
    # The peers lookup's own "via" is the ``via`` given here, so the dns lookup and peers with via=dns agree.
    question = {name: value for name, value in options.items() if name not in NOT_IN_KEY and name != "via"}
    # str() for values JSON does not know (a vaulted string): hashed, never stored.
    text = json.dumps([ENTRY_FORMAT, via, question], sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def is_private(info: os.stat_result, kind: Callable[[int], bool] = stat.S_ISREG) -> bool:
    """True for a file of ``kind`` (a folder: ``stat.S_ISDIR``) of this user that no other user may read or write."""
    return kind(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077


def read_private(path: str) -> bytes | None:
    """The content of ``path``, or None if there is none.

    Opened without following a symbolic link; anything but a regular file of
    this user that no other user may read or write raises OSError.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        if not is_private(os.fstat(descriptor)):
            raise OSError(errno.EPERM, "not a regular file of this user with mode 0600", path)
        return handle.read()


def fresh_entry(data: bytes | None, now: float, max_age: float) -> dict[str, Any] | None:
    """The entry ``data`` holds if it is younger than ``max_age``; None if it is older, unreadable or absent."""
    if data is None:
        return None
    try:
        entry = json.loads(data.decode("utf-8"))
        age = now - float(entry["created"])
    except (ValueError, KeyError, TypeError):
        return None
    # A negative age means the clock was set back: the entry's age is unknown.
    return entry if 0 <= age < max_age else None


def cached_answer(via: str, options: Mapping[str, Any], now: float | None = None) -> list[str] | None:
    """The peers another worker of this run found for this question, or None when there is no such answer.

    None also when the provider's answers are not kept, the cache is off or
    its options are not as ansible-core types them, anything is not as the
    run's cache leaves it (a folder or file that is not private, a link, no
    key yet), or the entry holds an error: the caller then goes through
    run_cache.py, which checks the options, says why, asks, or raises the
    stored error.
    """
    typed = typed_cache_options(options) if via in CACHED_PROVIDERS else None
    if typed is None or not typed[0]:
        return None
    found = run_folder()
    if found is None:
        return None
    folder = os.path.join(found, FOLDER_NAME)
    try:
        if not is_private(os.lstat(folder), stat.S_ISDIR):
            return None
        secret = read_private(os.path.join(folder, KEY_FILE))
        if not secret:
            return None
        data = read_private(os.path.join(folder, entry_name(secret, via, options) + ".json"))
    except (OSError, TypeError, ValueError):
        return None
    entry = fresh_entry(data, time.time() if now is None else now, typed[1])
    if entry is None or "error" in entry:
        return None
    return [str(name) for name in entry["peers"]]


def hit_message(source: str, peers: list[str]) -> str:
    """What ``-v`` shows of an answer read from the cache."""
    return "peerage: %s found %d peer(s): %s (answer cached for this run)" % (
        source, len(peers), ", ".join(peers) or "none")
