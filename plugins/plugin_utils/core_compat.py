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
these names from here, which takes the new ones where the core has them,
and report the collection's own errors through ``as_filter_error``, which
words them the same on every version.
"""

from __future__ import annotations

import os
import typing as t
from contextlib import contextmanager

import ansible.template

from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError

try:
    from ansible.errors import AnsibleTemplatePluginError
except ImportError:  # ansible-core 2.16 to 2.18: a class of its own for each kind of plugin
    from ansible.errors import AnsibleFilterError, AnsibleLookupError
else:
    AnsibleFilterError = AnsibleLookupError = AnsibleTemplatePluginError


@contextmanager
def as_filter_error(prefix: str = "") -> t.Iterator[None]:
    """Raise the collection's own errors (``PeerageError``) in the block as a filter error: ``prefix`` + its message.

    The message appears once on every ansible-core: the cause is chained
    (``raise ... from``), never passed as ``orig_exc``, whose message
    ansible-core 2.16 to 2.18 append to the error's own a second time.
    """
    try:
        yield
    except PeerageError as exc:
        raise AnsibleFilterError(prefix + str(exc)) from exc


def render_template_file(templar: t.Any, loader: t.Any, source: str, src: str, dest: str, variables: t.Any) -> str:
    """The text of the template file ``source`` (found for ``src``) rendered with ``variables``, as ``template`` does.

    With the variables the template action adds (``template_path``,
    ``ansible_managed``...), the template's folder on the search path, and
    its trailing newlines kept.
    """
    searchpath = [*variables.get("ansible_search_path", []), loader._basedir, os.path.dirname(source)]
    searchpath = [path for folder in searchpath for path in (os.path.join(folder, "templates"), folder)]
    template_vars = dict(variables)
    text = loader.get_text_file_contents(source) if hasattr(loader, "get_text_file_contents") else None
    if hasattr(ansible.template, "trust_as_template"):
        from ansible._internal._templating import _template_vars

        template_vars.update(
            _template_vars.generate_ansible_template_vars(
                path=src, fullpath=source, dest_path=dest, include_ansible_managed="ansible_managed" not in variables
            )
        )
        data_templar = templar.copy_with_new_env(searchpath=searchpath, available_variables=template_vars)
        rendered = data_templar.template(ansible.template.trust_as_template(text), escape_backslashes=False)
    else:
        if text is None:
            real = loader.get_real_file(source)
            try:
                with open(real, "rb") as stream:
                    text = stream.read().decode("utf-8")
            finally:
                loader.cleanup_tmp_file(real)
        template_vars.update(ansible.template.generate_ansible_template_vars(src, source, dest))
        data_templar = templar.copy_with_new_env(
            environment_class=ansible.template.AnsibleEnvironment,
            searchpath=searchpath,
            available_variables=template_vars,
        )
        rendered = data_templar.do_template(text, preserve_trailing_newlines=True, escape_backslashes=False)
    return "" if rendered is None else str(rendered)


__all__ = ["AnsibleFilterError", "AnsibleLookupError", "as_filter_error", "render_template_file"]
