# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's report: per host and totals, from the write and restart results of one role call."""

from __future__ import annotations

from ansible_collections.peerage.peerage.plugins.plugin_utils.role_report import beacon_line, role_changes, summary_line

NEW = ["app@10.0.0.4"]


def test_a_grow_with_new_hosts_starts_the_new_host_and_reports_the_members_as_updated():
    written = {
        "h1": {"pending": "none", "added": NEW, "removed": [], "updated_not_restarted": True},
        "h4": {"pending": "start", "added": ["app@10.0.0.1", "app@10.0.0.4"], "removed": [],
               "files": [{"dest": "/etc/app/sys.config", "new": True}]},
    }
    restarted = {"h4": {"done": "started", "pending": "none", "left_pending": False}}
    changes = role_changes(["h1", "h4"], written, restarted)
    # What h4 names is not news: only h4 joined the members' lists.
    assert changes["added"] == ["app@10.0.0.4"]
    assert changes["hosts"]["h4"]["new"] is True
    assert (changes["started"], changes["restarted"], changes["pending"]) == (["h4"], [], [])
    assert changes["updated_not_restarted"] == ["h1"]
    assert summary_line(changes, "app") == (
        "peerage (app): joined: app@10.0.0.4; started: h4; "
        "file updated, takes effect at next start: h1")


def test_a_stopped_rollout_reports_the_hosts_left_pending():
    written = {host: {"pending": "restart", "removed": ["app@10.0.0.4"]} for host in ("h1", "h2", "h3")}
    restarted = {
        "h1": {"done": "restarted", "pending": "none"},
        "h2": {"done": "restarted", "pending": "restart", "failed": True},
        "h3": {"done": "none", "pending": "restart", "left_pending": True},
    }
    changes = role_changes(["h1", "h2", "h3"], written, restarted)
    assert changes["removed"] == ["app@10.0.0.4"]
    assert changes["restarted"] == ["h1", "h2"]
    assert changes["pending"] == ["h2", "h3"]
    assert changes["hosts"]["h3"]["left_pending"] is True
    assert summary_line(changes) == (
        "peerage: left: app@10.0.0.4; restarted: h1, h2; still pending (next run): h2 (restart), h3 (restart)")


def test_a_restart_result_of_another_role_call_is_not_read():
    # h1 had nothing pending in this call: its restart result is an earlier call's.
    changes = role_changes(["h1"], {"h1": {"pending": "none"}}, {"h1": {"done": "restarted", "pending": "none"}})
    assert changes["restarted"] == []
    assert summary_line(changes) == "peerage: no peer changed, nothing restarted"


def test_no_write_result_is_no_change():
    changes = role_changes(["h1"], {}, {})
    assert changes["hosts"]["h1"] == {"new": False, "added": [], "removed": [], "done": "none", "pending": "none",
                                      "left_pending": False, "updated_not_restarted": False}


def test_on_a_first_deploy_every_name_joined():
    new_host = {"pending": "start", "added": ["app@h1", "app@h2"], "files": [{"new": True}]}
    written = {"h1": new_host, "h2": new_host}
    assert role_changes(["h1", "h2"], written, {})["added"] == ["app@h1", "app@h2"]


def test_the_beacon_report_names_no_peers_and_says_unit():
    # The beacon unit's write records the beacon's own node name: not news to anyone.
    written = {
        "b1": {"pending": "none", "added": ["app@10.0.0.1"], "updated_not_restarted": True},
        "b2": {"pending": "restart", "added": ["app@10.0.0.2"]},
        "b3": {"pending": "restart"},
    }
    restarted = {"b2": {"done": "restarted", "pending": "none"},
                 "b3": {"done": "none", "pending": "restart", "left_pending": True}}
    changes = role_changes(["b1", "b2", "b3"], written, restarted, peers=False)
    assert (changes["added"], changes["removed"]) == ([], [])
    assert beacon_line(changes) == (
        "peerage beacon: restarted: b2; still pending (next run): b3 (restart); "
        "unit updated, takes effect at next start: b1")
    unchanged = role_changes(["b1"], {}, {}, peers=False)
    assert beacon_line(unchanged) == "peerage beacon: no unit changed, nothing restarted"
