# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lookups as ansible-core loads and runs them: option sources, providers, errors and logging.

Options are read by ansible-core's own configuration system, from a real
ansible.cfg (a ConfigManager built on a file written by the test, put in
place of the one ansible-core read at start-up), real environment
variables and real variables.
"""

from __future__ import annotations

import os
import re
import socket

import pytest
from ansible import constants as C
from ansible import context
from ansible.config.manager import ConfigManager
from ansible.errors import AnsibleError, AnsibleOptionsError
from ansible.inventory.manager import InventoryManager
from ansible.module_utils.common.collections import ImmutableDict
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play import Play
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar
from ansible.utils.vars import load_extra_vars
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 templates every string: all data is trusted.

    def trust_as_template(value: str) -> str:
        return value


from ansible_collections.peerage.peerage.plugins.lookup import dns as dns_lookup
from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, OptionError, describe_value
from ansible_collections.peerage.peerage.plugins.module_utils.providers import list as via_list
from ansible_collections.peerage.peerage.plugins.plugin_utils import lookup as lookup_plugin_utils
from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleLookupError
from ansible_collections.peerage.peerage.tests.unit.conftest import UNEXPECTED_ERROR

NS = ("10.0.0.53", 53)


class Lookups:
    """Runs the collection's lookups with a playbook directory and an ansible.cfg of the test's own."""

    def __init__(self, tmp_path, monkeypatch):
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        self.playbook_dir = tmp_path / "play"
        self.playbook_dir.mkdir()
        self.loader = DataLoader()
        self.loader.set_basedir(str(self.playbook_dir))
        self.ini("")

    def ini(self, text):
        """Make ``text`` the ansible.cfg that plugin options are read from."""
        path = self.tmp_path / "ansible.cfg"
        path.write_text(text)
        self.monkeypatch.setattr(C, "config", ConfigManager(conf_file=str(path)))

    def env(self, **values):
        for key, value in values.items():
            self.monkeypatch.setenv("PEERAGE_%s" % key.upper(), value)

    def provider(self, relative, source):
        path = self.playbook_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        return str(path)

    def play_variables(self, inventory, host, play_vars=None, task_vars=None, facts=None, extra_vars=()):
        """The variables a task of a play sees on ``host``, made by ansible-core from an inventory file.

        ``facts`` are set as set_fact sets them; ``extra_vars`` are ``-e`` arguments.
        """
        self.monkeypatch.setattr(context, "CLIARGS", ImmutableDict(extra_vars=tuple(extra_vars)))
        # ansible-core keeps the extra variables it read first; a test starts with none read.
        self.monkeypatch.setattr(load_extra_vars, "extra_vars", None, raising=False)
        path = self.tmp_path / "inventory.ini"
        path.write_text(inventory)
        manager = InventoryManager(loader=self.loader, sources=[str(path)])
        variable_manager = VariableManager(loader=self.loader, inventory=manager)
        # As ansible-playbook's task queue manager does: tasks then see `hostvars`.
        HostVars(inventory=manager, variable_manager=variable_manager, loader=self.loader)
        play = Play.load(
            {"hosts": "all", "gather_facts": False, "vars": play_vars or {}, "tasks": []},
            variable_manager=variable_manager,
            loader=self.loader,
        )
        if facts:
            variable_manager.set_nonpersistent_facts(host, facts)
        variables = variable_manager.get_vars(play=play, host=manager.get_host(host))
        # A task's vars are merged over the play's as ansible-core merges them; none of them is the host's.
        return dict(variables, **(task_vars or {}))

    def run(self, name, *terms, variables=None, **kwargs):
        # As in a play, the templar knows the task's variables.
        templar = Templar(loader=self.loader, variables=variables or {})
        plugin = lookup_loader.get("peerage.peerage.%s" % name, loader=self.loader, templar=templar)
        return plugin.run(list(terms), variables=variables or {}, **kwargs)


@pytest.fixture
def lookups(tmp_path, monkeypatch):
    # Settings of the machine running the tests must not leak in.
    for key in list(os.environ):
        if key.startswith("PEERAGE_"):
            monkeypatch.delenv(key)
    return Lookups(tmp_path, monkeypatch)


# -------------------------------------------------------------- precedence


def test_option_variables_are_templated_before_use(lookups):
    variables = {
        "base": "10.0.0.1",
        # Variables from playbooks and inventories are trusted as templates; strings made here are not.
        "peerage_node_list": [trust_as_template("app@{{ base }}"), "app@10.0.0.0"],
        "peerage_app_name": trust_as_template("{{ 'web' ~ 'app' }}"),
    }
    assert lookups.run("list", variables=variables) == ["app@10.0.0.0", "app@10.0.0.1"]
    assert lookups.run("self", "10.0.0.5", variables=variables) == ["webapp@10.0.0.5"]


LEVELS = ["default", "ini", "env", "vars", "call"]


@pytest.mark.parametrize("highest", LEVELS)
def test_precedence_call_vars_env_ini_default(lookups, highest):
    """app_name is set at every level up to ``highest``; the highest one set wins."""
    set_levels = LEVELS[1 : LEVELS.index(highest) + 1]
    variables = {}
    kwargs = {}
    if "ini" in set_levels:
        lookups.ini("[peerage]\napp_name = fromini\n")
    if "env" in set_levels:
        lookups.env(app_name="fromenv")
    if "vars" in set_levels:
        variables["peerage_app_name"] = "fromvars"
    if "call" in set_levels:
        kwargs["app_name"] = "fromcall"
    expected = {"default": "nonode", "ini": "fromini", "env": "fromenv", "vars": "fromvars", "call": "fromcall"}
    assert lookups.run("self", "10.0.0.5", variables=variables, **kwargs) == ["%s@10.0.0.5" % expected[highest]]


def test_every_source_feeds_options_of_its_type(lookups, fake_dns):
    lookups.ini("[peerage]\nnameserver = [fd00::53]:5353\ntimeout = 1.5\n")
    lookups.env(record_types="AAAA", retries="2")
    server = ("fd00::53", 5353)
    fake_dns.timeout("svc.example", "AAAA", server=server, times=2)
    fake_dns.reply("svc.example", "AAAA", ["svc.example AAAA fd00::2", "svc.example AAAA fd00::1"], server=server)
    names = lookups.run("dns", variables={"peerage_dns_name": ["svc.example"]}, app_name="web")
    assert names == ["web@fd00::1", "web@fd00::2"]
    # Two timeouts of the ini's 1.5 seconds, then the answer on the env's last retry.
    assert fake_dns.clock.now - 1000.0 == 3.0
    assert fake_dns.asked() == [("svc.example.", "AAAA", server)] * 3


def test_retries_and_timeout_from_the_environment_shape_the_failure(lookups, fake_dns):
    lookups.env(nameserver="10.0.0.53", retries="0", timeout="0.25", record_types="A")
    fake_dns.timeout("svc.example", "A")
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("dns", "svc.example")
    assert str(caught.value) == (
        "peerage.peerage.dns: DNS lookup of 'svc.example' (A) failed: 10.0.0.53:53 no answer in 1 try of 0.25s"
        " (0.2s waited)"
    )
    assert isinstance(caught.value.__cause__, DiscoveryFailed)


@pytest.mark.parametrize(("source", "value"), [("ini", "yes"), ("env", "true"), ("vars", True), ("call", True)])
def test_allow_empty_from_any_source(lookups, source, value):
    variables, kwargs = {}, {}
    if source == "ini":
        lookups.ini("[peerage]\nallow_empty = %s\n" % value)
    elif source == "env":
        lookups.env(allow_empty=value)
    elif source == "vars":
        variables["peerage_allow_empty"] = value
    else:
        kwargs["allow_empty"] = value
    assert lookups.run("list", variables=variables, **kwargs) == []


def test_no_peers_fails_by_default(lookups):
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("list")
    assert str(caught.value) == "peerage.peerage.list: the list provider found no peers"


def test_node_list_from_ini_and_environment(lookups):
    lookups.ini("[peerage]\nnode_list = a@10.0.0.3, a@10.0.0.1\n")
    assert lookups.run("list") == ["a@10.0.0.1", "a@10.0.0.3"]
    lookups.env(node_list="a@10.0.0.10,a@10.0.0.9,a@10.0.0.10")
    assert lookups.run("list") == ["a@10.0.0.9", "a@10.0.0.10"]


@pytest.mark.parametrize("source", ["ini", "env", "vars", "call"])
def test_choices_are_enforced_for_every_source(lookups, source):
    """ansible-core's configuration refuses a record type outside the option's choices, before any query.

    Its sentence differs between versions; the option's name and the bad value are in each.
    """
    variables, kwargs = {}, {}
    if source == "ini":
        lookups.ini("[peerage]\nrecord_types = MX\n")
    elif source == "env":
        lookups.env(record_types="MX")
    elif source == "vars":
        variables["peerage_record_types"] = ["MX"]
    else:
        kwargs["record_types"] = ["MX"]
    with pytest.raises(AnsibleOptionsError) as caught:
        lookups.run("dns", "svc.example", variables=variables, **kwargs)
    assert "record_types" in str(caught.value)
    assert "'MX'" in str(caught.value)


# ------------------------------------------------------------------ terms


def test_terms_replace_the_configured_main_input(lookups, fake_dns):
    variables = {"peerage_node_list": ["a@10.0.0.9"], "peerage_dns_name": ["other.example"], "peerage_address": "h9"}
    assert lookups.run("list", "a@10.0.0.2", "a@10.0.0.1", variables=variables) == ["a@10.0.0.1", "a@10.0.0.2"]
    assert lookups.run("self", "10.0.0.5", variables=variables) == ["nonode@10.0.0.5"]
    fake_dns.host("svc.example", "10.0.0.7")
    assert lookups.run("dns", "svc.example", variables=variables) == ["nonode@10.0.0.7"]
    assert [host for host, _family in fake_dns.system_queries] == ["svc.example"]


def test_self_falls_back_on_the_hosts_variables(lookups):
    host = {"ansible_host": "10.0.0.6", "inventory_hostname": "node1.example"}
    assert lookups.run("self", variables=dict(host, peerage_address="10.0.0.5")) == ["nonode@10.0.0.5"]
    assert lookups.run("self", variables=host) == ["nonode@10.0.0.6"]
    assert lookups.run("self", variables={"inventory_hostname": "node1.example"}) == ["nonode@node1.example"]


def test_dns_lookup_default_is_localhost_one_node_as_its_docs_say(lookups, fake_dns):
    # A hosts file with Debian's "::1 localhost" line beside "127.0.0.1 localhost".
    fake_dns.host("localhost", "127.0.0.1", "::1")
    found = lookups.run("dns")
    assert found == ["nonode@127.0.0.1"]
    # What the lookup's documentation promises for its default name.
    promised = re.search(r"O\(dns_name=localhost\) gives\s+C\(([^)]+)\)", dns_lookup.DOCUMENTATION)
    assert promised is not None and [promised.group(1)] == found


# ------------------------------------------------------------------ peers


def test_peers_defaults_to_dns(lookups, fake_dns):
    fake_dns.host("localhost", "127.0.0.1")
    assert lookups.run("peers", allow_empty=False) == ["nonode@127.0.0.1"]


@pytest.mark.parametrize("source", ["env", "vars", "call"])
def test_peers_provider_from_any_source(lookups, source):
    variables, kwargs = {}, {}
    if source == "env":
        lookups.env(via="list")
    elif source == "vars":
        variables["peerage_via"] = "list"
    else:
        kwargs["via"] = "list"
    assert lookups.run("peers", "a@10.0.0.2", "a@10.0.0.1", variables=variables, **kwargs) == [
        "a@10.0.0.1",
        "a@10.0.0.2",
    ]


def test_peers_self_uses_host_variables(lookups):
    assert lookups.run("peers", via="self", app_name="app", variables={"inventory_hostname": "h1"}) == ["app@h1"]


# ----------------------------------------------------------------- errors


def test_failed_discovery_fails_even_when_empty_is_allowed(lookups, fake_dns):
    fake_dns.reply("svc.example", "A", rcode="SERVFAIL")
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("dns", "svc.example", nameserver=["10.0.0.53"], record_types=["A"], allow_empty=True)
    assert str(caught.value) == (
        "peerage.peerage.dns: DNS lookup of 'svc.example' (A) failed: 10.0.0.53:53 answered SERVFAIL"
    )


def test_nxdomain_is_empty_when_allowed(lookups, fake_dns):
    fake_dns.reply("svc.example", "A", rcode="NXDOMAIN")
    options = {"nameserver": ["10.0.0.53"], "record_types": ["A"]}
    assert lookups.run("dns", "svc.example", allow_empty=True, **options) == []
    with pytest.raises(AnsibleLookupError, match=r"^peerage\.peerage\.dns: DNS name 'svc\.example' has no A records"):
        lookups.run("dns", "svc.example", **options)


def test_bad_option_names_the_lookup_and_the_value(lookups):
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("dns", "svc.example", nameserver=["ns1.example"])
    assert str(caught.value) == (
        "peerage.peerage.dns: invalid nameserver 'ns1.example': the address must be an IPv4 or IPv6 address"
    )
    assert isinstance(caught.value.__cause__, OptionError)


def test_system_resolver_failure(lookups, fake_dns):
    fake_dns.host_error("svc.example", socket.AF_INET, socket.EAI_AGAIN)
    with pytest.raises(AnsibleLookupError, match="temporary failure"):
        lookups.run("dns", "svc.example", record_types=["A"], allow_empty=True)


# ------------------------------------------------------- custom providers

NODES = """
def poll(options):
    hosts = options["terms"] or ["10.0.0.10", "10.0.0.9", "10.0.0.9"]
    return ["%s@%s" % (options["app_name"], host) for host in hosts]
