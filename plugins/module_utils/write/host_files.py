# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""One host's peer files, written in one go: the core of the ``peer_files`` module.

In this order, so that a refusal leaves every file of the host as it was:

1. every entry is checked (path, mode, owner) and every current file read,
   with its previous node names: from the state record, else from its text;
2. the shrink guard (:mod:`.shrink`) judges every file; a refusal names the
   peers that would go and touches nothing;
3. each changed file is written atomically with its final owner and mode
   (``safe_files.write_file``: a file gaining a cookie is never readable by
   others, not even for a moment), after its ``validate`` command accepted it;
4. the state records and the pending-restart marker are written.

A file that is or was secret (``sensitive``, or mode 0600 now or before, or
a record saying so) is never shown in a diff: its diff names the node names
added and removed instead.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import pwd
import stat

from ansible_collections.peerage.peerage.plugins.module_utils import safe_files
from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, PeerageError, describe_value
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import node_sort_key, normalize_node_names
from ansible_collections.peerage.peerage.plugins.module_utils.write import shrink, state

NOTHING_CHANGED = "no file was changed."
RESTART_MODES = ("new_hosts", "rolling", "all", "never")
# Group and others may read nothing of a secret file.
PRIVATE_BITS = 0o077


class ShrinkRefused(PeerageError):
    """The new list removes too many of a file's previous peers; nothing was written."""


def _mode(entry):
    value = entry.get("mode")
    if value is None:
        return 0o600 if entry.get("sensitive") else 0o644
    if isinstance(value, int) and 0 <= value <= 0o7777:
        return value
    text = str(value)
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o7777:
        raise OptionError(
            "%s: invalid mode %s: expected an octal mode such as '0644'; %s"
            % (entry["dest"], describe_value(value), NOTHING_CHANGED)
        )
    return mode


def _owner(entry, found):
    """``(uid, gid)`` of the written file: as given, else as the file has them now, else this process's."""
    uid, gid = (found.st_uid, found.st_gid) if found is not None else (os.geteuid(), os.getegid())
    try:
        if entry.get("owner"):
            owner = str(entry["owner"])
            uid = int(owner) if owner.isdigit() else pwd.getpwnam(owner).pw_uid
        if entry.get("group"):
            group = str(entry["group"])
            gid = int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        raise OptionError(
            "%s: no such owner or group on this host (owner %s, group %s); %s"
            % (entry["dest"], describe_value(entry.get("owner")), describe_value(entry.get("group")), NOTHING_CHANGED)
        )
    return uid, gid


class PlannedFile:
    """One entry with what the host has now: the current bytes and stat, the previous node names."""

    def __init__(self, entry, state_dir):
        self.dest = entry["dest"]
        if not os.path.isabs(self.dest):
            raise OptionError("%s: dest must be an absolute path; %s" % (describe_value(self.dest), NOTHING_CHANGED))
        self.entry = entry
        self.data = entry["content"].encode("utf-8")
        self.names = normalize_node_names(entry.get("names") or [])
        self.guarded = entry.get("guarded", True)
        self.mode = _mode(entry)
        try:
            found = safe_files.read_file(self.dest)
        except OSError as exc:
            raise PeerageError(
                "%s cannot be read as a regular file (%s); the role writes regular files only, not through a"
                " symbolic link; %s" % (self.dest, exc.strerror or exc, NOTHING_CHANGED)
            )
        current, info = found if found is not None else (None, None)
        self.current = current
        self.new = info is None
        self.owner = _owner(entry, info)
        self.record = state.read_record(state_dir, self.dest) if current is not None else None
        if current is None:
            self.previous = []
            self.previous_known = True
        elif self.record is not None:
            self.previous = self.record["names"]
            self.previous_known = True
        else:
            # Written before the role kept records: the names its text holds, if any.
            self.previous = state.names_in_text(current.decode("utf-8", "replace"))
            self.previous_known = bool(self.previous)
        self.secret = bool(
            entry.get("sensitive")
            or not self.mode & PRIVATE_BITS
            or (info is not None and not stat.S_IMODE(info.st_mode) & PRIVATE_BITS)
            or (self.record is not None and self.record["secret"])
        )
        self.changed = (
            info is None
            or self.current != self.data
            or stat.S_IMODE(info.st_mode) != self.mode
            or (info.st_uid, info.st_gid) != self.owner
        )

    @property
    def added(self):
        return shrink.added_peers(self.previous, self.names) if self.previous_known else []

    @property
    def removed(self):
        return shrink.removed_peers(self.previous, self.names) if self.previous_known else []

    def summary(self):
        return {
            "dest": self.dest,
            "changed": self.changed,
            "new": self.new,
            "added": self.added,
            "removed": self.removed,
        }

    def diff(self):
        if self.secret:
            return {
                "prepared": "%s: a secret file, its content is not shown\n"
                "node names added: %s\nnode names removed: %s\n"
                % (self.dest, ", ".join(self.added) or "none", ", ".join(self.removed) or "none")
            }
        return {
            "before_header": self.dest,
            "after_header": self.dest,
            "before": "" if self.current is None else self.current.decode("utf-8", "replace"),
            "after": self.data.decode("utf-8"),
        }


