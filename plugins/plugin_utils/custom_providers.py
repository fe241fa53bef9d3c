# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Custom providers: a user's Python file with ``poll(options)``, or another lookup plugin.

Like a Peerage custom provider (a module with ``poll/0``), a provider here is
one function. What it returns is checked by the same core as the built-ins.

A custom provider is code run on the controller, so the options that choose
it (the trust options of the option records: ``via``, ``provider_paths``,
``allow_any_provider_path``) are taken only from what the controller's
operator owns, never from inventory: :func:`check_operator_sources`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ansible.plugins.loader import lookup_loader

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, describe_value
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import TRUST_OPTIONS
from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import (
    ENV_PREFIX,
    INI_SECTION,
    VARIABLE_PREFIX,
)

Poll = Callable[[dict[str, Any]], Any]

_LOOKUP_FQCN = re.compile(r"^[A-Za-z_]\w*\.[A-Za-z_]\w*\.[A-Za-z_]\w*$")

# Provider files loaded by this process: real path -> ((mtime, size), poll). A file runs once, not per call;
# an edited file is loaded again.
_LOADED: dict[str, tuple[tuple[int, int], Poll]] = {}


def is_lookup_fqcn(via: str) -> bool:
    # "a.b.py" has the shape of an FQCN, but a value ending in .py is documented as a path.
    return bool(_LOOKUP_FQCN.match(via)) and not via.endswith(".py")


def _inside(path: str, folder: str) -> bool:
    folder = os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder


