# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's argument spec and defaults/main.yml say the same thing.

Ansible validates role variables against meta/argument_specs.yml but takes
their values from defaults/main.yml: a default written in one place only
would be documented but not applied, or applied but not documented.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROLE = Path(__file__).resolve().parents[3] / "roles" / "peerage"
# What the role sets for templates and later tasks, not what it reads.
OUTPUTS = {"peerage_peers", "peerage_file"}


def load(relative):
    return yaml.safe_load((ROLE / relative).read_text())


def test_every_default_is_in_defaults_main_and_the_other_way_round():
    options = load("meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    documented = {name: spec["default"] for name, spec in options.items() if "default" in spec}
    assert load("defaults/main.yml") == documented


def test_every_variable_the_tasks_read_is_documented():
    options = set(load("meta/argument_specs.yml")["argument_specs"]["main"]["options"])
    used = set()
    for path in [*(ROLE / "tasks").glob("*.yml"), ROLE / "vars" / "main.yml", ROLE / "handlers" / "main.yml"]:
        used.update(re.findall(r"\bpeerage_[a-z0-9_]*[a-z0-9]\b", path.read_text()))
    assert used - options - OUTPUTS == set()