def _shrink_message(refused, max_removed):
    lines = []
    for planned, removed in refused:
        lines.append(
            "%s would lose %d of its %d peers (%s)"
            % (planned.dest, len(removed), len(planned.previous), ", ".join(removed))
        )
    limit = (
        "peerage_max_removed=%d" % max_removed
        if max_removed is not None
        else "fewer than half of the previous peers (peerage_max_removed unset)"
    )
    return (
        "the shrink guard refused this peer list: %s; a run may remove %s. If discovery lost these nodes (a DNS flap,"
        " a half-filled list), fix it and run again; to remove them on purpose, set peerage_allow_shrink=true or"
        " raise peerage_max_removed; %s" % ("; ".join(lines), limit, NOTHING_CHANGED)
    )


def _pending_wanted(new_host, changed, restart):
    if new_host:
        return None if restart == "never" else "start"
    if changed and restart in ("rolling", "all"):
        return "restart"
    return None


def write_host_files(
    files,
    state_dir,
    service="",
    restart="new_hosts",
    max_removed=None,
    allow_shrink=False,
    check_mode=False,
    diff_mode=False,
    backup=None,
    validate=None,
):
    """Write ``files`` (entries with dest, content, names, mode, owner, group, sensitive, guarded, backup, validate).

    ``backup(path)`` copies a file aside and returns the copy's path;
    ``validate(command, path)`` raises :class:`PeerageError` when ``command``
    refuses the new file. Returns the module's result; raises
    :class:`PeerageError` before any file is touched when an entry or the
    shrink guard refuses.
    """
    if restart not in RESTART_MODES:
        raise OptionError(
            "invalid peerage_restart %s: expected one of %s" % (describe_value(restart), ", ".join(RESTART_MODES))
        )
    if max_removed is not None and max_removed < 0:
        raise OptionError("invalid peerage_max_removed %d: expected a whole number >= 0" % max_removed)
    if not os.path.isabs(state_dir):
        raise OptionError("invalid peerage_state_dir %s: expected an absolute path" % describe_value(state_dir))
    if service:
        state.check_service_name(service)
    planned = [PlannedFile(entry, state_dir) for entry in files]
    refused = []
    for item in planned:
        if item.guarded and item.previous_known:
            removed = shrink.refused_removals(item.previous, item.names, max_removed, allow_shrink)
            if removed:
                refused.append((item, removed))
    if refused:
        raise ShrinkRefused(_shrink_message(refused, max_removed))

    new_host = bool(planned) and all(item.new for item in planned)
    changed = any(item.changed for item in planned)
    existing = state.read_marker(state_dir, service) if service else None
    pending = state.stronger(existing, _pending_wanted(new_host, changed, restart)) if service else None

    if not check_mode:
        # Before the first file: a state folder that cannot be used stops the host with its files untouched.
        safe_files.check_ancestors(os.path.realpath(state_dir), what="peerage_state_dir")
        safe_files.make_folder(state_dir, 0o700, what="peerage_state_dir")
        safe_files.make_folder(os.path.join(state_dir, state.RECORD_FOLDER), 0o700, what="peerage_state_dir")
    results = []
    for item in planned:
        summary = item.summary()
        if item.changed and not check_mode:
            if backup is not None and item.entry.get("backup") and not item.new:
                summary["backup_file"] = backup(item.dest)
            command = item.entry.get("validate")
            check = (lambda path, command=command: validate(command, path)) if command and validate else None
            safe_files.write_file(item.dest, item.data, item.mode, item.owner, check=check)
        results.append(summary)
    if not check_mode:
        for item in planned:
            safe_files.write_if_changed(
                state.record_path(state_dir, item.dest), state.record_bytes(item.dest, item.names, item.secret), 0o600
            )
        if pending is not None and pending != existing:
            safe_files.write_file(state.marker_path(state_dir, service), (pending + "\n").encode("ascii"), 0o600)

    peers = [item for item in planned if item.guarded]
    result = {
        "changed": changed,
        "pending": pending or "none",
        "files": results,
        "added": sorted({name for item in peers for name in item.added}, key=node_sort_key),
        "removed": sorted({name for item in peers for name in item.removed}, key=node_sort_key),
        "updated_not_restarted": changed and not new_host and pending is None,
    }
    if diff_mode:
        result["diff"] = [item.diff() for item in planned if item.changed]
    return result
