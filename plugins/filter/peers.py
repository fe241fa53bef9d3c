# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters that build node names and render peer lists into config syntaxes.

Thin over ``plugins/module_utils/render/`` and ``node_names.py``; each
filter's documentation is the YAML file of the same name in this folder.
"""

from __future__ import annotations

import typing as t
from functools import partial

from ansible_collections.peerage.peerage.plugins.module_utils.node_names import format_node_name
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import node_host as _node_host
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import default_of
from ansible_collections.peerage.peerage.plugins.module_utils.render.formats import FORMATS
from ansible_collections.peerage.peerage.plugins.module_utils.render.formats import render_peers as _render_peers
from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import as_filter_error

DEFAULT_APP_NAME = default_of("app_name", "self")


def _call(func: t.Callable[..., str], *args: t.Any, **kwargs: t.Any) -> str:
    """Run a core function; report its errors as filter errors with the core's message."""
    with as_filter_error():
        return func(*args, **kwargs)


def render_peers(peers: t.Any, fmt: t.Any, **options: t.Any) -> str:
    """Render ``peers`` in format ``fmt``."""
    return _call(_render_peers, peers, fmt, **options)


def _render_as(fmt: str, peers: t.Any, **options: t.Any) -> str:
    return _call(_render_peers, peers, fmt, **options)


def node_name(address: t.Any, app_name: t.Any = None) -> str:
    """``app_name@address``, validated and canonical; the providers' default app name when ``app_name`` is None."""
    return _call(format_node_name, DEFAULT_APP_NAME if app_name is None else app_name, address)


def node_host(name: t.Any) -> str:
    """The host part of a node name."""
    return _call(_node_host, name)


class FilterModule:
    """peerage.peerage filters."""

    def filters(self) -> dict[str, t.Callable[..., str]]:
        found: dict[str, t.Callable[..., str]] = {
            "render_peers": render_peers,
            "node_name": node_name,
            "node_host": node_host,
        }
        # One filter per format, named after it: to_erlang_config, to_csv, ...
        for fmt in FORMATS:
            found["to_" + fmt] = partial(_render_as, fmt)
        return found
