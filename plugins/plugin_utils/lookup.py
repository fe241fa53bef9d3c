# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The one body behind every peerage lookup: read options, run a provider, return names."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator, Mapping
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import (
    BUILTIN_PROVIDERS,
    CACHE_OPTIONS,
    CHOICE_OPTION,
    DISCOVERY_OPTIONS,
    OPTIONS,
    default_of,
    names_read_by,
    options_read,
)
from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import VARIABLE_PREFIX, sources_of

# Ansible loads a lookup afresh in every forked worker, for every host: this file imports only
# what every lookup needs (the option names). The rest is imported by the path that needs it -
# the cache and discovery for dns, the list provider for list, the custom-provider machinery for
# custom providers, the error classes for errors - so a cached answer or a list costs a worker
# the fewest modules (tests/unit/plugins/lookup/test_hot_path.py holds the sets).

display = Display()

# discovery.WARNING, by value: a cached answer is returned without loading discovery.
_WARNING = 0

# Host variables the self provider falls back on when no address is given.
_SELF_FALLBACKS = ("ansible_host", "inventory_hostname")

# How a lookup's terms map onto each built-in provider's options.
TERM_OPTIONS = {
    "self": "address",
    "list": "node_list",
    "dns": "dns_name",
    "udp": "app_name",
}


