# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""What one role call changed on the play's hosts: the ``peerage_changes`` fact and its console line.

Read from each host's registered results of this role call: the write
(``__peerage_written``: added, removed, pending, updated_not_restarted) and,
where a start or restart was pending, the restart step (``__peerage_restarted``:
done, pending, left_pending). A host whose write pending was "none" ran no
restart task in this call, so a restart result it carries from an earlier
role call of the play is not read.

Runs on the controller only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

RESTARTED = ("restarted", "reloaded")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _names(value: Any) -> list[str]:
    return [str(name) for name in value] if isinstance(value, Sequence) and not isinstance(value, str) else []


def host_changes(written: Any, restarted: Any, peers: bool = True) -> dict[str, Any]:
    """One host's entry: peers added and removed, what was done, and what is still pending.

    ``peers=False`` for a write that holds no peer list (the beacon service's unit): none added or removed.
    """
    written, restarted = _mapping(written), _mapping(restarted)
    pending = str(written.get("pending") or "none")
    done = "none"
    left_pending = False
    if pending != "none" and restarted and not restarted.get("skipped"):
        done = str(restarted.get("done") or "none")
        pending = str(restarted.get("pending") or pending)
        left_pending = bool(restarted.get("left_pending"))
    files = [_mapping(entry) for entry in written.get("files") or []]
    return {
        # A host none of whose files existed before: what it names is not news to the cluster.
        "new": bool(files) and all(entry.get("new") for entry in files),
        "added": sorted(set(_names(written.get("added")))) if peers else [],
        "removed": sorted(set(_names(written.get("removed")))) if peers else [],
        "done": done,
        "pending": pending,
        "left_pending": left_pending,
        "updated_not_restarted": bool(written.get("updated_not_restarted")),
    }


def role_changes(
    hosts: Sequence[str], written: Mapping[str, Any], restarted: Mapping[str, Any], peers: bool = True
) -> dict[str, Any]:
    """``peerage_changes``: per host, and the totals over ``hosts`` (the play batch, in play order)."""
    per_host = {host: host_changes(written.get(host), restarted.get(host), peers) for host in hosts}
    # Joined: what the members' lists gained; on a first deploy (every host new), everything.
    members = [entry for entry in per_host.values() if not entry["new"]] or list(per_host.values())
    return {
        "hosts": per_host,
        "added": sorted({name for entry in members for name in entry["added"]}),
        "removed": sorted({name for entry in per_host.values() for name in entry["removed"]}),
        "started": [host for host, entry in per_host.items() if entry["done"] == "started"],
        "restarted": [host for host, entry in per_host.items() if entry["done"] in RESTARTED],
        "pending": [host for host, entry in per_host.items() if entry["pending"] != "none"],
        "updated_not_restarted": [host for host, entry in per_host.items() if entry["updated_not_restarted"]],
    }


def _done_parts(changes: Mapping[str, Any], updated: str) -> list[str]:
    """What was started and restarted, what is still pending, and which hosts run with an ``updated`` file."""
    parts = []
    if changes["started"]:
        parts.append("started: %s" % ", ".join(changes["started"]))
    if changes["restarted"]:
        parts.append("restarted: %s" % ", ".join(changes["restarted"]))
    if changes["pending"]:
        parts.append("still pending (next run): %s" % ", ".join(
            "%s (%s)" % (host, changes["hosts"][host]["pending"]) for host in changes["pending"]))
    if changes["updated_not_restarted"]:
        parts.append("%s updated, takes effect at next start: %s" % (
            updated, ", ".join(changes["updated_not_restarted"])))
    return parts


def summary_line(changes: Mapping[str, Any], service: str = "") -> str:
    """The one console line of a role call: who joined and left, and what was done about it."""
    parts = []
    if changes["added"]:
        parts.append("joined: %s" % ", ".join(changes["added"]))
    if changes["removed"]:
        parts.append("left: %s" % ", ".join(changes["removed"]))
    parts.extend(_done_parts(changes, "file"))
    subject = "peerage%s" % (" (%s)" % service if service else "")
    return "%s: %s" % (subject, "; ".join(parts) if parts else "no peer changed, nothing restarted")


def beacon_line(changes: Mapping[str, Any]) -> str:
    """The console line of the beacon services (``peerage_changes.beacon``): what was done to them."""
    parts = _done_parts(changes, "unit")
    return "peerage beacon: %s" % ("; ".join(parts) if parts else "no unit changed, nothing restarted")