"""


def test_custom_provider_next_to_the_playbook(lookups):
    lookups.provider("nodes.py", NODES)
    assert lookups.run("peers", via="nodes", app_name="app") == ["app@10.0.0.9", "app@10.0.0.10"]
    assert lookups.run("peers", "h2", "h1", via="nodes") == ["nonode@h1", "nonode@h2"]


def test_custom_provider_from_provider_paths(lookups):
    shared = lookups.tmp_path / "shared"
    shared.mkdir()
    (shared / "nodes.py").write_text(NODES)
    play_vars = {"peerage_provider_paths": [str(lookups.tmp_path / "empty"), str(shared)]}
    variables = lookups.play_variables("h1\n", "h1", play_vars=play_vars)
    assert lookups.run("peers", via="nodes", variables=variables) == ["nonode@10.0.0.9", "nonode@10.0.0.10"]


def test_custom_provider_by_path(lookups):
    lookups.provider("providers/nodes.py", NODES)
    assert lookups.run("peers", via="providers/nodes.py") == ["nonode@10.0.0.9", "nonode@10.0.0.10"]


def test_custom_provider_file_name_with_dots_is_a_path(lookups):
    lookups.provider("consul.nodes.py", NODES)
    assert lookups.run("peers", via="consul.nodes.py") == ["nonode@10.0.0.9", "nonode@10.0.0.10"]


def test_custom_provider_options_are_merged_into_its_options(lookups):
    lookups.provider("tagged.py", "def poll(options):\n    return ['%s@%s' % (options['app_name'], options['host'])]\n")
    names = lookups.run("peers", via="tagged", provider_options={"host": "10.0.0.4", "app_name": "override"})
    assert names == ["override@10.0.0.4"]


def test_custom_provider_without_arguments(lookups):
    lookups.provider("fixed.py", "def poll():\n    return ['a@10.0.0.2', 'a@10.0.0.1']\n")
    assert lookups.run("peers", via="fixed") == ["a@10.0.0.1", "a@10.0.0.2"]


def test_missing_custom_provider_lists_the_places_searched(lookups):
    extra = str(lookups.tmp_path / "extra")
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", via="nodes", provider_paths=[extra])
    assert str(caught.value) == (
        "peerage.peerage.peers: unknown provider 'nodes': it is not built in (self, list, dns, udp) and no nodes.py"
        " was found in %s, %s" % (lookups.playbook_dir, extra)
    )


def test_custom_provider_without_poll(lookups):
    path = lookups.provider("nodes.py", "NAMES = ['a@10.0.0.1']\n")
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", via="nodes")
    assert str(caught.value) == "peerage.peerage.peers: custom provider %s has no function poll(options)" % path


def test_custom_provider_raising(lookups):
    path = lookups.provider("nodes.py", "def poll(options):\n    raise KeyError('consul_token')\n")
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", via="nodes", allow_empty=True)
    assert str(caught.value) == "the custom provider %s failed: KeyError: 'consul_token'" % path
    assert isinstance(caught.value.__cause__, KeyError)


RAISES = """
from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, NoPeersFound


