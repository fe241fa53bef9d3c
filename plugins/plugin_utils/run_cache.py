# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""One discovery per question per run: a result cache shared by the worker processes of one Ansible run.

Ansible templates a lookup in a forked worker process for every host and
task, so ``lookup('peerage.peerage.dns', ...)`` in group_vars asks DNS once
per host and reference. Here the answer to one question (the provider and
every option it receives that can change the answer) is kept for the run:
the first worker asks while the others wait on a lock, and then read its
answer. A failure is kept too, so a dead nameserver costs one timeout per
run, and every host reports the provider's own error.

Where: a folder ``peerage-cache`` inside Ansible's own local temporary folder
(``DEFAULT_LOCAL_TMP``). The ``ansible-playbook`` process creates that folder
for itself (``mkdtemp``: private, named after its pid) when it starts, before
it forks any worker, and removes it when it exits. Every worker of one run
sees the same folder; another run, at the same time or later, has its own.
A run killed before it could clean up leaves its folder behind with the rest
of Ansible's folder; no run reads it again, and no run removes another's.

Nothing in the folder or its file names says what was asked: an entry is
named by an HMAC of the question under a random key made for the run, and
holds only the answer (node names) or the error message.

Reading an answer (its key, its folder, a safe read of its file) is
cache_entries.py's, which a worker loads alone when the answer is there;
this file adds what asking needs: the folder made and checked with reasons,
the run's key made, the lock, the entry written, a stored error raised again.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import default_of
from ansible_collections.peerage.peerage.plugins.module_utils.safe_files import UnsafePath, check_folder, write_file
from ansible_collections.peerage.peerage.plugins.plugin_utils.cache_entries import (
    CACHED_PROVIDERS,
    ENTRY_FORMAT,
    FOLDER_NAME,
    KEY_FILE,
    MIN_MAX_AGE,
    entry_name,
    fresh_entry,
    hit_message,
    read_private,
    run_folder,
    typed_cache_options,
)

if TYPE_CHECKING:
    from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError

DEFAULT_CACHE = bool(default_of("cache", "cache"))
# A long play re-asks after this many seconds, so DNS changes made during the play are seen.
DEFAULT_MAX_AGE = float(default_of("cache_max_age", "cache"))
# What the core's errors carry besides their message (DiscoveryFailed.reason, NodeNameError.value, a result).
ERROR_ATTRIBUTES = ("reason", "value", "result")

Discover = Callable[[], list[str]]
Report = Callable[[str, int], None]


class CacheUnusable(Exception):
    """The run's cache folder cannot be used safely; discovery then runs uncached."""


