# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Sphinx settings of the collection's docs site; scripts/docs builds it.

Started from what ``antsibull-docs sphinx-init`` writes, with two changes:
the guides of docs/ are Markdown, read by myst-parser, and no inventory is
fetched from the network (intersphinx is off), so a build needs no internet.
The few labels of Ansible's own documentation that the generated pages use
(ansible.builtin plugins, the common return values, the configuration
settings) link to docs.ansible.com; every other reference must resolve
inside the site.
"""

from __future__ import annotations

import re

from docutils import nodes

project = "peerage.peerage"
copyright = "peerage.peerage contributors"  # pylint: disable=redefined-builtin  # Sphinx's name
title = "peerage.peerage documentation"
html_short_title = "peerage.peerage"

extensions = ["sphinx_antsibull_ext", "myst_parser"]

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False
html_theme_options = {
    # The theme's logo links here; its default, "/", leaves the site when the
    # site is not served from a domain's root.
    "documentation_home_url": "https://github.com/peerage/peerage.peerage",
    "show_extranav": False,
    "show_rtd_ethical_ads": False,
}

# Headings of the guides get anchors, so links such as udp.md#limits resolve.
myst_heading_anchors = 3

default_role = "any"
# Every reference must resolve: an unresolved one is a warning, and the
# build runs with -W.
nitpicky = True

ANSIBLE_DOCS = "https://docs.ansible.com/ansible/latest/"
# Labels of docs.ansible.com that antsibull-docs' pages refer to, and their pages.
ANSIBLE_DOCS_PAGES = {
    "common_return_values": "reference_appendices/common_return_values.html",
    "ansible_configuration_settings": "reference_appendices/config.html",
    # The note on modules that have an action plugin (peer_files, play_shape, restart_service).
    "action_plugins": "plugins/action.html",
}
BUILTIN_PLUGIN_LABEL = re.compile(r"ansible_collections\.ansible\.builtin\.(\w+)_(\w+)\Z")


def link_to_ansible_docs(app, env, node, contnode):  # pylint: disable=unused-argument
    """Resolve a reference to Ansible's own documentation to its page there."""
    target = node.get("reftarget", "")
    page = ANSIBLE_DOCS_PAGES.get(target)
    plugin = BUILTIN_PLUGIN_LABEL.match(target)
    if plugin:
        page = "collections/ansible/builtin/%s_%s.html" % plugin.groups()
    if page is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=ANSIBLE_DOCS + page)
    reference.append(contnode)
    return reference


def setup(app):
    app.connect("missing-reference", link_to_ansible_docs)
