# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""What a peerage lookup runs past its hot paths (lookup.py): the option records, providers, errors.

The peers, self and udp lookups read their options through the option
records here; a provider runs here, through the run's cache where its answer
may be kept (run_cache.py), and so does any custom provider; and a failure
becomes the lookup's error here.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import (
    BUILTIN_PROVIDERS,
    CACHE_OPTIONS,
    CHOICE_OPTION,
    default_of,
    names_read_by,
    options_read,
)
from ansible_collections.peerage.peerage.plugins.plugin_utils.lookup import (
    TERM_OPTIONS,
    OptionVariables,
    PeerageLookup,
    Report,
    display,
    with_defaults,
)

# Host variables the self provider falls back on when no address is given.
_SELF_FALLBACKS = ("ansible_host", "inventory_hostname")


def discover(lookup: PeerageLookup, terms: list[Any], variables: dict[str, Any], kwargs: dict[str, Any]) -> list[str]:
    """The peers of a lookup whose options are read through the option records: peers, self and udp."""
    via = lookup.VIA or _chosen_provider(lookup, variables, kwargs)
    options = lookup.read_options((*options_read(via), *CACHE_OPTIONS), variables, kwargs)
    if terms and via in TERM_OPTIONS:
        key = TERM_OPTIONS[via]
        options[key] = list(terms) if key in ("dns_name", "node_list") else terms[0]
    if via == "self" and not options.get("address"):
        for key in _SELF_FALLBACKS:
            options[key] = lookup._templar.template(variables.get(key))
    if via in BUILTIN_PROVIDERS:
        options = with_defaults(options, {name: default_of(name, via) for name in names_read_by(via)})
    return lookup.answer(via, options, terms, variables, kwargs)


def _chosen_provider(lookup: PeerageLookup, variables: Mapping[str, Any], kwargs: dict[str, Any]) -> str:
    """The provider ``via`` names, read before any other option so that only its options are templated."""
    lookup.set_options(var_options=OptionVariables(variables, (CHOICE_OPTION,), lookup._templar), direct=kwargs)
    return lookup.get_option(CHOICE_OPTION) or "dns"


def run_provider(lookup: PeerageLookup, via: str, options: dict[str, Any], terms: list[Any],
                 variables: dict[str, Any], kwargs: dict[str, Any], report: Report) -> list[str]:
    """Run provider ``via``: a built-in one through the run's cache, imported only when the cache has no answer."""
    if via in BUILTIN_PROVIDERS:
        from ansible_collections.peerage.peerage.plugins.plugin_utils.run_cache import run_cached

        def discover_builtin() -> list[str]:
            from ansible_collections.peerage.peerage.plugins.module_utils.providers.registry import discover

            return discover(via, options, report)

        return run_cached(via, options, discover_builtin, report)
    # Any other provider is code run on the controller: what chose it must be the operator's, not inventory's.
    from ansible.utils.vars import load_extra_vars

    from ansible_collections.peerage.peerage.plugins.plugin_utils.custom_providers import (
        check_operator_sources,
        run_custom,
    )

    check_operator_sources(kwargs, variables, load_extra_vars(lookup._loader))
    return run_custom(via, terms, variables, options, report, lookup._loader, lookup._templar)


def lookup_error(name: str, exc: Exception) -> Exception:
    """The error a lookup raises for ``exc``: the core's own message, or the net's for anything else."""
    from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError, unexpected_error_message
    from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleLookupError

    if isinstance(exc, PeerageError):
        return AnsibleLookupError("%s: %s" % (name, exc))
    # No traceback reaches the user; -vvv shows it.
    display.vvv("%s: %s" % (name, traceback.format_exc()))
    return AnsibleLookupError("%s: %s" % (name, unexpected_error_message(exc)))
