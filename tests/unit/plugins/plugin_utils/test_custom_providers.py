# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Custom providers: finding the file, loading its poll(), and lookup plugins serving as providers."""

from __future__ import annotations

import os

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.plugin_utils import custom_providers


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("via", "expected"),
    [
        ("ansible.builtin.items", True),
        ("my_ns.my_coll.hosts2", True),
        ("nodes", False),
        ("nodes.py", False),
        ("consul.nodes.py", False),
        ("a.b", False),
        ("a.b.c.d", False),
        ("a.b.c-d", False),
        ("dir/a.b.c", False),
    ],
)
def test_lookup_fqcn(via, expected):
    assert custom_providers.is_lookup_fqcn(via) is expected


# ------------------------------------------------------------ finding files


def test_provider_next_to_the_playbook_comes_first(tmp_path):
    mine = write(tmp_path / "play" / "nodes.py", "")
    write(tmp_path / "shared" / "nodes.py", "")
    found = custom_providers.find_provider_file("nodes", str(tmp_path / "play"), [str(tmp_path / "shared")])
    assert found == mine


def test_provider_from_provider_paths_in_order(tmp_path):
    write(tmp_path / "second" / "nodes.py", "")
    write(tmp_path / "third" / "nodes.py", "")
    paths = [str(tmp_path / "first"), str(tmp_path / "second"), str(tmp_path / "third")]
    found = custom_providers.find_provider_file("nodes", str(tmp_path / "play"), paths)
    assert found == str(tmp_path / "second" / "nodes.py")


def test_missing_provider_names_every_place_searched(tmp_path):
    play, extra = str(tmp_path / "play"), str(tmp_path / "extra")
    with pytest.raises(OptionError) as caught:
        custom_providers.find_provider_file("nodes", play, [extra])
    assert str(caught.value) == (
        "unknown provider 'nodes': it is not built in (self, list, dns, udp) and no nodes.py was found in %s, %s"
        % (play, extra)
    )


@pytest.mark.parametrize("via", ["providers/nodes.py", "nodes.py", os.path.join("providers", "nodes")])
def test_relative_path_is_relative_to_the_playbook(tmp_path, via):
    expected = write(tmp_path / via, "")
    assert custom_providers.find_provider_file(via, str(tmp_path), []) == expected


def test_absolute_path_inside_a_trusted_folder(tmp_path):
    path = write(tmp_path / "elsewhere" / "nodes.py", "")
    assert custom_providers.find_provider_file(path, str(tmp_path / "play"), [str(tmp_path / "elsewhere")]) == path
    assert custom_providers.find_provider_file(path, str(tmp_path / "play"), [], trusted=[str(tmp_path)]) == path


def test_absolute_path_elsewhere_needs_allow_any_path(tmp_path):
    path = write(tmp_path / "elsewhere" / "nodes.py", "")
    with pytest.raises(OptionError, match="is outside the folders provider files load from"):
        custom_providers.find_provider_file(path, str(tmp_path / "play"), [])
    assert custom_providers.find_provider_file(path, str(tmp_path / "play"), [], allow_any_path=True) == path


def test_missing_path_names_where_it_looked(tmp_path):
    with pytest.raises(OptionError) as caught:
        custom_providers.find_provider_file("providers/nodes.py", str(tmp_path), [str(tmp_path)])
    assert str(caught.value) == "custom provider file 'providers/nodes.py' not found (looked at %s)" % (
        tmp_path / "providers" / "nodes.py"
    )


@pytest.mark.parametrize("via", ["my-nodes", "1nodes", "nodes!", ""])
def test_names_that_cannot_be_a_file_are_refused(tmp_path, via):
    with pytest.raises(OptionError) as caught:
        custom_providers.find_provider_file(via, str(tmp_path), [])
    assert str(caught.value).startswith("invalid provider %r: use self, list, dns, udp" % via)


# ---------------------------------------------------------- loading files


def test_poll_receives_the_options(tmp_path):
    path = write(tmp_path / "nodes.py", "def poll(options):\n    return [options['app_name'] + '@10.0.0.1']\n")
    poll = custom_providers.load_provider_file(path)
    assert poll({"app_name": "app"}) == ["app@10.0.0.1"]


def test_poll_without_arguments_is_called_without_options(tmp_path):
    path = write(tmp_path / "nodes.py", "def poll():\n    return ['app@10.0.0.1']\n")
    assert custom_providers.load_provider_file(path)({"app_name": "ignored"}) == ["app@10.0.0.1"]


def test_providers_with_the_same_file_name_do_not_collide(tmp_path):
    first = write(tmp_path / "a" / "nodes.py", "def poll():\n    return ['a@10.0.0.1']\n")
    second = write(tmp_path / "b" / "nodes.py", "def poll():\n    return ['b@10.0.0.1']\n")
    assert custom_providers.load_provider_file(first)({}) == ["a@10.0.0.1"]
    assert custom_providers.load_provider_file(second)({}) == ["b@10.0.0.1"]


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("def other(options):\n    return []\n", "has no function poll(options)"),
        ("poll = ['a@10.0.0.1']\n", "has no function poll(options)"),
        ("def poll(options)\n    return []\n", "failed to load: SyntaxError: "),
        ("raise RuntimeError('needs a token')\n", "failed to load: RuntimeError: needs a token"),
        ("import peerage_no_such_module\n", "failed to load: ModuleNotFoundError: "),
    ],
)
def test_broken_provider_files_are_refused_naming_the_file(tmp_path, source, rule):
    path = write(tmp_path / "nodes.py", source)
    with pytest.raises(OptionError) as caught:
        custom_providers.load_provider_file(path)
    assert str(caught.value).startswith("custom provider %s %s" % (path, rule))


# ------------------------------------------------------- lookup providers


def test_lookup_plugin_as_provider_gets_terms_and_provider_options():
    poll = custom_providers.lookup_provider("peerage.peerage.self", ["10.0.0.7"], {}, None, None)
    assert poll({"provider_options": {"app_name": "web"}}) == ["web@10.0.0.7"]
    assert poll({}) == ["nonode@10.0.0.7"]


def test_builtin_lookup_as_provider():
    poll = custom_providers.lookup_provider("ansible.builtin.items", ["a@10.0.0.2", "a@10.0.0.1"], {}, None, None)
    assert poll({}) == ["a@10.0.0.2", "a@10.0.0.1"]


def test_missing_lookup_plugin_is_refused():
    with pytest.raises(OptionError) as caught:
        custom_providers.lookup_provider("peerage.peerage.nosuch", [], {}, None, None)
    assert str(caught.value) == "provider 'peerage.peerage.nosuch': no lookup plugin of that name is installed"
