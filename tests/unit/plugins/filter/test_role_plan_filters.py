# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's filters: values as Ansible passes them, and errors as filter errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 templates any text

    def trust_as_template(value):
        return value


from ansible_collections.peerage.peerage.plugins.filter.role_plan import (
    PEERS_LOOKUP_MARK,
    checked_role_settings,
    discovery_failure,
    files_to_write,
    guarded_peers,
    provider_option_names,
    role_setting_names,
)
from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleFilterError, AnsibleLookupError

SPEC = str(Path(__file__).resolve().parents[4] / "roles" / "peerage" / "meta" / "argument_specs.yml")

FOUND = ["app@10.0.0.1", "app@10.0.0.2"]


def test_settings_given_as_text_on_the_command_line_are_read_as_ansible_reads_them():
    # -e peerage_include_self=false arrives as the text "false".
    assert guarded_peers(FOUND, "app@10.0.0.1", "list", include_self="false", min_peers="1") == ["app@10.0.0.2"]
    with pytest.raises(AnsibleFilterError, match=r"^peerage: .*fewer than peerage_min_peers=3"):
        guarded_peers(FOUND, "app@10.0.0.1", "list", include_self="false", min_peers="3")
    with pytest.raises(AnsibleFilterError, match="peerage_include_self"):
        guarded_peers(FOUND, "app@10.0.0.1", "list", include_self="perhaps")


OWN = "DNS lookup of 'app.peerage.test' (A) failed: 127.0.0.1:9 no answer in 1 try of 2.0s (2.0s waited)"


@pytest.mark.parametrize(
    "message",
    [
        # ansible-core 2.16 to 2.18: the lookup's own message.
        "peerage.peerage.peers: " + OWN,
        # ansible-core 2.19 and later: wrapped in the task's and the lookup's failure.
        "Task failed: Finalization of task args for 'ansible.builtin.set_fact' failed: Error while resolving value"
        " for '__peerage_discovered': The lookup plugin 'peerage.peerage.peers' failed: peerage.peerage.peers: " + OWN,
        # Any other wording around the collection's mark.
        "Lookup 'peerage.peerage.peers' raised an error. peerage.peerage.peers: " + OWN,
        # The discover module on a host says it in its own words.
        OWN,
    ],
)
def test_a_failed_discovery_is_told_in_the_collections_words_whatever_ansible_wraps_around_them(message):
    with pytest.raises(AnsibleFilterError) as caught:
        guarded_peers(FOUND, "app@10.0.0.1", "dns", discovery={"failed": True, "msg": message})
    assert str(caught.value) == (
        "peerage: discovery through the dns provider failed, so no file was changed"
        " (a failed discovery is not an empty one): " + OWN
    )


def test_a_failure_without_the_collections_mark_is_told_as_ansible_reported_it():
    message = "The task includes an option with an undefined variable. 'nameserver_of_db' is undefined"
    assert discovery_failure({"failed": True, "msg": message}) == message
    assert discovery_failure({"failed": True}) == "the discovery task failed without a message"


@pytest.mark.parametrize(
    "discovery",
    [None, "", {}, {"changed": False, "skipped": True}, {"failed": False, "ansible_facts": {"x": []}}, {"peers": []}],
)
def test_a_discovery_that_did_not_fail_is_no_failure(discovery):
    # A skipped discovery task (self on the controller), a successful one, and the "" of an undefined none.
    assert discovery_failure(discovery) is None
    assert guarded_peers(FOUND, "app@10.0.0.1", "list", discovery=discovery) == FOUND


def test_the_mark_is_how_the_peers_lookup_begins_its_errors():
    lookup = lookup_loader.get("peerage.peerage.peers", loader=DataLoader(), templar=Templar(loader=DataLoader()))
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run([], variables={}, via="list", node_list=["not a node name"])
    assert str(caught.value).startswith(PEERS_LOOKUP_MARK)
    assert discovery_failure({"failed": True, "msg": "wrapped: %s" % caught.value}) == str(caught.value)[
        len(PEERS_LOOKUP_MARK):
    ]


def test_rendered_text_is_never_templated_again():
    entry = {"dest": "/a", "format": "env", "options": {"comment": "{{ 1 + 1 }}"}}
    planned = files_to_write([entry], ["app@10.0.0.1"])
    expected = '# {{ 1 + 1 }}\nPEERS="app@10.0.0.1"\n'
    assert planned[0]["content"] == expected
    # What the role's peers.j2 does with it.
    templar = Templar(loader=DataLoader(), variables={"peerage_file": planned[0]})
    assert templar.template(trust_as_template("{{ peerage_file.content }}")) == expected


def test_a_secret_entry_can_leave_its_cookie_out_of_the_loop_item():
    files = [
        {"dest": "/a", "format": "json"},
        {"dest": "/b", "format": "release_env", "options": {"cookie": "SECRETCOOKIE"}},
    ]
    kept = files_to_write(files, ["app@10.0.0.1"], "app@10.0.0.1")
    assert "SECRETCOOKIE" in kept[1]["content"]
    hidden = files_to_write(files, ["app@10.0.0.1"], "app@10.0.0.1", secret_content="false")
    assert "SECRETCOOKIE" not in repr(hidden)
    assert hidden[1] == {"dest": "/b", "format": "release_env", "secret": True, "index": 1}
    assert hidden[0] == kept[0]


def test_bad_files_are_filter_errors_naming_the_entry():
    with pytest.raises(AnsibleFilterError, match=r"^peerage: peerage_files\[0\] \(dest /a\)") as caught:
        files_to_write([{"dest": "/a", "format": "json", "options": {"comment": "x"}}], [])
    # Said once (an orig_exc would repeat it on ansible-core 2.16 to 2.18).
    assert str(caught.value) == "peerage: %s" % caught.value.__cause__


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