def poll(options):
    if options["kind"] == "empty":
        raise NoPeersFound("the registry lists no nodes")
    raise DiscoveryFailed("the registry did not answer", reason="timeout")
"""


def test_custom_provider_no_peers_is_empty_only_when_allowed(lookups):
    lookups.provider("registry.py", RAISES)
    empty = {"via": "registry", "provider_options": {"kind": "empty"}}
    assert lookups.run("peers", allow_empty=True, **empty) == []
    with pytest.raises(AnsibleLookupError, match=r"^peerage\.peerage\.peers: the registry lists no nodes$"):
        lookups.run("peers", **empty)


def test_custom_provider_failure_is_never_empty(lookups):
    lookups.provider("registry.py", RAISES)
    with pytest.raises(AnsibleLookupError, match=r"^peerage\.peerage\.peers: the registry did not answer$"):
        lookups.run("peers", via="registry", provider_options={"kind": "down"}, allow_empty=True)


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ("'a@10.0.0.1'", "returned 'a@10.0.0.1': a provider must return a list of node names"),
        ("None", "found no peers"),
        ("[]", "found no peers"),
        ("['a@10.0.0.1', 'bad name@h']", "returned an invalid node name 'bad name@h': it contains whitespace"),
    ],
)
def test_custom_provider_results_are_checked_like_built_in_ones(lookups, returned, message):
    path = lookups.provider("nodes.py", "def poll(options):\n    return %s\n" % returned)
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", via="nodes")
    assert str(caught.value) == "peerage.peerage.peers: the custom provider %s %s" % (path, message)


def test_lookup_plugin_as_provider(lookups):
    assert lookups.run("peers", "a@10.0.0.2", "a@10.0.0.1", "a@10.0.0.2", via="ansible.builtin.items") == [
        "a@10.0.0.1",
        "a@10.0.0.2",
    ]
    names = lookups.run("peers", "10.0.0.7", via="peerage.peerage.self", provider_options={"app_name": "web"})
    assert names == ["web@10.0.0.7"]


def test_missing_lookup_plugin_as_provider(lookups):
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", via="peerage.peerage.nosuch")
    assert str(caught.value) == (
        "peerage.peerage.peers: provider 'peerage.peerage.nosuch': no lookup plugin of that name is installed"
    )


# ------------------------------------------------------------ log_results

FOUND = "peerage: the list provider found 2 peer(s): a@10.0.0.1, a@10.0.0.2"
DETAIL = "list: 2 name(s) given"


@pytest.mark.parametrize(
    ("verbosity", "log_results", "shown"),
    [
        (0, True, []),
        (1, True, [FOUND]),
        (2, True, [FOUND]),
        (3, True, [DETAIL, FOUND]),
        (3, False, []),
    ],
)
def test_log_results_levels(lookups, monkeypatch, capsys, verbosity, log_results, shown):
    monkeypatch.setattr(lookup_plugin_utils.display, "verbosity", verbosity)
    names = lookups.run("list", "a@10.0.0.2", "a@10.0.0.1", log_results=log_results)
    assert names == ["a@10.0.0.1", "a@10.0.0.2"]
    captured = capsys.readouterr()
    assert captured.out.splitlines() == shown


def test_log_results_off_from_the_environment(lookups, monkeypatch, capsys):
    monkeypatch.setattr(lookup_plugin_utils.display, "verbosity", 3)
    lookups.env(log_results="false")
    lookups.run("list", "a@10.0.0.1")
    assert capsys.readouterr().out == ""


# ------------------------------------------- only the provider's options

# A vaulted secret whose vault is not loaded in this play: templating it fails.
VAULTED = {"peerage_secret": trust_as_template("{{ vault_peerage_secret }}")}


def test_an_unloaded_vaulted_secret_breaks_no_lookup_that_does_not_read_it(lookups, fake_dns):
    variables = dict(VAULTED, peerage_node_list=[trust_as_template("a@{{ '10.0.0.1' }}")])
    assert lookups.run("list", variables=variables) == ["a@10.0.0.1"]
    assert lookups.run("peers", via="list", variables=variables) == ["a@10.0.0.1"]
    assert lookups.run("self", "10.0.0.5", variables=variables) == ["nonode@10.0.0.5"]
    fake_dns.host("svc.example", "10.0.0.7")
    assert lookups.run("dns", "svc.example", variables=variables) == ["nonode@10.0.0.7"]
    assert lookups.run("peers", "svc.example", variables=dict(variables, peerage_via="dns")) == ["nonode@10.0.0.7"]


def test_the_provider_chosen_by_a_templated_variable_reads_only_its_options(lookups):
    variables = dict(
        VAULTED,
        kind="list",
        peerage_via=trust_as_template("{{ kind }}"),
        # Options of other providers are not read, so their templates are never evaluated.
        peerage_dns_name=trust_as_template("{{ undefined_name }}"),
        peerage_address=trust_as_template("{{ undefined_address }}"),
    )
    assert lookups.run("peers", "a@10.0.0.2", variables=variables) == ["a@10.0.0.2"]


def test_a_provider_that_reads_the_vaulted_option_still_reports_it(lookups):
    with pytest.raises(AnsibleError, match="vault_peerage_secret"):
        lookups.run("udp", variables=dict(VAULTED, peerage_timeout=0.01))


def test_self_templates_the_host_variables_only_when_it_needs_them(lookups):
    host = {"ansible_host": trust_as_template("{{ undefined_host }}"), "inventory_hostname": "h1"}
    assert lookups.run("self", variables=dict(host, peerage_address="10.0.0.5")) == ["nonode@10.0.0.5"]
    base = {"ansible_host": trust_as_template("{{ '10.0.0.' ~ 6 }}"), "inventory_hostname": "h1"}
    assert lookups.run("self", variables=base) == ["nonode@10.0.0.6"]


# ---------------------------------------------- a lookup as the provider


def test_a_lookup_provider_sees_the_plays_variables(lookups):
    variables = {"cluster": ["a@10.0.0.2", "a@10.0.0.1"], "extra": "a@10.0.0.3"}
    names = lookups.run("peers", "cluster", "extra", via="ansible.builtin.vars", variables=variables)
    assert names == ["a@10.0.0.1", "a@10.0.0.2", "a@10.0.0.3"]


# ------------------------------------------------------------- the error net


def test_an_unforeseen_error_is_a_lookup_error_naming_its_type(lookups, monkeypatch, capsys):
    def broken(options, report=None):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(via_list, "poll", broken)
    monkeypatch.setattr(lookup_plugin_utils.display, "verbosity", 3)
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("list", "a@10.0.0.1")
    assert str(caught.value) == "peerage.peerage.list: " + UNEXPECTED_ERROR % "ZeroDivisionError: division by zero"
    assert "Traceback (most recent call last)" in capsys.readouterr().out


def test_a_dns_server_closing_tcp_is_a_lookup_error_naming_it(lookups, fake_dns):
    fake_dns.truncated_then("svc.example", "A", EOFError())
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("dns", "svc.example", nameserver=["10.0.0.53"], record_types=["A"])
    assert str(caught.value) == (
        "peerage.peerage.dns: DNS lookup of 'svc.example' (A) failed: 10.0.0.53:53 closed the TCP connection"
        " before answering (after a truncated UDP answer)"
    )


# --------------------------------------------------- provider files are code

DATACLASS = """
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Node:
    name: str
    host: str


