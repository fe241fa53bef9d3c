#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: peer_files
author:
  - peerage.peerage maintainers (@peerage)
short_description: Write a host's peer files in one go, with the shrink guard and a pending-restart marker
version_added: 1.0.0
description:
  - The write step of the P(peerage.peerage.peerage#role) role, one task and one module execution per host for
    all of its files.
  - Its action plugin, on the controller, checks each entry of O(files) and renders it (a built-in format with
    O(peers), or the entry's C(src) template with the host's variables, as M(ansible.builtin.template) does).
    The module, on the host, reads each file's previous node names (its state record in O(state_dir), else the
    node names in the file's current text), refuses a list that removes too many of them (the shrink guard),
    writes each changed file atomically with its final owner and mode before any byte, records the names it
    wrote, and writes the pending-restart marker of O(service).
  - A refusal, of an entry or of the shrink guard, comes before any file of the host is touched.
options:
  files:
    description:
      - The files to write, as the role's C(peerage_files) (see the role's documentation).
      - Each entry has C(dest) and exactly one of C(format) (a built-in format, rendered with O(peers); a
        C(release_env) file names the host's own node name) or C(src) (a template on the controller), and optionally
        C(options), C(owner), C(group), C(mode) (octal), C(backup) and C(validate) (a command with C(%s)).
    type: list
    elements: dict
    required: true
  peers:
    description:
      - The node names the host's files list. With O(guard), what discovery found, of which the action plugin
        makes the host's list as the role's guard does.
    type: list
    elements: str
    required: true
  address:
    description:
      - This host's address, the host part of its own node name (O(app_name)V(@)O(address)), which a
        C(release_env) file names and the guard adds or removes.
      - Required with O(guard) or a C(release_env) file.
    type: str
  app_name:
    description:
      - The app part of this host's own node name. When not set, V(nonode), the providers' default.
    type: str
  guard:
    description:
      - The P(peerage.peerage.peerage#role) role's guard settings. When set, the host writes the guard's list (what
        discovery found, with the host's own name added or removed) or fails naming why, before any file is
        touched. When not set, O(peers) is written as given.
    type: dict
    suboptions:
      via:
        description: The provider that found O(peers), named in the guard's messages.
        type: str
        required: true
      include_self:
        description: Add the host's own node name (V(true)) or remove it (V(false)).
        type: bool
        default: true
      allow_empty:
        description: Write an empty list.
        type: bool
        default: false
      min_peers:
        description: The fewest node names the host's list may have.
        type: int
        default: 1
      discovery:
        description: The registered result of the discovery task; a failed one is reported, never taken for no peers.
        type: raw
  state_dir:
    description:
      - The folder on the host for the state records and the pending-restart markers; made with mode 0700.
    type: path
    default: /var/lib/peerage
  service:
    description:
      - The service whose pending-restart marker (C(<state_dir>/<service>.pending)) the module writes; empty for none.
      - May not contain C(/) or start with C(.).
    type: str
    default: ""
  restart:
    description:
      - Which hosts the marker asks to start or restart. V(new_hosts) (a host none of whose files existed
        before is started), V(rolling) and V(all) (also a host whose file changed is restarted), V(never).
    type: str
    choices: [new_hosts, rolling, all, never]
    default: new_hosts
  max_removed:
    description:
      - How many of a file's previous peers one run may remove. When not set, fewer than half of them.
    type: int
  allow_shrink:
    description:
      - Lift the shrink guard for this run.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads and judges as a real run does; writes no file, record or marker.
  diff_mode:
    support: full
    details: A file that is or was secret (C(release_env) with a cookie, mode 0600 now or before) is never shown;
      its diff names the node names added and removed.
  platform:
    platforms: posix
seealso:
  - module: peerage.peerage.discover
"""

EXAMPLES = r"""
- name: Write the Erlang peers file of each host
  peerage.peerage.peer_files:
    files:
      - dest: /etc/myapp/sys.config
        format: erlang_config
    peers: "{{ peerage_peers }}"
    address: "{{ ansible_host }}"
    service: myapp
    state_dir: /var/lib/peerage
  register: written
"""

RETURN = r"""
peers:
  description: The list the host's peer files name (with O(guard), the guard's list), sorted.
  returned: success
  type: list
  elements: str
  sample: ["app@10.0.0.1", "app@10.0.0.2"]
pending:
  description: What the restart step must do on this host for O(service) (V(none) without a service).
  returned: success
  type: str
  sample: start
files:
  description: Per file, whether it changed, whether it is new (no file before), and the node names added and removed.
  returned: success
  type: list
  elements: dict
  sample: [{"dest": "/etc/myapp/sys.config", "changed": true, "new": false, "added": ["app@10.0.0.4"], "removed": []}]
added:
  description: The node names joined over the host's peer files, sorted.
  returned: success
  type: list
  elements: str
  sample: ["app@10.0.0.4"]
removed:
  description: The node names left over the host's peer files, sorted.
  returned: success
  type: list
  elements: str
  sample: []
updated_not_restarted:
  description: A file of a host already in the cluster changed, and no start or restart is pending for it.
  returned: success
  type: bool
  sample: true
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError, guarded_run
from ansible_collections.peerage.peerage.plugins.module_utils.write.host_files import RESTART_MODES, write_host_files

# The action plugin replaces each entry of files by what the module writes: dest, content (rendered),
# names (the node names it holds), guarded (false for release_env), sensitive, mode, owner, group,
# backup, validate; and peers by the guarded list. address, app_name and guard are used by the
# action plugin only.
ARGUMENT_SPEC = {
    "files": {"type": "list", "elements": "dict", "required": True},
    "peers": {"type": "list", "elements": "str", "required": True},
    "address": {"type": "str"},
    "app_name": {"type": "str"},
    "guard": {
        "type": "dict",
        "options": {
            "via": {"type": "str", "required": True},
            "include_self": {"type": "bool", "default": True},
            "allow_empty": {"type": "bool", "default": False},
            "min_peers": {"type": "int", "default": 1},
            "discovery": {"type": "raw"},
        },
    },
    "state_dir": {"type": "path", "default": "/var/lib/peerage"},
    "service": {"type": "str", "default": ""},
    "restart": {"type": "str", "default": "new_hosts", "choices": list(RESTART_MODES)},
    "max_removed": {"type": "int"},
    "allow_shrink": {"type": "bool", "default": False},
}


def run(module):
    params = module.params

    def validate(command, path):
        if "%s" not in command:
            raise PeerageError("validate must contain %%s, the new file's path: %s" % command)
        rc, out, err = module.run_command(command % path)
        if rc != 0:
            raise PeerageError(
                "validate refused the new file (%s, exit %d): %s; the file was left as it was"
                % (command, rc, (err or out).strip())
            )

    def write():
        result = write_host_files(
            params["files"],
            params["state_dir"],
            service=params["service"],
            restart=params["restart"],
            max_removed=params["max_removed"],
            allow_shrink=params["allow_shrink"],
            check_mode=module.check_mode,
            diff_mode=module._diff,
            backup=module.backup_local,
            validate=validate,
        )
        module.exit_json(**result)

    guarded_run(module, write)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
