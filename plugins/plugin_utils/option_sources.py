# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Where lookup options may come from, as ansible-core's plugin configuration reads it.

Every option ``foo`` of a lookup can be set, from lowest to highest
precedence: in ``ansible.cfg`` as ``foo`` in a ``[peerage]`` section, in
the environment as ``PEERAGE_FOO``, as the Ansible variable
``peerage_foo``, and in the lookup call itself. This is the deploy-time
counterpart of Peerage's ``{:system, "ENV"}`` deferred configuration.

The doc fragments keep each option's description once and add these
sources through :func:`plugin_config`, since modules may not declare them.
"""

from __future__ import annotations

import json

import yaml

INI_SECTION = "peerage"
VARIABLE_PREFIX = "peerage_"
ENV_PREFIX = "PEERAGE_"


# Every worker process that loads a lookup builds its option definitions again: read the
# fragment with libyaml where PyYAML has it (the pure Python parser is ten times slower);
# both loaders are the safe ones.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def sources_of(name: str) -> dict[str, list[dict[str, str]]]:
    """The env, ini and vars sources of option ``name``, as ansible-core's option definitions give them."""
    return {
        "env": [{"name": ENV_PREFIX + name.upper()}],
        "ini": [{"section": INI_SECTION, "key": name}],
        "vars": [{"name": VARIABLE_PREFIX + name}],
    }


def plugin_config(documentation: str) -> str:
    """Return a doc fragment giving every option of ``documentation`` its env, ini and vars sources."""
    names = sorted(yaml.load(documentation, Loader=_LOADER)["options"])
    # JSON is YAML, and json writes it far faster than yaml.safe_dump.
    return json.dumps({"options": {name: sources_of(name) for name in names}}, sort_keys=True)