def poll(options):
    return ["%s@%s" % (node.name, node.host) for node in (Node("a", "10.0.0.2"), Node("a", "10.0.0.1"))]
"""


def test_a_provider_file_is_a_real_module(lookups):
    lookups.provider("typed.py", DATACLASS)
    assert lookups.run("peers", via="typed") == ["a@10.0.0.1", "a@10.0.0.2"]


def test_a_provider_file_runs_once_per_process(lookups):
    marker = lookups.tmp_path / "loads"
    lookups.provider(
        "counted.py",
        "with open(%r, 'a') as handle:\n    handle.write('loaded\\n')\n\n\ndef poll(options):\n"
        "    return ['a@10.0.0.%%d' %% len(options['terms'])]\n" % str(marker),
    )
    assert lookups.run("peers", via="counted") == ["a@10.0.0.0"]
    assert lookups.run("peers", "x", via="counted") == ["a@10.0.0.1"]
    assert marker.read_text() == "loaded\n"


@pytest.mark.parametrize(
    ("source", "when"),
    [
        ("import sys\nsys.exit(3)\n", "failed to load"),
        ("import sys\n\n\ndef poll(options):\n    sys.exit(3)\n", "failed"),
        ("def poll(options):\n    raise SystemExit('bye')\n", "failed"),
    ],
)
def test_a_provider_that_exits_fails_the_lookup_saying_so(lookups, source, when):
    path = lookups.provider("exits.py", source)
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", via="exits")
    message = str(caught.value)
    said = "custom provider %s %s: it exited instead of returning node names or raising an exception" % (path, when)
    assert said in message
    assert message.endswith("SystemExit: %s" % ("bye" if "bye" in source else 3))


def test_a_provider_file_outside_the_trusted_folders_is_refused(lookups):
    outside = lookups.tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "evil.py").write_text(NODES)
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", via=str(outside / "evil.py"))
    assert str(caught.value) == (
        "peerage.peerage.peers: custom provider file %s is outside the folders provider files load from (%s):"
        " a provider file is code run on the controller, so it must be in the playbook's folder or in"
        " provider_paths; add its folder to provider_paths, or set allow_any_provider_path"
        % (outside / "evil.py", lookups.playbook_dir)
    )
    # A link inside the playbook's folder to a file outside is outside too.
    (lookups.playbook_dir / "link.py").symlink_to(outside / "evil.py")
    with pytest.raises(AnsibleLookupError, match="is outside the folders"):
        lookups.run("peers", via="link")
    with pytest.raises(AnsibleLookupError, match="is outside the folders"):
        lookups.run("peers", via="../elsewhere/evil.py")


def test_the_trusted_folders_can_be_widened(lookups):
    outside = lookups.tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "nodes.py").write_text(NODES)
    path = str(outside / "nodes.py")
    expected = ["nonode@10.0.0.9", "nonode@10.0.0.10"]
    assert lookups.run("peers", via=path, provider_paths=[str(outside)]) == expected
    assert lookups.run("peers", via=path, allow_any_provider_path=True) == expected
    variables = lookups.play_variables("h1\n", "h1", play_vars={"peerage_allow_any_provider_path": True})
    assert lookups.run("peers", via=path, variables=variables) == expected
    # playbook_dir, the play's own folder, is trusted as the loader's base folder is.
    assert lookups.run("peers", via=path, variables={"playbook_dir": str(outside)}) == expected


# ------------------------------- what chooses code comes from the operator only

# A provider file that leaves a mark when it is loaded, and when it is polled.
MARKING = """
import pathlib

