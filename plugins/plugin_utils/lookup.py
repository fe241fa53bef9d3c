# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The one body behind every peerage lookup: read options, run a provider, return names."""

from __future__ import annotations

import traceback
from collections.abc import Iterator, Mapping
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
from ansible.utils.vars import load_extra_vars

from ansible_collections.peerage.peerage.plugins.module_utils.discovery import WARNING, run_provider, warnings_only
from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError, unexpected_error_message
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import CHOICE_OPTION, options_read
from ansible_collections.peerage.peerage.plugins.module_utils.providers.registry import (
    BUILTIN_PROVIDERS,
    TERM_OPTIONS,
    discover,
)
from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleLookupError
from ansible_collections.peerage.peerage.plugins.plugin_utils.custom_providers import (
    Poll,
    check_operator_sources,
    describe_exception,
    find_provider_file,
    is_lookup_fqcn,
    load_provider_file,
    lookup_provider,
)
from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import VARIABLE_PREFIX
from ansible_collections.peerage.peerage.plugins.plugin_utils.run_cache import (
    CACHE_OPTIONS,
    provider_allows_cache,
    run_cached,
)

display = Display()

# Host variables the self provider falls back on when no address is given.
_SELF_FALLBACKS = ("ansible_host", "inventory_hostname")


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
        except PeerageError as exc:
            raise AnsibleLookupError("%s: %s" % (name, exc)) from exc
        except AnsibleError:
            raise
        except Exception as exc:  # the net: no traceback reaches the user, -vvv shows it
            display.vvv("%s: %s" % (name, traceback.format_exc()))
            raise AnsibleLookupError("%s: %s" % (name, unexpected_error_message(exc))) from exc

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
        report = self._report if options.get("log_results", True) else warnings_only(self._report)
        if via in BUILTIN_PROVIDERS:
            return run_cached(via, options, lambda: discover(via, options, report), report)
        # Any other provider is code run on the controller: what chose it must be the operator's, not inventory's.
        check_operator_sources(kwargs, variables, load_extra_vars(self._loader))
        return self._run_custom(via, terms, variables, options, report)

    def _chosen_provider(self, variables: Mapping[str, Any], kwargs: dict[str, Any]) -> str:
        """The provider ``via`` names, read before any other option so that only its options are templated."""
        self.set_options(var_options=OptionVariables(variables, (CHOICE_OPTION,), self._templar), direct=kwargs)
        return self.get_option(CHOICE_OPTION) or "dns"

    def _run_custom(
        self, via: str, terms: list[Any], variables: dict[str, Any], options: dict[str, Any], report: Any
    ) -> list[str]:
        poll: Poll
        if is_lookup_fqcn(via):
            poll = lookup_provider(via, terms, variables, self._loader, self._templar)
            source = "the lookup plugin %s" % via
        else:
            playbook_dir = self._templar.template(variables.get("playbook_dir"))
            path = find_provider_file(
                via,
                self._loader.get_basedir(),
                options.get("provider_paths") or [],
                trusted=[playbook_dir] if isinstance(playbook_dir, str) else [],
                allow_any_path=bool(options.get("allow_any_provider_path")),
            )
            poll = load_provider_file(path)
            source = "the custom provider %s" % path
        provider_options = dict(options)
        provider_options.update(options.get("provider_options") or {})
        provider_options["terms"] = list(terms)

        def call() -> Any:
            try:
                return poll(provider_options)
            except (PeerageError, KeyboardInterrupt):
                raise
            except BaseException as exc:  # SystemExit too: a provider must not end the lookup's process
                raise AnsibleLookupError("%s failed: %s" % (source, describe_exception(exc))) from exc

        # A provider file's answer is kept for the run only when the file says it may be (CACHE = True).
        opted_in = not is_lookup_fqcn(via) and provider_allows_cache(poll)
        return run_cached(
            "custom:%s" % source, provider_options, lambda: run_provider(call, options, source, report), report, source,
            opted_in,
        )

    @staticmethod
    def _report(message: str, verbosity: int) -> None:
        if verbosity == WARNING:
            display.warning(message)
            return
        # verbose() shows a message when the verbosity is above caplevel: 1 means -v, 3 means -vvv.
        display.verbose(message, caplevel=verbosity - 1)