class RunCache:
    """The answers of one run, in ``folder``; see the module's description."""

    def __init__(self, folder: str, max_age: float = DEFAULT_MAX_AGE, clock: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.max_age = max_age
        self.clock = clock
        self._secret: bytes | None = None

    @classmethod
    def for_this_run(cls, max_age: float = DEFAULT_MAX_AGE) -> RunCache:
        found = run_folder()
        if found is None:
            from ansible import constants as C

            raise CacheUnusable("Ansible's local temporary folder %r does not exist"
                                % (getattr(C, "DEFAULT_LOCAL_TMP", None),))
        return cls(open_folder(found), max_age)

    # ------------------------------------------------------------- keys

    def key(self, via: str, options: Mapping[str, Any]) -> str:
        """The entry name of a question (cache_entries.entry_name) under the run's key."""
        secret = self._run_secret()
        try:
            return entry_name(secret, via, options)
        except (TypeError, ValueError) as exc:
            raise CacheUnusable("the options cannot be compared (%s)" % exc) from exc

    def _run_secret(self) -> bytes:
        """The run's random HMAC key, made by the first worker that needs it."""
        if self._secret is None:
            path = os.path.join(self.folder, KEY_FILE)
            secret = read_private(path)
            if secret is None:
                # Linked into place, never replaced: a worker never reads half a key, nor another key later.
                try:
                    write_file(path, os.urandom(32), 0o600, replace=False)
                except FileExistsError:
                    pass  # another worker was first; use its key
                secret = read_private(path)
            if not secret:
                raise CacheUnusable("the cache key file %s cannot be read" % path)
            self._secret = secret
        return self._secret

    # ---------------------------------------------------------- entries

    def get_or_run(self, key: str, discover: Discover) -> tuple[list[str], bool]:
        """Return ``(peers, from_cache)``; only one process of the run calls ``discover`` for a key.

        A :class:`PeerageError` from ``discover`` is stored and raised again,
        rebuilt, to every later caller. Any other exception is not stored.
        :class:`CacheUnusable` says the cache could not be read or locked,
        before ``discover`` was called.
        """
        entry_path = os.path.join(self.folder, key + ".json")
        entry = self._fresh(entry_path)
        if entry is None:
            with _locked(os.path.join(self.folder, key + ".lock")):
                # Whoever held the lock before may have answered while this process waited.
                entry = self._fresh(entry_path)
                if entry is None:
                    # Imported here, not above: a worker that reads a cached answer needs no error class.
                    from ansible_collections.peerage.peerage.plugins.module_utils import errors

                    try:
                        peers = discover()
                    except errors.PeerageError as exc:
                        _store(entry_path, _entry(self.clock(), error=exc))
                        raise
                    _store(entry_path, _entry(self.clock(), peers=peers))
                    return peers, False
        return _answer(entry), True

    def _fresh(self, path: str) -> dict[str, Any] | None:
        try:
            data = read_private(path)
        except OSError as exc:
            raise CacheUnusable("the cache entry %s cannot be read (%s)" % (path, exc)) from exc
        # None for an unreadable entry too: ask again and replace it.
        return fresh_entry(data, self.clock(), self.max_age)


def _entry(created: float, peers: list[str] | None = None, error: PeerageError | None = None) -> bytes:
    entry: dict[str, Any] = {"format": ENTRY_FORMAT, "created": created}
    if error is None:
        entry["peers"] = list(peers or [])
    else:
        entry["error"] = {
            "type": type(error).__name__,
            "message": str(error),
            "attributes": {name: getattr(error, name) for name in ERROR_ATTRIBUTES if hasattr(error, name)},
        }
    return json.dumps(entry, default=str).encode("utf-8")


def _answer(entry: dict[str, Any]) -> list[str]:
    """The stored peers, or the stored error raised as the class the provider raised."""
    if "error" not in entry:
        return [str(name) for name in entry["peers"]]
    error = entry["error"]
    from ansible_collections.peerage.peerage.plugins.module_utils import errors

    cls = getattr(errors, str(error.get("type")), None)
    if not (isinstance(cls, type) and issubclass(cls, errors.PeerageError)):
        cls = errors.PeerageError
    # Built without calling the class's own __init__, whose arguments differ between classes.
    exc = cls.__new__(cls)
    Exception.__init__(exc, error.get("message", ""))
    for name, value in (error.get("attributes") or {}).items():
        setattr(exc, name, value)
    raise exc


# ------------------------------------------------------------- the folder


def open_folder(run_folder: str, name: str = FOLDER_NAME, what: str = "the run's cache folder") -> str:
    """Return the folder ``name`` inside ``run_folder``, made private (0700) if new, checked if not."""
    folder = os.path.join(run_folder, name)
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    try:
        check_folder(folder, what, private=True)
    except UnsafePath as exc:
        raise CacheUnusable(str(exc)) from exc
    return folder


# --------------------------------------------------------------- files


def _store(path: str, data: bytes) -> None:
    # An answer that cannot be stored (a full disk) is still the answer: the next worker asks again.
    try:
        write_file(path, data, 0o600)
    except OSError:
        pass


@contextmanager
def _locked(path: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path``; the kernel releases it if the holder dies.

    A lock that cannot be taken (the folder is gone) raises :class:`CacheUnusable` before anything runs.
    """
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise CacheUnusable("the cache lock %s cannot be taken (%s)" % (path, exc)) from exc
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


# ------------------------------------------------------------- the hook


def run_cached(
    via: str,
    options: Mapping[str, Any],
    discover: Discover,
    report: Report | None = None,
    source: str = "",
    opted_in: bool = False,
) -> list[str]:
    """Run ``discover`` through the run's cache when ``via`` is cached and ``cache`` is on; else run it."""
    use_cache, max_age = _cache_options(options)
    if not use_cache or not (opted_in or via in CACHED_PROVIDERS):
        return discover()
    try:
        cache = RunCache.for_this_run(max_age)
        key = cache.key(via, options)
    except (CacheUnusable, OSError) as exc:
        return _uncached(discover, report, exc)
    try:
        peers, from_cache = cache.get_or_run(key, discover)
    except CacheUnusable as exc:  # raised before discover ran: the provider's own errors pass through
        return _uncached(discover, report, exc)
    if from_cache and report:
        report(hit_message(source or "the %s provider" % via, peers), 1)
    return peers


def _cache_options(options: Mapping[str, Any]) -> tuple[bool, float]:
    """``cache`` and ``cache_max_age``, checked; an OptionError names a value that is not allowed."""
    # As ansible-core's option definitions typed them: no conversion to load (option_values) in every worker.
    typed = typed_cache_options(options)
    if typed is not None:
        return typed
    use_cache, max_age = options.get("cache"), options.get("cache_max_age")
    from ansible_collections.peerage.peerage.plugins.module_utils.option_values import as_bool, as_number

    return (as_bool(use_cache, "cache", DEFAULT_CACHE),
            as_number(max_age, "cache_max_age", DEFAULT_MAX_AGE, MIN_MAX_AGE))


def _uncached(discover: Discover, report: Report | None, why: Exception) -> list[str]:
    if report:
        report("peerage: the run's result cache is not used: %s" % why, 3)
    return discover()


def provider_allows_cache(poll: Callable[..., Any]) -> bool:
    """True when the provider file of ``poll`` sets ``CACHE = True``: its answer depends only on its options."""
    function = getattr(poll, "__wrapped__", poll)
    return getattr(function, "__globals__", {}).get("CACHE") is True