pathlib.Path(%r).write_text("loaded")


def poll(options):
    return ["evil@10.6.6.6"]
"""

OPERATOR_PLACES = (
    "the lookup call, the play's, a role's or the task's vars, a role's parameters, -e, PEERAGE_%s in the"
    " controller's environment, or %s in the [peerage] section of ansible.cfg"
)


def refusal(variable, value, host):
    """The refusal of ``variable``, set to ``value`` for ``host`` where the operator did not set it."""
    name = variable[len("peerage_") :]
    return (
        "peerage.peerage.peers: %s=%s is set for host %s by its inventory, a host or group variable, a fact, set_fact"
        " or include_vars, which may not decide which code runs on the controller; set %s in %s"
        % (variable, describe_value(value), host, name, OPERATOR_PLACES % (name.upper(), name))
    )


@pytest.fixture
def evil(lookups):
    """A provider file outside the playbook's folder, and the file it writes when it runs."""
    folder = lookups.tmp_path / "elsewhere"
    folder.mkdir()
    marker = lookups.tmp_path / "evil-ran"
    (folder / "evil.py").write_text(MARKING % str(marker))
    return folder / "evil.py", marker


def test_an_inventory_line_cannot_run_a_provider_file(lookups, evil):
    path, marker = evil
    inventory = "h1\nh2 peerage_via=%s peerage_allow_any_provider_path=true\n" % path
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", variables=lookups.play_variables(inventory, "h2"))
    assert str(caught.value) == refusal("peerage_via", str(path), "h2")
    assert not marker.exists()
    # The other host of that inventory runs the default provider, untouched.
    assert lookups.run("peers", "10.0.0.1", via="self", variables=lookups.play_variables(inventory, "h1")) == [
        "nonode@10.0.0.1"
    ]


