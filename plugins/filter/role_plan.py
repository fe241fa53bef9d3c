# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the peerage role: its settings checked, the options it passes on to a provider.

Also the beacon service's command line and the report of what a role call changed.

Thin over ``plugins/plugin_utils/role_plan.py``; each filter's documentation
is the YAML file of the same name in this folder.
"""

from __future__ import annotations

import functools
import os
import typing as t
from collections.abc import Mapping

import yaml

from ansible_collections.peerage.peerage.plugins.module_utils.option_values import as_bool
from ansible_collections.peerage.peerage.plugins.plugin_utils import role_plan, role_report, systemd_command
from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleFilterError, as_filter_error


def _call(func: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> t.Any:
    """Run a core function; report its errors as filter errors that start with 'peerage: '."""
    with as_filter_error("peerage: "):
        return func(*args, **kwargs)


# libyaml when it is there: the spec is read on every host of a play.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=16)
def _spec_options(spec_file: str, entry_point: str, mtime_ns: int) -> dict[str, t.Any]:
    """The options of one entry point of a role's meta/argument_specs.yml (cached while the file is unchanged)."""
    with open(spec_file, "rb") as stream:
        specs = yaml.load(stream, Loader=_SafeLoader)
    try:
        return t.cast("dict[str, t.Any]", specs["argument_specs"][entry_point]["options"])
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(
            "peerage: %s has no options for the entry point %r" % (spec_file, entry_point)
        ) from exc


def _options_of(spec_file: str, entry_point: str) -> dict[str, t.Any]:
    try:
        mtime_ns = os.stat(spec_file).st_mtime_ns
    except OSError as exc:
        raise AnsibleFilterError("peerage: cannot read the argument spec %s: %s" % (spec_file, exc)) from exc
    return _spec_options(spec_file, entry_point, mtime_ns)


def role_setting_names(spec_file: str, entry_point: str) -> list[str]:
    """The variables an entry point of a role's argument spec documents, sorted; ``no_log`` ones left out.

    A secret is read only where it is used: checking it with the others would
    decrypt (or fail on) a vaulted value that the run does not need.
    """
    options = _options_of(spec_file, entry_point)
    return sorted(name for name, spec in options.items() if not _is_secret(spec))


def _is_secret(spec: t.Any) -> bool:
    return isinstance(spec, Mapping) and as_bool(spec.get("no_log"), "no_log", False)


def checked_role_settings(settings: t.Any, spec_file: str, entry_point: str) -> t.Any:
    """``settings`` as given, once they fit the entry point's options; else a failure naming each bad one."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError("peerage: the role's settings must be a dictionary, not %s" % type(settings).__name__)
    return _call(role_plan.check_settings, settings, _options_of(spec_file, entry_point))


def provider_option_names(via: str, beacon: bool = False) -> list[str]:
    """The options the role passes to the provider ``via`` (or to a UDP beacon) from peerage_<option>."""
    return t.cast("list[str]", _call(role_plan.role_option_names, via, beacon=bool(beacon)))


def systemd_command_line(argv: t.Any) -> str:
    """``argv`` as the value of a systemd unit's ``ExecStart=``, quoted by systemd's rules."""
    return t.cast(str, _call(systemd_command.command_line, argv))


# The registered results each report reads: the write and the restart step.
_REPORTED = {
    False: ("__peerage_written", "__peerage_restarted"),
    True: ("__peerage_beacon_unit", "__peerage_beacon_restarted"),
}


def role_changes(hosts: t.Any, hostvars: t.Any, beacon: bool = False) -> dict[str, t.Any]:
    """``peerage_changes`` of one role call, from the registered results of ``hosts`` in ``hostvars``.

    ``beacon=True``: the same for the UDP beacon services (their units and restart step), no peers.
    """
    names = [str(host) for host in hosts]
    write_var, restart_var = _REPORTED[bool(beacon)]
    written = {host: hostvars[host].get(write_var) for host in names}
    restarted = {host: hostvars[host].get(restart_var) for host in names}
    return role_report.role_changes(names, written, restarted, peers=not beacon)


def role_changes_line(changes: t.Any, service: str = "") -> t.Any:
    """The console line that says what a role call changed; with beacon services, a second line for them."""
    line = role_report.summary_line(changes, service)
    if "beacon" not in changes:
        return line
    return [line, role_report.beacon_line(changes["beacon"])]


class FilterModule:
    """peerage.peerage filters of the role."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "role_setting_names": role_setting_names,
            "checked_role_settings": checked_role_settings,
            "provider_option_names": provider_option_names,
            "systemd_command_line": systemd_command_line,
            "role_changes": role_changes,
            "role_changes_line": role_changes_line,
        }
