# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filters only the role calls say so first, and the public filters do not.

The docs site leaves a filter whose description begins with the mark out of its
plugin indexes (docs/site/leave_out_internal_plugins.py), so the mark decides
what the site presents as a plugin for playbooks.
"""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.peerage.peerage.plugins.filter import role_plan
from ansible_collections.peerage.peerage.plugins.filter.peers import FilterModule

FOLDER = pathlib.Path(__file__).parents[4] / "plugins" / "filter"
MARK = "Internal to the peerage role."
# Every filter of plugins/filter/role_plan.py is the role's own.
INTERNAL = sorted(role_plan.FilterModule().filters())


def first_line_of_description(name):
    description = yaml.safe_load((FOLDER / ("%s.yml" % name)).read_text())["DOCUMENTATION"]["description"]
    return description[0] if isinstance(description, list) else description


@pytest.mark.parametrize("name", INTERNAL)
def test_the_roles_own_filters_say_first_that_they_are_internal(name):
    assert first_line_of_description(name).startswith(MARK)


@pytest.mark.parametrize("name", sorted(FilterModule().filters()))
def test_public_filters_are_not_marked_internal(name):
    assert not first_line_of_description(name).startswith("Internal")


def test_only_the_roles_filters_are_marked_internal():
    marked = {path.stem for path in FOLDER.glob("*.yml") if first_line_of_description(path.stem).startswith(MARK)}
    assert marked == set(INTERNAL)