def test_a_host_variable_cannot_make_a_lookup_plugin_the_provider(lookups):
    marker = lookups.tmp_path / "pipe-ran"
    inventory = "h2 peerage_via=ansible.builtin.pipe\n"
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", "touch %s" % marker, variables=lookups.play_variables(inventory, "h2"))
    assert str(caught.value) == refusal("peerage_via", "ansible.builtin.pipe", "h2")
    assert not marker.exists()


@pytest.mark.parametrize("variable", ["peerage_allow_any_provider_path", "peerage_provider_paths"])
def test_inventory_cannot_widen_where_the_plays_provider_file_loads_from(lookups, evil, variable):
    path, marker = evil
    # As an ini inventory gives them: text, which ansible-core converts to the option's type.
    value = "true" if variable == "peerage_allow_any_provider_path" else str(path.parent)
    variables = lookups.play_variables("h2 %s=%s\n" % (variable, value), "h2", play_vars={"peerage_via": str(path)})
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", variables=variables)
    assert str(caught.value) == refusal(variable, value, "h2")
    assert not marker.exists()


def test_group_variables_and_facts_are_the_hosts_too(lookups, evil):
    path, marker = evil
    grouped = "[cluster]\nh2\n\n[cluster:vars]\npeerage_via=%s\npeerage_allow_any_provider_path=true\n" % path
    with pytest.raises(AnsibleLookupError, match=r"peerage_via=.* is set for host h2 by its inventory"):
        lookups.run("peers", variables=lookups.play_variables(grouped, "h2"))
    # set_fact values are the host's, whatever task set them: a fact may come from anything the host reported.
    facts = {"peerage_via": str(path), "peerage_allow_any_provider_path": True}
    with pytest.raises(AnsibleLookupError, match=r"peerage_via=.* is set for host h2 by its inventory"):
        lookups.run("peers", variables=lookups.play_variables("h2\n", "h2", facts=facts))
    assert not marker.exists()


