# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The peer_files action: one host's part of the role's plan, made on the controller before the module runs.

The module on the host is replaced by a recorder: what is tested here is the
list the action hands it (the guard's), the rendered files, and what never
reaches it or the result (a refused host's files, a cookie).
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar

from ansible_collections.peerage.peerage.plugins.action import peer_files
from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleLookupError
from ansible_collections.peerage.peerage.plugins.plugin_utils.role_plan import PEERS_LOOKUP_MARK, discovery_failure

FOUND = ["app@10.0.0.1", "app@10.0.0.2"]
JSON_FILE = {"dest": "/etc/app/peers.json", "format": "json"}


def run_action(**args: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The action's result, and the arguments of each module run it made."""
    calls: list[dict[str, Any]] = []

    def execute(module_name: str, module_args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        assert module_name == peer_files.MODULE
        calls.append(dict(module_args))
        return {"changed": True, "pending": "none", "invocation": {"module_args": module_args}}

    task = mock.MagicMock()
    task.args = {"files": [JSON_FILE], "peers": FOUND, "address": "10.0.0.1", "app_name": "app", **args}
    task.async_val = 0
    action = peer_files.ActionModule(task, mock.MagicMock(), mock.MagicMock(check_mode=False), loader=None,
                                     templar=None, shared_loader_obj=None)
    with mock.patch.object(action, "_execute_module", side_effect=execute):
        return action.run(task_vars={"inventory_hostname": "h1"}), calls


def test_the_module_writes_the_guards_list_and_the_result_names_it():
    result, calls = run_action(guard={"via": "list", "include_self": False})
    assert result["peers"] == ["app@10.0.0.2"]
    assert calls[0]["peers"] == ["app@10.0.0.2"]
    assert calls[0]["files"][0]["content"] == '["app@10.0.0.2"]\n'
    # The guard's settings and the discovery result stay on the controller.
    assert "guard" not in calls[0] and "app_name" not in calls[0]
    # The module's arguments hold every file's text; the result does not.
    assert "invocation" not in result


def test_without_a_guard_the_peers_are_written_as_given():
    result, calls = run_action(peers=["app@10.0.0.2"], files=[JSON_FILE])
    assert result["peers"] == calls[0]["peers"] == ["app@10.0.0.2"]


def test_the_self_provider_run_by_nobody_finds_the_host_itself():
    result, _calls = run_action(peers=[], guard={"via": "self"})
    assert result["peers"] == ["app@10.0.0.1"]


def test_settings_given_as_text_on_the_command_line_are_read_as_ansible_reads_them():
    # -e peerage_include_self=false arrives as the text "false".
    result, _calls = run_action(guard={"via": "list", "include_self": "false", "min_peers": "1"})
    assert result["peers"] == ["app@10.0.0.2"]
    result, calls = run_action(guard={"via": "list", "include_self": "false", "min_peers": "3"})
    assert result["failed"] and calls == []
    assert result["msg"].startswith("peerage: ") and "fewer than peerage_min_peers=3" in result["msg"]
    result, calls = run_action(guard={"via": "list", "include_self": "perhaps"})
    assert result["failed"] and "peerage_include_self" in result["msg"] and calls == []


def test_a_bad_address_fails_the_host_in_the_collections_words():
    result, calls = run_action(address="10.0.0.1 ")
    assert result["failed"] and calls == []
    assert result["msg"].startswith("peerage: ") and "10.0.0.1 " in result["msg"]


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
    result, calls = run_action(guard={"via": "dns", "discovery": {"failed": True, "msg": message}})
    assert calls == []
    assert result["msg"] == (
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
    result, _calls = run_action(guard={"via": "list", "discovery": discovery})
    assert result["peers"] == FOUND


def test_the_mark_is_how_the_peers_lookup_begins_its_errors():
    lookup = lookup_loader.get("peerage.peerage.peers", loader=DataLoader(), templar=Templar(loader=DataLoader()))
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run([], variables={}, via="list", node_list=["not a node name"])
    assert str(caught.value).startswith(PEERS_LOOKUP_MARK)
    assert discovery_failure({"failed": True, "msg": "wrapped: %s" % caught.value}) == str(caught.value)[
        len(PEERS_LOOKUP_MARK):
    ]


def test_a_cookie_goes_to_the_module_only():
    files = [JSON_FILE, {"dest": "/b", "format": "release_env", "options": {"cookie": "SECRETCOOKIE"}}]
    result, calls = run_action(files=files, guard={"via": "list"})
    assert "SECRETCOOKIE" in calls[0]["files"][1]["content"]
    assert calls[0]["files"][1]["sensitive"] is True
    # A release_env file names the host itself.
    assert calls[0]["files"][1]["names"] == ["app@10.0.0.1"]
    assert "SECRETCOOKIE" not in repr(result)


def test_a_bad_entry_fails_the_host_naming_it_before_the_module_runs():
    result, calls = run_action(files=[JSON_FILE, {"dest": "/a", "format": "json", "options": {"comment": "x"}}])
    assert calls == []
    assert result["msg"].startswith("peerage: peerage_files[1] (dest /a)")
    # Said once.
    assert result["msg"].count("comment") == 1


def test_a_guard_setting_it_does_not_know_fails_naming_it_and_those_it_takes():
    result, calls = run_action(guard={"via": "list", "min_peer": 2})
    assert calls == []
    assert result["msg"] == (
        "peerage: guard has no setting 'min_peer'; it takes via, include_self, allow_empty, min_peers, discovery"
    )
