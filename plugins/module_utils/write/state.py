# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""What the role keeps on a host between runs, in its state folder.

- ``files/<sha256 of dest>.json``: one record per file the role wrote, with
  the node names it holds and whether it is or was secret, so the next run
  knows the previous peers whatever the file's format;
- ``<service>.pending``: the pending-restart marker of a service, one line
  (``start`` or ``restart``), kept until the restart step removes it.

Everything is written with :mod:`safe_files`: 0600 files in a 0700 folder
of this user, never through a symbolic link.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re

from ansible_collections.peerage.peerage.plugins.module_utils import safe_files
from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, describe_value
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import normalize_node_names, validate_node_name

RECORD_FOLDER = "files"
PENDING = ("start", "restart")
# Where a node name can stand in a file's text: after anything that is not part of one.
_NAME_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_@.-])[A-Za-z0-9_-]+@[A-Za-z0-9_.:-]*[A-Za-z0-9_]")


def record_path(state_dir, dest):
    """The path of the record of the file ``dest``: named by a digest, so any path fits one file name."""
    digest = hashlib.sha256(dest.encode("utf-8", "surrogateescape")).hexdigest()
    return os.path.join(state_dir, RECORD_FOLDER, digest + ".json")


def read_record(state_dir, dest):
    """The record of ``dest`` (``{"dest", "names", "secret"}``), or None when there is none or it is unreadable."""
    try:
        data = safe_files.read_bytes(record_path(state_dir, dest))
    except OSError:
        return None
    if data is None:
        return None
    try:
        record = json.loads(data.decode("utf-8"))
        names = normalize_node_names(record["names"])
    except (ValueError, KeyError, TypeError):
        return None  # not a record this code wrote: the file's text decides
    if record.get("dest") != dest:
        return None
    return {"dest": dest, "names": names, "secret": record.get("secret") is True}


def record_bytes(dest, names, secret):
    """The text of a record, the same for the same content so that an unchanged record is not rewritten."""
    return (json.dumps({"dest": dest, "names": list(names), "secret": bool(secret)}, sort_keys=True) + "\n").encode(
        "utf-8"
    )


def names_in_text(text):
    """The node names found in a file's text (``app@10.0.0.1`` inside any format), sorted; others ignored.

    For a file written before the role kept records: its current text is the
    best knowledge of its previous peers.
    """
    found = set()
    for match in _NAME_IN_TEXT.finditer(text):
        try:
            found.add(validate_node_name(match.group(0)))
        except OptionError:
            continue
    return normalize_node_names(found)


def check_service_name(service):
    """Refuse a service name that would put its marker outside the state folder."""
    if "/" in service or service.startswith(".") or "\0" in service:
        raise OptionError(
            "invalid peerage_service %s: a service name may not contain '/' or start with '.'"
            " (it names the pending-restart marker in peerage_state_dir)" % describe_value(service)
        )


def marker_path(state_dir, service):
    return os.path.join(state_dir, service + ".pending")


def read_marker(state_dir, service):
    """The pending restart of ``service`` (``start``, ``restart``) or None; an unknown content counts as restart."""
    data = safe_files.read_bytes(marker_path(state_dir, service))
    if data is None:
        return None
    word = data.decode("utf-8", "replace").strip()
    return word if word in PENDING else "restart"


def stronger(first, second):
    """The pending restart that does both: ``start`` wins over ``restart``, which wins over None."""
    for word in PENDING:
        if word in (first, second):
            return word
    return None