def _host_level_variables(variables: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The host's variables without the play's and the task's, as written; None when they cannot be had.

    That is what ``hostvars`` holds for the host (ansible-core's
    ``HostVars.raw_get``): its inventory host and group variables (also those
    of ``host_vars/`` and ``group_vars/`` folders), its facts, what
    ``set_fact`` and ``include_vars`` set, and the extra variables.
    """
    hostvars = variables.get("hostvars")
    host = variables.get("inventory_hostname")
    raw_get = getattr(hostvars, "raw_get", None)
    if not isinstance(host, str) or raw_get is None:
        return None
    found = raw_get(host)
    return found if isinstance(found, Mapping) else None


def _operator_places(name: str) -> str:
    return (
        "the lookup call, the play's, a role's or the task's vars, a role's parameters, -e, %s%s in the controller's"
        " environment, or %s in the [%s] section of ansible.cfg" % (ENV_PREFIX, name.upper(), name, INI_SECTION)
    )


def check_operator_sources(
    direct: Mapping[str, Any],
    variables: Mapping[str, Any],
    extra_vars: Mapping[str, Any],
    names: Sequence[str] = TRUST_OPTIONS,
) -> None:
    """Refuse a trust option (``names``) whose value came from inventory, a host or group variable or a fact.

    Options come, highest first, from the lookup call (``direct``), the
    ``peerage_<name>`` variable, the environment, ``ansible.cfg``. The call,
    the environment and ``ansible.cfg`` are the operator's. A variable is the
    operator's when the play or the task set the value in use (so the host's
    own variables, :func:`_host_level_variables`, do not hold it) or when it
    is an extra variable (``-e``). Anything else, or a variable whose source
    cannot be told, raises :class:`OptionError` naming it and where to set it.
    """
    host_level: Mapping[str, Any] | None = None
    for name in names:
        variable = VARIABLE_PREFIX + name
        if name in direct or variable not in variables or variable in extra_vars:
            continue
        if host_level is None:
            host_level = _host_level_variables(variables)
        if host_level is None:
            raise OptionError(
                "%s is set as a variable, and the lookup cannot tell whether the play or the inventory set it (it was"
                " given no hostvars for the host); %s decides which code runs on the controller, so set it in %s"
                % (variable, name, _operator_places(name))
            )
        if variable in host_level and host_level[variable] == variables[variable]:
            raise OptionError(
                "%s=%s is set for host %s by its inventory, a host or group variable, a fact, set_fact or include_vars,"
                " which may not decide which code runs on the controller; set %s in %s"
                % (
                    variable,
                    describe_value(variables[variable]),
                    variables.get("inventory_hostname"),
                    name,
                    _operator_places(name),
                )
            )


def check_trusted(path: str, trusted: Sequence[str], allow_any_path: bool) -> str:
    """Return the real path of provider file ``path`` if it lies in one of the ``trusted`` folders, else raise.

    A provider file is Python run on the controller, and ``via`` may name a
    file in a folder others can write: only the playbook's folder and
    ``provider_paths`` (and their subfolders, symbolic links resolved) are
    trusted, unless ``allow_any_provider_path`` widens that.
    """
    real = os.path.realpath(path)
    folders = list(dict.fromkeys(folder for folder in trusted if folder))
    if allow_any_path or any(_inside(real, folder) for folder in folders):
        return real
    raise OptionError(
        "custom provider file %s is outside the folders provider files load from (%s): a provider file is code run"
        " on the controller, so it must be in the playbook's folder or in provider_paths; add its folder to"
        " provider_paths, or set allow_any_provider_path" % (real, ", ".join(folders))
    )


def find_provider_file(
    via: str, basedir: str, search_paths: Sequence[str], trusted: Sequence[str] = (), allow_any_path: bool = False
) -> str:
    """Return the real path of the provider file ``via`` names, or raise saying where it looked.

    ``trusted`` are the folders besides ``basedir`` and ``search_paths`` that
    a path in ``via`` may point into (the playbook's folder).
    """
    folders = [basedir, *search_paths, *trusted]
    if via.endswith(".py") or os.sep in via:
        path = via if os.path.isabs(via) else os.path.join(basedir, via)
        if os.path.isfile(path):
            return check_trusted(path, folders, allow_any_path)
        raise OptionError("custom provider file %r not found (looked at %s)" % (via, path))
    if not re.match(r"^[A-Za-z_]\w*$", via):
        raise OptionError(
            "invalid provider %r: use self, list, dns, udp, the name of a provider file (letters, digits, '_'),"
            " a path to a .py file, or a lookup plugin's FQCN" % via
        )
    places = [basedir, *search_paths]
    for place in places:
        path = os.path.join(place, via + ".py")
        if os.path.isfile(path):
            return check_trusted(path, folders, allow_any_path)
    raise OptionError(
        "unknown provider %r: it is not built in (self, list, dns, udp) and no %s.py was found in %s"
        % (via, via, ", ".join(places))
    )


def describe_exception(exc: BaseException) -> str:
    """What a provider's exception says, in a failure message; SystemExit is named as the exit it is."""
    # The exception's own text comes last: ansible-core 2.19 appends a cause's text unless the message ends with it.
    if isinstance(exc, SystemExit):
        return "it exited instead of returning node names or raising an exception: SystemExit: %s" % (exc,)
    return "%s: %s" % (type(exc).__name__, exc)


def load_provider_file(path: str) -> Poll:
    """Import a provider file as a real module, once per process; return its ``poll`` function.

    The module is in ``sys.modules`` while it runs, as any imported module,
    so ordinary Python works in it (a ``@dataclass`` under ``from __future__
    import annotations`` looks its module up there).
    """
    real = os.path.realpath(path)
    stat = os.stat(real)
    version = (stat.st_mtime_ns, stat.st_size)
    cached = _LOADED.get(real)
    if cached is not None and cached[0] == version:
        return cached[1]
    # A name unique to the path, so two providers with the same file name do not collide.
    module_name = "peerage_provider_%s" % hashlib.sha256(real.encode()).hexdigest()[:16]
    spec = importlib.util.spec_from_file_location(module_name, real)
    if spec is None or spec.loader is None:
        raise OptionError("custom provider %s cannot be loaded as Python" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except KeyboardInterrupt:
        sys.modules.pop(module_name, None)
        raise
    except BaseException as exc:  # SystemExit too: a provider file must not end the lookup's process
        sys.modules.pop(module_name, None)
        raise OptionError("custom provider %s failed to load: %s" % (path, describe_exception(exc))) from exc
    poll = getattr(module, "poll", None)
    if not callable(poll):
        sys.modules.pop(module_name, None)
        raise OptionError("custom provider %s has no function poll(options)" % path)
    takes_options = bool(inspect.signature(poll).parameters)
    # The wrapper keeps poll as __wrapped__, so the provider file's settings (CACHE) stay visible.
    loaded: Poll = poll if takes_options else functools.wraps(poll)(lambda _options: poll())
    _LOADED[real] = (version, loaded)
    return loaded


def lookup_provider(
    fqcn: str, terms: list[Any], variables: dict[str, Any] | None, loader: Any, templar: Any
) -> Poll:
    """Wrap another lookup plugin as a provider.

    It runs as it would in the play: with the play's variables (so
    ``ansible.builtin.vars`` sees them) and ``provider_options`` as its
    keyword arguments. A lookup returns one item per term; an item that is a
    list, such as a list variable read by ``ansible.builtin.vars``, gives its elements.
    """
    plugin = lookup_loader.get(fqcn, loader=loader, templar=templar)
    if plugin is None:
        raise OptionError("provider %r: no lookup plugin of that name is installed" % fqcn)

    def poll(options: dict[str, Any]) -> Any:
        items = plugin.run(terms, variables=variables or {}, **options.get("provider_options", {}))
        if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
            return items
        names: list[Any] = []
        for item in items:
            names.extend(item if isinstance(item, (list, tuple)) else [item])
        return names

    return poll


def run_custom(
    via: str, terms: list[Any], variables: dict[str, Any], options: dict[str, Any], report: Any, loader: Any,
    templar: Any,
) -> list[str]:
    """Run the custom provider ``via`` (a provider file, or a lookup plugin by its FQCN) for a lookup."""
    from ansible_collections.peerage.peerage.plugins.module_utils.discovery import run_provider
    from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError
    from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleLookupError
    from ansible_collections.peerage.peerage.plugins.plugin_utils.run_cache import (
        provider_allows_cache,
        run_cached,
    )

    poll: Poll
    if is_lookup_fqcn(via):
        poll = lookup_provider(via, terms, variables, loader, templar)
        source = "the lookup plugin %s" % via
    else:
        playbook_dir = templar.template(variables.get("playbook_dir"))
        path = find_provider_file(
            via,
            loader.get_basedir(),
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
