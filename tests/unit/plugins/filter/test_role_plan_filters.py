# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's filters: values as Ansible passes them, and errors as filter errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.peerage.peerage.plugins.filter.role_plan import (
    checked_role_settings,
    provider_option_names,
    role_changes,
    role_changes_line,
    role_setting_names,
)
from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleFilterError

SPEC = str(Path(__file__).resolve().parents[4] / "roles" / "peerage" / "meta" / "argument_specs.yml")


def test_option_names_come_from_the_providers_table():
    assert provider_option_names("list") == ["log_results", "node_list"]
    assert "secret" in provider_option_names("udp", beacon="true")


def test_the_role_setting_names_are_its_argument_specs_options():
    names = role_setting_names(SPEC, "peerage")
    assert names == sorted(names)
    assert {"peerage_via", "peerage_files", "peerage_min_peers"} <= set(names)
    # Documented, but no_log: a secret is read only where it is used.
    assert "peerage_secret" not in names
    with pytest.raises(AnsibleFilterError, match="'main'"):
        role_setting_names(SPEC, "main")


def test_no_log_settings_are_left_out_of_the_names_to_template(tmp_path):
    spec = tmp_path / "argument_specs.yml"
    spec.write_text(
        "argument_specs:\n  main:\n    options:\n"
        "      a_token: {type: str, no_log: true}\n"
        "      a_password: {type: str, no_log: 'yes'}\n"
        "      a_name: {type: str, no_log: false}\n"
        "      a_port: {type: int}\n"
    )
    assert role_setting_names(str(spec), "main") == ["a_name", "a_port"]


def test_settings_that_fit_the_spec_are_returned_as_given():
    settings = {
        "peerage_min_peers": "2",
        "peerage_include_self": "false",
        "peerage_files": [{"dest": "/a", "format": "json"}],
    }
    assert checked_role_settings(settings, SPEC, "peerage") is settings


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"peerage_min_peers": "three"}, r"peerage_min_peers.*int"),
        ({"peerage_discover_on": "everywhere"}, r"peerage_discover_on must be one of: controller, hosts, got: every"),
        ({"peerage_files": "peers.config"}, r"peerage_files"),
        ({"peerage_no_such_setting": 1}, r"peerage_no_such_setting"),
    ],
)
def test_settings_that_do_not_fit_are_refused_naming_them(settings, message):
    refused = r"^peerage: the role's settings do not fit meta/argument_specs\.yml: .*"
    with pytest.raises(AnsibleFilterError, match=refused + message):
        checked_role_settings(settings, SPEC, "peerage")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([{"dest": "/a", "format": "yaml"}], r"peerage_files\[0\] \(dest /a\): format 'yaml' is not one of "),
        ([{"dest": "/a", "format": "json"}, {"dest": "/b"}], r"peerage_files\[1\] \(dest /b\): it needs exactly one"),
        ([{"dest": "/a", "format": "json", "options": {"comment": "x"}}], r"peerage_files\[0\] \(dest /a\): .*comment"),
        ([{"dest": "/a", "format": "release_env", "options": {"cookie": "bad cookie"}}], r"peerage_files\[0\]"),
    ],
)
def test_a_file_entry_that_cannot_be_written_is_refused_before_discovery(files, message):
    # Said once: an orig_exc would repeat it on ansible-core 2.16 to 2.18.
    with pytest.raises(AnsibleFilterError, match="^peerage: " + message) as caught:
        checked_role_settings({"peerage_files": files}, SPEC, "peerage")
    assert str(caught.value) == "peerage: %s" % caught.value.__cause__


def test_the_beacon_report_reads_the_beacon_units_results_and_adds_its_line():
    hostvars = {
        "h1": {"__peerage_written": {"pending": "none"},
               "__peerage_beacon_unit": {"pending": "restart"},
               "__peerage_beacon_restarted": {"done": "restarted", "pending": "none"}},
        "h2": {"__peerage_written": {"pending": "none"}, "__peerage_beacon_unit": {"pending": "none"}},
    }
    beacon = role_changes(["h1", "h2"], hostvars, beacon=True)
    assert (beacon["restarted"], beacon["pending"]) == (["h1"], [])
    changes = dict(role_changes(["h1", "h2"], hostvars), beacon=beacon)
    # The application's report does not read the beacon's restart.
    assert changes["restarted"] == []
    assert role_changes_line(changes, "app") == [
        "peerage (app): no peer changed, nothing restarted", "peerage beacon: restarted: h1"]
    del changes["beacon"]
    assert role_changes_line(changes, "app") == "peerage (app): no peer changed, nothing restarted"