class OptionVariables(Mapping):
    """The ``peerage_*`` variables of some options, each templated when ansible-core reads it.

    A lookup receives variables as written, so ``peerage_node_list: "{{ groups.db }}"``
    would otherwise reach the provider as that text. Only the options named
    are visible, so a variable of another provider's option, such as a vaulted
    ``peerage_secret`` whose vault is not loaded in a DNS play, is never templated.
    """

    def __init__(self, variables: Mapping[str, Any], names: tuple[str, ...], templar: Any) -> None:
        self._variables = variables
        self._templar = templar
        self._keys = [VARIABLE_PREFIX + name for name in names if VARIABLE_PREFIX + name in variables]
        self._templated: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        if key not in self._templated:
            self._templated[key] = self._templar.template(self._variables[key])
        return self._templated[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class PeerageLookup(LookupBase):
    """Base of the peerage lookups; a subclass sets ``VIA`` to pin a provider."""

    VIA: str | None = None

    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[str]:
        name = "peerage.peerage.%s" % (self.VIA or "peers")
        try:
            return self._discover(terms, variables or {}, kwargs)
        except AnsibleError:
            raise
        except Exception as exc:
            raise _lookup_error(name, exc) from exc

    def _discover(self, terms: list[Any], variables: dict[str, Any], kwargs: dict[str, Any]) -> list[str]:
        via = self.VIA or self._chosen_provider(variables, kwargs)
        reads = (*options_read(via), *CACHE_OPTIONS)
        self.set_options(var_options=OptionVariables(variables, reads, self._templar), direct=kwargs)
        options: dict[str, Any] = {key: value for key, value in self.get_options().items() if key in reads}
        if terms and via in TERM_OPTIONS:
            key = TERM_OPTIONS[via]
            options[key] = list(terms) if key in ("dns_name", "node_list") else terms[0]
        if via == "self" and not options.get("address"):
            for key in _SELF_FALLBACKS:
                options[key] = self._templar.template(variables.get(key))
        if options.get("log_results", True):
            report = self._report
        else:
            from ansible_collections.peerage.peerage.plugins.module_utils.discovery import warnings_only

            report = warnings_only(self._report)
        if via == "list":
            return _list(options, report)
        if via in BUILTIN_PROVIDERS:
            return _builtin(via, _with_defaults(via, options), report)
        # Any other provider is code run on the controller: what chose it must be the operator's, not inventory's.
        from ansible.utils.vars import load_extra_vars

        from ansible_collections.peerage.peerage.plugins.plugin_utils.custom_providers import (
            check_operator_sources,
            run_custom,
        )

        check_operator_sources(kwargs, variables, load_extra_vars(self._loader))
        return run_custom(via, terms, variables, options, report, self._loader, self._templar)

    def _chosen_provider(self, variables: Mapping[str, Any], kwargs: dict[str, Any]) -> str:
        """The provider ``via`` names, read before any other option so that only its options are templated."""
        self.set_options(var_options=OptionVariables(variables, (CHOICE_OPTION,), self._templar), direct=kwargs)
        return self.get_option(CHOICE_OPTION) or "dns"

    @staticmethod
    def _report(message: str, verbosity: int) -> None:
        if verbosity == _WARNING:
            display.warning(message)
            return
        # verbose() shows a message when the verbosity is above caplevel: 1 means -v, 3 means -vvv.
        display.verbose(message, caplevel=verbosity - 1)


def _list(options: dict[str, Any], report: Any) -> list[str]:
    """The list provider, run directly: checking and sorting its names costs less than reading the cache."""
    from ansible_collections.peerage.peerage.plugins.module_utils.discovery import run_provider
    from ansible_collections.peerage.peerage.plugins.module_utils.providers import list as provider

    return run_provider(lambda: provider.poll(options, report), options, "the list provider", report)


def _builtin(via: str, options: dict[str, Any], report: Any) -> list[str]:
    """A built-in provider through the run's cache; the provider is imported only when the cache has no answer."""
    from ansible_collections.peerage.peerage.plugins.plugin_utils.run_cache import run_cached

    def discover() -> list[str]:
        from ansible_collections.peerage.peerage.plugins.module_utils.providers.registry import discover

        return discover(via, options, report)

    return run_cached(via, options, discover, report)


def _with_defaults(via: str, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with every unset option the provider reads at that provider's default.

    An option whose default depends on the provider (``timeout``: 2 for dns, 5 for udp) is
    unset in the peers lookup: filled here, ``peers`` with ``via=dns`` asks the same question
    as the dns lookup, and so shares its entry in the run's cache.
    """
    return {key: default_of(key, via) if value is None and key in _PROVIDER_READS[via] else value
            for key, value in options.items()}


_PROVIDER_READS = {via: frozenset(names_read_by(via)) for via in BUILTIN_PROVIDERS}


def lean_option_names(via: str) -> tuple[str, ...]:
    """The options of a lookup made of the common, cache and ``via`` doc fragments, in their records' order."""
    wanted = {"app_name", *DISCOVERY_OPTIONS, *CACHE_OPTIONS, *names_read_by(via)}
    return tuple(dict.fromkeys(option.name for option in OPTIONS if option.name in wanted))


def lean_definitions(via: str) -> dict[str, dict[str, Any]]:
    """ansible-core's option definitions of such a lookup, built from the option records instead of its docs.

    What ansible-core reads of a definition to set an option - type, default, elements, choices and the env,
    ini and vars sources - and no description: tests/unit/plugins/lookup/test_lean_definitions.py
    checks them against what ansible-core builds from the lookup's documentation.
    """
    definitions: dict[str, dict[str, Any]] = {"_terms": {"type": "list", "elements": "str", "required": False}}
    for name in lean_option_names(via):
        found = [option for option in OPTIONS if option.name == name]
        option = next((option for option in found if via in option.readers), found[0])
        definition: dict[str, Any] = {"type": option.type, **sources_of(name)}
        if option.default is not None:
            definition["default"] = default_of(name, option.readers[0])
        if option.elements:
            definition["elements"] = option.elements
        if option.choices:
            definition["choices"] = list(option.choices)
        definitions[name] = definition
    return definitions


def register_lean_definitions(module_name: str, via: str) -> None:
    """In a play's worker, give ansible-core the lookup's option definitions before it reads them from the docs.

    Ansible loads a lookup afresh in every worker, for every host, and builds its option definitions by
    parsing its documentation and doc fragments as YAML - most of what loading a peerage lookup costs. A
    lookup module calls this as it is loaded, which is before ansible-core looks for definitions; with
    them in place it parses nothing. Only in a worker: ``ansible-config`` lists options with the
    descriptions that only the docs hold, and runs in no worker.
    """
    worker = sys.modules.get("ansible.executor.process.worker")
    if getattr(worker, "current_worker", None) is None:
        return
    from ansible import constants as C

    # ansible-core names a collection's plugin module, and its definitions, by the module's Python name.
    if not C.config.has_configuration_definition("lookup", module_name):
        C.config.initialize_plugin_configuration_definitions("lookup", module_name, lean_definitions(via))


def _lookup_error(name: str, exc: Exception) -> Exception:
    """The error a lookup raises for ``exc``: the core's own message, or the net's for anything else."""
    # Imported only on failure: a PeerageError means the errors module is loaded already.
    from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError, unexpected_error_message
    from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleLookupError

    if isinstance(exc, PeerageError):
        return AnsibleLookupError("%s: %s" % (name, exc))
    # No traceback reaches the user; -vvv shows it.
    display.vvv("%s: %s" % (name, traceback.format_exc()))
    return AnsibleLookupError("%s: %s" % (name, unexpected_error_message(exc)))
