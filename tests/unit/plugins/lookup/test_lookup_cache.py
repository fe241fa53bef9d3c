# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lookups through the run-wide result cache, as ansible-core loads and runs them.

Every test is one run (conftest.py gives it its own local temporary folder).
"""

from __future__ import annotations

import os

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar

from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleLookupError
from ansible_collections.peerage.peerage.tests.unit.conftest import UNEXPECTED_ERROR

NS = "10.0.0.53"


@pytest.fixture
def run(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("PEERAGE_"):
            monkeypatch.delenv(key)
    loader = DataLoader()
    loader.set_basedir(str(tmp_path))

    def run_lookup(name, *terms, variables=None, **kwargs):
        templar = Templar(loader=loader, variables=variables or {})
        plugin = lookup_loader.get("peerage.peerage.%s" % name, loader=loader, templar=templar)
        return plugin.run(list(terms), variables=variables or {}, **kwargs)

    return run_lookup


def test_the_same_question_is_asked_once_per_run(run, fake_dns):
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.2", "svc.example A 10.0.0.1"])
    for _call in range(3):
        assert run("dns", "svc.example", app_name="a", nameserver=[NS], record_types=["A"]) == [
            "a@10.0.0.1", "a@10.0.0.2"]
    assert fake_dns.asked() == [("svc.example.", "A", (NS, 53))]
    # The peers lookup running the dns provider asks the same question: the dns lookup's answer.
    for _call in range(3):
        assert run("peers", "svc.example", via="dns", app_name="a", nameserver=[NS], record_types=["A"]) == [
            "a@10.0.0.1", "a@10.0.0.2"]
    assert len(fake_dns.asked()) == 1


def test_an_option_that_changes_the_answer_asks_again(run, fake_dns):
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"])
    assert run("dns", "svc.example", app_name="a", nameserver=[NS], record_types=["A"]) == ["a@10.0.0.1"]
    assert run("dns", "svc.example", app_name="b", nameserver=[NS], record_types=["A"]) == ["b@10.0.0.1"]
    assert len(fake_dns.asked()) == 2


@pytest.mark.parametrize("how", ["call", "variable", "environment"])
def test_cache_false_asks_on_every_call(run, fake_dns, monkeypatch, how):
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"])
    kwargs = {"cache": False} if how == "call" else {}
    variables = {"peerage_cache": False} if how == "variable" else {}
    if how == "environment":
        monkeypatch.setenv("PEERAGE_CACHE", "false")
    for _call in range(3):
        run("dns", "svc.example", variables=variables, nameserver=[NS], record_types=["A"], **kwargs)
    assert len(fake_dns.asked()) == 3


def test_a_failure_is_asked_once_and_every_caller_gets_the_real_error(run, fake_dns):
    fake_dns.timeout("svc.example", "A")
    messages = set()
    for _call in range(3):
        with pytest.raises(AnsibleLookupError) as caught:
            run("dns", "svc.example", nameserver=[NS], record_types=["A"], retries=0, timeout=1)
        messages.add(str(caught.value))
    assert messages == {
        "peerage.peerage.dns: DNS lookup of 'svc.example' (A) failed: 10.0.0.53:53 no answer in 1 try of 1.0s"
        " (1.0s waited)"
    }
    assert len(fake_dns.asked()) == 1


def test_a_fault_of_this_code_is_reported_as_one_and_not_kept_for_the_run(run, fake_dns):
    # The first question meets a fault of the collection's own (a TypeError in the query path); the next is answered.
    fake_dns.error("svc.example", "A", TypeError("can only concatenate str (not \"int\") to str"))
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"])
    with pytest.raises(AnsibleLookupError) as caught:
        run("dns", "svc.example", app_name="a", nameserver=[NS], record_types=["A"])
    assert str(caught.value) == "peerage.peerage.dns: " + UNEXPECTED_ERROR % (
        'TypeError: can only concatenate str (not "int") to str'
    )
    # Not a server failure that the run keeps: the next call asks again.
    assert run("dns", "svc.example", app_name="a", nameserver=[NS], record_types=["A"]) == ["a@10.0.0.1"]
    assert len(fake_dns.asked()) == 2


def test_a_list_is_checked_on_every_call_without_the_cache(run, run_folder):
    assert run("list", "a@10.0.0.2", "a@10.0.0.1") == ["a@10.0.0.1", "a@10.0.0.2"]
    assert run("peers", "a@10.0.0.2", "a@10.0.0.1", via="list") == ["a@10.0.0.1", "a@10.0.0.2"]
    for _call in range(2):
        with pytest.raises(AnsibleLookupError, match="invalid node name '@h'"):
            run("list", "@h")
    assert not (run_folder / "peerage-cache").exists()


def test_self_answers_per_host(run):
    assert run("self", variables={"inventory_hostname": "h1"}, app_name="a") == ["a@h1"]
    assert run("self", variables={"inventory_hostname": "h2"}, app_name="a") == ["a@h2"]


PROVIDER = """
import os
{cache}

def poll(options):
    with open(os.path.join(os.path.dirname(__file__), "calls"), "a") as handle:
        handle.write("x")
    return ["a@10.0.0.%d" % len(options["terms"])]
"""


@pytest.mark.parametrize("opt_in, calls", [("", 3), ("CACHE = True", 1), ("CACHE = 'yes'", 3)])
def test_a_custom_provider_file_is_cached_only_when_it_says_so(run, tmp_path, opt_in, calls):
    (tmp_path / "counted.py").write_text(PROVIDER.format(cache=opt_in))
    for _call in range(3):
        assert run("peers", "t1", via="counted") == ["a@10.0.0.1"]
    # Other terms are another question.
    assert run("peers", "t1", "t2", via="counted") == ["a@10.0.0.2"]
    assert len((tmp_path / "calls").read_text()) == calls + 1