def test_the_play_the_task_and_extra_vars_are_the_operators(lookups, evil):
    path, marker = evil
    expected = ["evil@10.6.6.6"]
    chosen = {"peerage_via": str(path), "peerage_allow_any_provider_path": True}
    assert lookups.run("peers", variables=lookups.play_variables("h2\n", "h2", play_vars=chosen)) == expected
    assert lookups.run("peers", variables=lookups.play_variables("h2\n", "h2", task_vars=chosen)) == expected
    extra = ["peerage_via=%s" % path, "peerage_allow_any_provider_path=true"]
    assert lookups.run("peers", variables=lookups.play_variables("h2\n", "h2", extra_vars=extra)) == expected
    assert marker.read_text() == "loaded"


def test_a_play_value_over_an_inventory_one_is_the_plays(lookups, evil):
    path, marker = evil
    lookups.provider("nodes.py", NODES)
    inventory = "h2 peerage_via=%s peerage_allow_any_provider_path=true\n" % path
    variables = lookups.play_variables(
        inventory, "h2", play_vars={"peerage_via": "nodes", "peerage_allow_any_provider_path": False}
    )
    assert lookups.run("peers", variables=variables) == ["nonode@10.0.0.9", "nonode@10.0.0.10"]
    assert not marker.exists()


