# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The built-in providers by name: each found, imported only when run, and an unknown name refused."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.providers import dns as via_dns
from ansible_collections.peerage.peerage.plugins.module_utils.providers import list as via_list
from ansible_collections.peerage.peerage.plugins.module_utils.providers import registry
from ansible_collections.peerage.peerage.plugins.module_utils.providers import self as via_self
from ansible_collections.peerage.peerage.plugins.module_utils.providers import udp as via_udp


def test_built_in_providers():
    assert registry.builtin_provider("list") is via_list.poll
    assert registry.builtin_provider("self") is via_self.poll
    assert registry.builtin_provider("dns") is via_dns.poll
    assert registry.builtin_provider("udp") is via_udp.poll


def test_providers_are_imported_only_when_run():
    # A fresh interpreter: this one has imported dnspython for the other tests.
    script = (
        "import sys\n"
        "from ansible_collections.peerage.peerage.plugins.module_utils.providers import registry\n"
        "assert registry.discover('list', {'node_list': ['a@10.0.0.1']}) == ['a@10.0.0.1']\n"
        "heavy = ('.providers.dns', '.providers.udp', '.udp.beacon')\n"
        "loaded = sorted(m for m in sys.modules if m == 'dns' or m.endswith(heavy))\n"
        "print(','.join(loaded))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_unknown_provider_is_refused_naming_the_built_in_ones(providers):
    with pytest.raises(OptionError) as caught:
        registry.builtin_provider("consul")
    assert str(caught.value) == "unknown provider 'consul': built-in providers are %s" % ", ".join(sorted(providers))


def test_registered_provider_is_run_and_finished(providers, reports, fake_provider):
    fake = fake_provider(["a@10.0.0.2", "a@10.0.0.1", "a@10.0.0.2"])
    registry.register_provider("fake", fake)
    assert registry.discover("fake", {"x": 1}, reports) == ["a@10.0.0.1", "a@10.0.0.2"]
    assert fake.calls == [({"x": 1}, reports)]
    assert reports.at(1) == ["peerage: the fake provider found 2 peer(s): a@10.0.0.1, a@10.0.0.2"]


def test_discover_unknown_provider(providers):
    with pytest.raises(OptionError, match="unknown provider 'nope'"):
        registry.discover("nope", {})
