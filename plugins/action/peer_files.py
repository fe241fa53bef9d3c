# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The controller side of peerage.peerage.peer_files: the host's list guarded, every entry rendered, one module run.

The host's part of the role's plan (``role_plan.plan_host``): its node name,
the list it writes (with ``guard``, the role's guard over what discovery
found) and its files. A built-in format is rendered with the host's peers (a
``release_env`` file with the host's own name), a ``src`` template with the
host's variables and ``peerage_peers`` as ``ansible.builtin.template`` renders it. The rendered text goes to the module
only: the module's ``invocation`` (its arguments, a cookie among them) is
left out of the task's result, so nothing secret is shown or registered.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.option_values import as_bool
from ansible_collections.peerage.peerage.plugins.plugin_utils import role_plan
from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import render_template_file

MODULE = "peerage.peerage.peer_files"
# Entry keys the module reads as they are given.
PASSED_KEYS = ("mode", "owner", "group", "validate")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(
        (
            "files",
            "peers",
            "address",
            "app_name",
            "guard",
            "state_dir",
            "service",
            "restart",
            "max_removed",
            "allow_shrink",
        )
    )

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        task_vars = task_vars if task_vars is not None else {}
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        guard_settings = args.pop("guard", None)
        if guard_settings is not None and not isinstance(guard_settings, Mapping):
            result.update(failed=True, changed=False, msg="peerage: guard must be a dictionary of the guard's settings")
            return result
        try:
            self_name, peers, planned = role_plan.plan_host(
                args.get("files"), args.get("peers"), args.get("address"), args.pop("app_name", None), guard_settings
            )
            variables = dict(task_vars, peerage_peers=peers)
            files = [self._module_entry(index, item, peers, self_name, variables) for index, item in enumerate(planned)]
        except PeerageError as exc:
            result.update(failed=True, changed=False, msg="peerage: %s" % exc)
            return result
        args.update(files=files, peers=peers)
        written = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
        # The module's arguments hold every file's text, a secret's too.
        written.pop("invocation", None)
        if written.get("failed") and not str(written.get("msg", "")).startswith("peerage: "):
            written["msg"] = "peerage: %s" % written.get("msg", "")
        result.update(written)
        # The list the host writes, for the role's peerage_peers.
        result["peers"] = peers
        return result

    def _module_entry(
        self, index: int, item: dict[str, t.Any], peers: list[str], self_name: str | None, task_vars: dict[str, t.Any]
    ) -> dict[str, t.Any]:
        release_env = item.get("format") == "release_env"
        content = item.get("content")
        if content is None:
            content = self._render_src(index, item, task_vars)
        entry = {
            "dest": item["dest"],
            "content": str(content),
            # A release_env file names the host itself: not a peer list, not guarded.
            "names": [self_name] if release_env else peers,
            "guarded": not release_env,
            "sensitive": bool(item["secret"]),
            "backup": as_bool(item.get("backup"), "peerage_files[%d].backup" % index, False),
        }
        entry.update({key: item[key] for key in PASSED_KEYS if item.get(key) is not None})
        return entry

    def _render_src(self, index: int, item: dict[str, t.Any], task_vars: dict[str, t.Any]) -> str:
        where = "peerage_files[%d] (dest %s)" % (index, item["dest"])
        try:
            source = self._find_needle("templates", item["src"])
            # The entry itself is the template's peerage_file, as it was in the role's loop.
            variables = dict(task_vars, peerage_file=item)
            return render_template_file(self._templar, self._loader, source, item["src"], item["dest"], variables)
        except AnsibleError as exc:
            raise PeerageError(
                "%s: cannot render src %s: %s; %s" % (where, item["src"], exc, role_plan.NOTHING_CHANGED)
            ) from exc