def test_the_environment_and_ansible_cfg_are_the_operators(lookups, evil):
    path, _marker = evil
    lookups.env(via=str(path), allow_any_provider_path="true")
    assert lookups.run("peers", variables=lookups.play_variables("h2\n", "h2")) == ["evil@10.6.6.6"]
    for key in ("PEERAGE_VIA", "PEERAGE_ALLOW_ANY_PROVIDER_PATH"):
        lookups.monkeypatch.delenv(key)
    lookups.ini("[peerage]\nvia = %s\nallow_any_provider_path = true\n" % path)
    assert lookups.run("peers", variables=lookups.play_variables("h2\n", "h2")) == ["evil@10.6.6.6"]


def test_inventory_may_still_choose_a_built_in_provider(lookups):
    variables = lookups.play_variables("h2 peerage_via=list peerage_node_list=a@10.0.0.2,a@10.0.0.1\n", "h2")
    assert lookups.run("peers", variables=variables) == ["a@10.0.0.1", "a@10.0.0.2"]


def test_a_variable_whose_source_cannot_be_told_is_refused(lookups, evil):
    path, marker = evil
    with pytest.raises(AnsibleLookupError) as caught:
        lookups.run("peers", variables={"peerage_via": str(path), "peerage_allow_any_provider_path": True})
    assert str(caught.value) == (
        "peerage.peerage.peers: peerage_via is set as a variable, and the lookup cannot tell whether the play or the"
        " inventory set it (it was given no hostvars for the host); via decides which code runs on the controller,"
        " so set it in " + OPERATOR_PLACES % ("VIA", "via")
    )
    assert not marker.exists()
