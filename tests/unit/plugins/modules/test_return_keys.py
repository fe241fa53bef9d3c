# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No module returns a key to which Ansible gives a meaning of its own.

ansible-core reads some keys of a module's result itself: a true
``unreachable`` marks the host unreachable and drops it from the play, a true
``skipped`` or ``failed`` decides the task's outcome, ``ansible_facts``
become host variables, ``_ansible_*`` keys are removed, and ansible-core 2.19
and later convert any of them to their own type with a warning. Others are
written into the result by Ansible itself (``attempts``, ``invocation``, the
loop's keys) and would hide the module's value. The keys come from
``ansible/executor/task_result.py`` and ``ansible/vars/clean.py`` (2.16) and
the result fields of ``ansible/_internal/_task.py`` (2.19 and later), whose
own table is added when the ansible-core under test has one.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import yaml

from ansible_collections.peerage.peerage.plugins import doc_fragments, modules

# Keys a module may return only with the meaning and type Ansible gives them.
SAME_MEANING = {
    "changed": "bool",
    "failed": "bool",
    "msg": "str",
    "rc": "int",
    "diff": "dict",
    "warnings": "list",
    "deprecations": "list",
    "exception": "str",
}
# Keys a module never returns: Ansible acts on them or writes them itself.
NEVER = {
    "unreachable", "skipped", "ansible_facts", "ansible_parsed", "ansible_stats", "ansible_job_id",
    "finished", "results", "async_result", "attempts", "retries", "invocation", "module_stdout",
    "module_stderr", "skip_reason", "skipped_reason", "false_condition", "changed_when_result",
    "failed_when_result", "break_when_result", "ansible_loop", "ansible_loop_var", "ansible_index_var",
    "item", "_ansible_no_log",
}


def core_result_keys():
    """The result keys of the running ansible-core's own table, when it has one (2.19 and later)."""
    try:
        from ansible._internal._task import UnifiedTaskResult  # type: ignore[import-not-found]
    except ImportError:
        return set()
    return set(UnifiedTaskResult.get_result_key_to_resolved_field_mapping(source_is_module=True))


def reserved_problem(key, spec):
    """Why ``key`` may not be a return value documented as ``spec``, or None."""
    if key.startswith("_ansible_"):
        return "the prefix _ansible_ is Ansible's own"
    if key in SAME_MEANING:
        if spec.get("type") != SAME_MEANING[key]:
            return "Ansible reads %r as a %s, documented here as %r" % (key, SAME_MEANING[key], spec.get("type"))
        return None
    if key in NEVER or key in core_result_keys():
        return "Ansible gives %r a meaning of its own" % key
    return None


def documented_returns():
    """Every RETURN block of the collection's modules and doc fragments, by where it is."""
    blocks = []
    for package in (modules, doc_fragments):
        for info in pkgutil.iter_modules(package.__path__):
            plugin = importlib.import_module("%s.%s" % (package.__name__, info.name))
            holders = [plugin, getattr(plugin, "ModuleDocFragment", None)]
            for holder in filter(None, holders):
                for name in dir(holder):
                    if name == "RETURN" or name.endswith("_RETURN"):
                        blocks.append(("%s.%s" % (info.name, name), getattr(holder, name)))
    return blocks


RETURNS = documented_returns()


def test_every_module_is_walked():
    walked = {where.split(".")[0] for where, _text in RETURNS}
    every = {info.name for info in pkgutil.iter_modules(modules.__path__)}
    assert every <= walked


@pytest.mark.parametrize("where, text", RETURNS, ids=[where for where, _text in RETURNS])
def test_no_return_key_is_one_ansible_reserves(where, text):
    documented = yaml.safe_load(text) or {}
    problems = {key: reserved_problem(key, spec or {}) for key, spec in documented.items()}
    assert {key: problem for key, problem in problems.items() if problem} == {}, where


@pytest.mark.parametrize("key, spec, problem", [
    ("unreachable", {"type": "list"}, "Ansible gives 'unreachable' a meaning of its own"),
    ("skipped", {"type": "bool"}, "Ansible gives 'skipped' a meaning of its own"),
    ("ansible_facts", {"type": "dict"}, "Ansible gives 'ansible_facts' a meaning of its own"),
    ("_ansible_anything", {"type": "str"}, "the prefix _ansible_ is Ansible's own"),
    ("changed", {"type": "list"}, "Ansible reads 'changed' as a bool, documented here as 'list'"),
    ("changed", {"type": "bool"}, None),
    ("not_reachable", {"type": "list"}, None),
])
def test_the_check_itself(key, spec, problem):
    assert reserved_problem(key, spec) == problem


def test_core_s_own_keys_are_known():
    """What the running ansible-core reads from a module result is in the lists above (empty before 2.19)."""
    known = NEVER | set(SAME_MEANING)
    assert {key for key in core_result_keys() if not key.startswith("_ansible_")} <= known
