# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of the core's tests: a private provider table and providers that return what a test says."""

from __future__ import annotations

import types

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.providers import registry


@pytest.fixture
def providers(monkeypatch):
    """A private copy of the provider table, so registering one here leaves the real table alone."""
    table = dict(registry.BUILTIN_PROVIDERS)
    monkeypatch.setattr(registry, "BUILTIN_PROVIDERS", table)
    return table


@pytest.fixture
def fake_provider():
    """Makes a provider module whose ``poll`` returns ``result`` or raises ``exc``, recording its calls."""

    def make(result=None, exc=None):
        calls = []

        def poll(options, report=None):
            calls.append((options, report))
            if exc is not None:
                raise exc
            return result

        return types.SimpleNamespace(poll=poll, calls=calls)

    return make
