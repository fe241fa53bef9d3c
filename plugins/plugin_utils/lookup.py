# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The one body behind every peerage lookup: read options, then answer from the run's cache, a list, or a provider.

Ansible loads a lookup afresh in every forked worker, for every host, and the
collection loader compiles each collection module from source there. So this
file holds only the two hot paths, an answer from the run's cache
(cache_entries.py) and a list, and imports what a path needs when it takes
it: the option records, the provider registry, the cache's writing side and
custom providers from lookup_providers.py, the error classes on failure.
tests/unit/plugins/lookup/test_hot_path.py holds the modules of both paths.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import VARIABLE_PREFIX, sources_of

display = Display()

# discovery.WARNING, by value: a cached answer is returned without loading discovery.
_WARNING = 0

# How a lookup's terms map onto each built-in provider's options.
TERM_OPTIONS = {
    "self": "address",
    "list": "node_list",
    "dns": "dns_name",
    "udp": "app_name",
}

# The options of every lookup besides its provider's, as ansible-core's option definitions give them (sources
# aside): tests/unit/plugins/lookup/test_lean_definitions.py holds them equal to the option records and the docs.
COMMON_DEFINITIONS: dict[str, dict[str, Any]] = {
    "app_name": {"type": "str", "default": "nonode"},
    "allow_empty": {"type": "bool", "default": False},
    "log_results": {"type": "bool", "default": True},
    "cache": {"type": "bool", "default": True},
    "cache_max_age": {"type": "float", "default": 300.0},
}
# What every lookup reads whatever its provider: discovery's options and the cache's.
COMMON_READS = ("allow_empty", "log_results", "cache", "cache_max_age")

Report = Callable[[str, int], None]


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
    """Base of the peerage lookups; a subclass sets ``VIA`` to pin a provider.

    A lookup that sets ``PROVIDER_DEFINITIONS`` too (its provider's options, as ansible-core's option
    definitions give them) reads its options without the option records: dns and list.
    """

    VIA: str | None = None
    PROVIDER_DEFINITIONS: ClassVar[dict[str, dict[str, Any]] | None] = None

    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[str]:
        try:
            return self._discover(terms, variables or {}, kwargs)
        except AnsibleError:
            raise
        except Exception as exc:
            from ansible_collections.peerage.peerage.plugins.plugin_utils.lookup_providers import lookup_error

            raise lookup_error("peerage.peerage.%s" % (self.VIA or "peers"), exc) from exc

    def _discover(self, terms: list[Any], variables: dict[str, Any], kwargs: dict[str, Any]) -> list[str]:
        if self.VIA is None or self.PROVIDER_DEFINITIONS is None:
            from ansible_collections.peerage.peerage.plugins.plugin_utils.lookup_providers import discover

            return discover(self, terms, variables, kwargs)
        definitions = self.PROVIDER_DEFINITIONS
        options = self.read_options((*COMMON_READS, *definitions), variables, kwargs)
        if terms:
            options[TERM_OPTIONS[self.VIA]] = list(terms)
        defaults = {name: definition.get("default") for name, definition in definitions.items()}
        return self.answer(self.VIA, with_defaults(options, defaults), terms, variables, kwargs)

    def read_options(self, reads: tuple[str, ...], variables: Mapping[str, Any], kwargs: dict[str, Any]
                     ) -> dict[str, Any]:
        """The options ``reads`` names, from the call, the ``peerage_*`` variables, the environment and ansible.cfg."""
        self.set_options(var_options=OptionVariables(variables, reads, self._templar), direct=kwargs)
        return {key: value for key, value in self.get_options().items() if key in reads}

    def answer(self, via: str, options: dict[str, Any], terms: list[Any], variables: dict[str, Any],
               kwargs: dict[str, Any]) -> list[str]:
        """The peers provider ``via`` finds with ``options``: from the run's cache when another worker asked."""
        log_results = options.get("log_results", True)
        if via == "list":
            return _list(options, self._reporter(log_results))
        from ansible_collections.peerage.peerage.plugins.plugin_utils.cache_entries import cached_answer, hit_message

        peers = cached_answer(via, options)
        if peers is not None:
            if log_results:
                self._report(hit_message("the %s provider" % via, peers), 1)
            return peers
        from ansible_collections.peerage.peerage.plugins.plugin_utils.lookup_providers import run_provider

        return run_provider(self, via, options, terms, variables, kwargs, self._reporter(log_results))

    def _reporter(self, log_results: bool) -> Report:
        if log_results:
            return self._report
        from ansible_collections.peerage.peerage.plugins.module_utils.discovery import warnings_only

        return warnings_only(self._report)

    @staticmethod
    def _report(message: str, verbosity: int) -> None:
        if verbosity == _WARNING:
            display.warning(message)
            return
        # verbose() shows a message when the verbosity is above caplevel: 1 means -v, 3 means -vvv.
        display.verbose(message, caplevel=verbosity - 1)


def with_defaults(options: dict[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with every unset option of ``defaults`` (the provider's) at its default, a list copied.

    An option whose default depends on the provider (``timeout``: 2 for dns, 5 for udp) is
    unset in the peers lookup: filled here, ``peers`` with ``via=dns`` asks the same question
    as the dns lookup, and so shares its entry in the run's cache.
    """
    return {key: _copy(defaults[key]) if value is None and key in defaults else value
            for key, value in options.items()}


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else dict(value) if isinstance(value, dict) else value


def _list(options: dict[str, Any], report: Report) -> list[str]:
    """The list provider, run directly: checking and sorting its names costs less than reading the cache."""
    from ansible_collections.peerage.peerage.plugins.module_utils.discovery import run_provider
    from ansible_collections.peerage.peerage.plugins.module_utils.providers import list as provider

    return run_provider(lambda: provider.poll(options, report), options, "the list provider", report)


def lean_definitions(provider_definitions: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """ansible-core's option definitions of a lookup of the common options and ``provider_definitions``.

    What ansible-core reads of a definition to set an option - type, default, elements, choices and the env,
    ini and vars sources - and no description: tests/unit/plugins/lookup/test_lean_definitions.py
    checks them against what ansible-core builds from the lookup's documentation.
    """
    definitions: dict[str, dict[str, Any]] = {"_terms": {"type": "list", "elements": "str", "required": False}}
    for name, definition in {**COMMON_DEFINITIONS, **provider_definitions}.items():
        definitions[name] = {**{key: _copy(value) for key, value in definition.items()}, **sources_of(name)}
    return definitions


def register_lean_definitions(module_name: str, lookup: type[PeerageLookup]) -> None:
    """In a play's worker, give ansible-core the lookup's option definitions before it reads them from the docs.

    Ansible loads a lookup afresh in every worker, for every host, and builds its option definitions by
    parsing its documentation and doc fragments as YAML - most of what loading a peerage lookup costs. A
    lookup module calls this as it is loaded, which is before ansible-core looks for definitions; with
    them in place it parses nothing. Only in a worker: ``ansible-config`` lists options with the
    descriptions that only the docs hold, and runs in no worker.
    """
    worker = sys.modules.get("ansible.executor.process.worker")
    if getattr(worker, "current_worker", None) is None or lookup.PROVIDER_DEFINITIONS is None:
        return
    from ansible import constants as C

    # ansible-core names a collection's plugin module, and its definitions, by the module's Python name.
    if not C.config.has_configuration_definition("lookup", module_name):
        C.config.initialize_plugin_configuration_definitions(
            "lookup", module_name, lean_definitions(lookup.PROVIDER_DEFINITIONS))
