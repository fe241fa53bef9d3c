# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's argument spec and defaults/main.yml say the same thing.

The role checks its variables against meta/argument_specs.yml but takes
their values from defaults/main.yml: a default written in one place only
would be documented but not applied, or applied but not documented.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import PROVIDER_OPTIONS
from ansible_collections.peerage.peerage.plugins.plugin_utils.role_plan import role_option_names

ROLE = Path(__file__).resolve().parents[3] / "roles" / "peerage"
# What the role sets for templates and later tasks, not what it reads.
OUTPUTS = {"peerage_peers", "peerage_file", "peerage_changes"}


# The entry point of the role's spec: not "main", for which Ansible would add a check task on every host.
ENTRY_POINT = "peerage"


def load(relative):
    return yaml.safe_load((ROLE / relative).read_text())


def test_every_default_is_in_defaults_main_and_the_other_way_round():
    options = load("meta/argument_specs.yml")["argument_specs"][ENTRY_POINT]["options"]
    documented = {name: spec["default"] for name, spec in options.items() if "default" in spec}
    assert load("defaults/main.yml") == documented


def test_every_variable_the_tasks_read_is_documented():
    options = set(load("meta/argument_specs.yml")["argument_specs"][ENTRY_POINT]["options"])
    used = set()
    for path in [*(ROLE / "tasks").glob("*.yml"), ROLE / "vars" / "main.yml", ROLE / "handlers" / "main.yml"]:
        used.update(re.findall(r"\bpeerage_[a-z0-9_]*[a-z0-9]\b", path.read_text()))
    assert used - options - OUTPUTS == set()


def test_every_option_the_role_passes_to_a_provider_is_documented():
    options = set(load("meta/argument_specs.yml")["argument_specs"][ENTRY_POINT]["options"])
    passed = set()
    for via in [*PROVIDER_OPTIONS, "my_provider"]:
        passed.update("peerage_" + name for name in role_option_names(via))
    passed.update("peerage_" + name for name in role_option_names("udp", beacon=True))
    assert passed - options == set()


def test_the_role_checks_its_one_entry_point_in_its_first_task():
    # No "main" spec: Ansible would check it in a task of its own on every host.
    assert list(load("meta/argument_specs.yml")["argument_specs"]) == [ENTRY_POINT]
    first = load("tasks/main.yml")[0]
    assert first["run_once"] is True
    assert "__peerage_checked_settings is mapping" in first["ansible.builtin.assert"]["that"]
    assert load("vars/main.yml")["__peerage_entry_point"] == ENTRY_POINT


def test_the_secret_is_documented_as_no_log_and_left_out_of_the_settings_check():
    options = load("meta/argument_specs.yml")["argument_specs"][ENTRY_POINT]["options"]
    secret = options["peerage_secret"]
    assert secret["no_log"] is True
    assert "default" not in secret  # unset means no secret, never an empty one
    assert "Vault" in " ".join(secret["description"])
    assert [name for name, spec in options.items() if spec.get("no_log")] == ["peerage_secret"]


def test_no_handler_restarts_the_service():
    # A handler is shared by name between role calls of a play: Ansible runs one copy, with one call's
    # variables. The restart is a task of the role call (tasks/restart.yml).
    for handler in load("handlers/main.yml"):
        assert not {"ansible.builtin.service", "service", "ansible.legacy.service"} & set(handler)
    restart = load("tasks/restart.yml")
    assert [next(iter(set(task) & {"peerage.peerage.restart_service"})) for task in restart] == [
        "peerage.peerage.restart_service"]
    write = next(task for task in load("tasks/main.yml") if "notify" in task)
    assert write["notify"] == "{{ peerage_notify }}"
