# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The names of ansible-core the controller plugins use that differ between 2.16 and 2.22.

ansible-core 2.19 made one class, ``AnsibleTemplatePluginError``, of the
errors filter and lookup plugins raise, kept ``AnsibleFilterError`` and
``AnsibleLookupError`` as aliases of it, and marked those aliases and
``ansible.utils.unsafe_proxy`` for removal from 2.23. The plugins import
these names from here, which takes the new ones where the core has them.
"""

from __future__ import annotations

import typing as t

import ansible.template

try:
    from ansible.errors import AnsibleTemplatePluginError
except ImportError:  # ansible-core 2.16 to 2.18: a class of its own for each kind of plugin
    from ansible.errors import AnsibleFilterError, AnsibleLookupError
else:
    AnsibleFilterError = AnsibleLookupError = AnsibleTemplatePluginError

if hasattr(ansible.template, "trust_as_template"):

    def never_templated(value: t.Any) -> t.Any:
        """``value`` as it is: ansible-core 2.19 and later template only text trusted as a template.

        Text that a filter builds is not trusted, so it is never templated again.
        """
        return value

else:
    from ansible.utils.unsafe_proxy import wrap_var

    def never_templated(value: t.Any) -> t.Any:
        """``value`` marked unsafe: ansible-core 2.16 to 2.18 template any text that is not."""
        return wrap_var(value)


__all__ = ["AnsibleFilterError", "AnsibleLookupError", "never_templated"]
