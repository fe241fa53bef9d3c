#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: beacon
short_description: Run a UDP beacon that answers peer discovery probes
version_added: 1.0.0
description:
  - Starts, stops or installs a small beacon program on the target. The beacon joins a multicast group, answers each
    probe of its cluster (from M(peerage.peerage.udp_probe) or the P(peerage.peerage.udp#lookup) lookup) with its node
    name, and announces itself every O(interval) seconds.
  - O(state=started) runs it detached, for a bounded O(lifetime), so hosts that probe in later batches of a play
    (any C(forks)) still find every host. Starting it again with the same settings changes nothing but renews its
    lifetime; other settings restart it.
  - O(state=installed) only writes the program and its configuration, for a service manager to run for good
    (Peerage's C(serves) mode), so hosts added later with C(--limit) find the old ones. RV(command) is the command
    line for the service; C(docs/udp.md) shows a systemd unit.
  - The program is copied to O(state_dir) as Python source (standard library only), so it does not depend on the
    module's temporary files.
  - The program says it is ready only after it has built and sent its first announcement; settings whose packets
    would exceed 512 bytes (a long O(app_name) and O(node_name) with a O(secret)) are refused before anything
    starts, with the sizes and the limit.
author:
  - peerage.peerage maintainers (@peerage)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - peerage.peerage.udp
options:
  state:
    description:
      - V(started) runs the beacon in the background, V(stopped) stops it and removes its configuration,
        V(installed) writes the program and a service configuration without running anything.
      - V(stopped) does not touch a beacon run by a service manager.
    type: str
    choices: [started, stopped, installed]
    default: started
  interval:
    description:
      - Seconds between the beacon's announcements.
      - A probe brings the next announcement forward (at most every 0.5 seconds); with other beacons about, it and
        the reply go out at a random moment within 20 ms per other beacon heard (at most 0.4 seconds), so the
        beacons of a cluster never answer one probe in a burst.
    type: float
    default: 5
  lifetime:
    description:
      - Seconds the beacon runs before it stops by itself, so a failed play never leaves one behind.
      - V(0) means forever. The beacon then runs until it is stopped (O(state=stopped), its configuration file
        removed, or SIGTERM), and RV(expires_at) is V(null).
      - Ignored for O(state=installed), whose beacon runs until its service stops.
    type: int
    default: 600
  announce_peerage:
    description:
      - Also announce in Peerage's own format, C(Peer:<node name>), to Peerage's group and port (O(peerage_group),
        O(peerage_port)), so BEAM nodes running Peerage's C(Udp) provider see this node.
      - These packets keep Peerage's own pace, one every 3 to 7 seconds at random, and probes never bring them
        forward.
      - Peerage's format carries no MAC, so this cannot be combined with O(secret); it needs O(family=ipv4).
    type: bool
    default: false
  state_dir:
    description:
      - Where the program, its configuration (mode 0600, it may hold O(secret)), pid file and log live.
      - Defaults to C(/var/lib/peerage-beacon) for root and C(~/.local/state/peerage-beacon) for other users.
      - It must belong to the module's user, and neither it nor a folder above it may be writable by other users
        (a folder above it may be sticky, like C(/tmp)); otherwise the module fails naming the folder, its owner
        and mode. A missing O(state_dir) is made with mode 0755.
      - Hosts that share a filesystem (containers, network namespaces) need one each.
    type: path
  user:
    description:
      - The user the transient beacon (O(state=started)) runs as when the module runs as root (with C(become)),
        so that a program that reads packets from the network never runs as root. It gets this user's primary
        group and no other groups.
      - That user owns the beacon's configuration file (mode 0600, so it may read O(secret)); the log and pid file
        stay root's. It must be able to run the module's Python interpreter (C(ansible_python_interpreter)) and
        read the program under O(state_dir) (every folder above it searchable); otherwise the module fails naming
        the file it cannot reach.
      - A user of its own (a system account made for the beacon) keeps the secret from other programs that run as
        V(nobody).
      - A user with uid 0 is refused. Ignored when the module does not run as root, since it cannot change user
        then; the beacon runs as the module's user. O(state=installed) leaves the user to the service manager
        (C(DynamicUser=yes)).
    type: str
    default: nobody
attributes:
  check_mode:
    support: full
    details: Reports whether it would start, restart, stop or install, and does nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
    details: The detached process, its pid check (C(/proc)) and interface options are made for Linux.
notes:
  - One beacon runs per O(app_name) and O(port) in a O(state_dir).
seealso:
  - module: peerage.peerage.udp_probe
"""

EXAMPLES = r"""
- name: Answer probes for the rest of the play (at most 10 minutes)
  peerage.peerage.beacon:
    app_name: myapp
    secret: "{{ vault_peerage_secret }}"

- name: Stop it at the end of the play
  peerage.peerage.beacon:
    app_name: myapp
    state: stopped

- name: Install a permanent beacon for a systemd service
  peerage.peerage.beacon:
    app_name: myapp
    address: "{{ ansible_facts.default_ipv4.address }}"
    secret: "{{ vault_peerage_secret }}"
    state: installed
  register: beacon
  become: true

# The role peerage.peerage.peerage writes this unit for you (peerage_udp_serves: true),
# with the full sandbox of its template; docs/udp.md shows it whole.
- name: Write its unit
  ansible.builtin.copy:
    dest: /etc/systemd/system/peerage-beacon-myapp.service
    mode: "0644"
    content: |
      [Unit]
      Description=peerage.peerage UDP beacon for myapp
      Wants=network-online.target
      After=network-online.target

      [Service]
      ExecStart={{ beacon.command | map('quote') | join(' ') }}
      DynamicUser=yes
      LoadCredential={{ beacon.config | basename }}:{{ beacon.config }}
      Restart=on-failure
      RestartSec=2
      NoNewPrivileges=yes
      ProtectSystem=strict
      ProtectHome=read-only
      PrivateTmp=yes
      RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX

      [Install]
      WantedBy=multi-user.target
  become: true
"""

RETURN = r"""
node_name:
  description: The node name the beacon announces.
  returned: success
  type: str
  sample: myapp@10.0.0.5
running:
  description: Whether the transient beacon runs after the task (in check mode, whether it would).
  returned: always
  type: bool
  sample: true
pid:
  description: The process id of the transient beacon, when it runs.
  returned: when running
  type: int
  sample: 12345
expires_at:
  description: When the transient beacon stops by itself, in seconds since the epoch; null for no limit.
  returned: when O(state=started)
  type: float
  sample: 1735689600.0
config:
  description: The beacon's configuration file.
  returned: always
  type: str
  sample: /var/lib/peerage-beacon/myapp-45901.json
program:
  description: The beacon program (a Python script).
  returned: always
  type: str
  sample: /var/lib/peerage-beacon/program/peerage-beacon.py
command:
  description: The command line that runs the beacon with RV(config), for a service unit.
  returned: always
  type: list
  elements: str
  sample:
    - /usr/bin/python3
    - /var/lib/peerage-beacon/program/peerage-beacon.py
    - --config
    - /var/lib/peerage-beacon/myapp-45901.service.json
log:
  description: The transient beacon's log file.
  returned: always
  type: str
  sample: /var/lib/peerage-beacon/myapp-45901.log
user:
  description: The user the transient beacon runs as.
  returned: when O(state=started)
  type: str
  sample: nobody
"""

import os
import pwd
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import argument_spec, names_read_by
from ansible_collections.peerage.peerage.plugins.module_utils.udp.beacon import beacon_settings
from ansible_collections.peerage.peerage.plugins.module_utils.udp.control import BeaconControl
from ansible_collections.peerage.peerage.plugins.module_utils.udp.options import BEACON_DEFAULTS

# The beacon's settings and what the module decides itself (state, state_dir), from the option records.
ARGUMENT_SPEC = argument_spec(names_read_by("beacon", "beacon_module"), ["beacon", "beacon_module"])


def default_state_dir():
    if os.geteuid() == 0:
        return "/var/lib/peerage-beacon"
    return "~/.local/state/peerage-beacon"


def running_user(account):
    """The name of the user the transient beacon runs as: ``account``'s, or this process's own."""
    if account is not None:
        return account.pw_name
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def run(module, params):
    state = params["state"]
    options = {key: params[key] for key in BEACON_DEFAULTS}
    if state == "installed":
        options["lifetime"] = 0
    control = BeaconControl(
        params["state_dir"] or default_state_dir(), options["app_name"], options["port"], params["user"]
    )
    control.check_state_dir()
    pid = control.running_pid()
    result = {"config": control.config_path, "program": control.launcher, "log": control.log_path, "changed": False}

    if state == "stopped":
        result.update(running=False, command=control.command(control.config_path))
        result["changed"] = pid is not None
        if not module.check_mode:
            control.stop()
        return result

    settings = beacon_settings(options)
    result["node_name"] = settings["node_name"]
    if state == "installed":
        path = control.service_config_path
        result.update(config=path, running=pid is not None, command=control.command(path))
        if pid is not None:
            result["pid"] = pid
        if module.check_mode:
            wanted = control.config(settings)
            result["changed"] = control.read_config(path) != wanted or not os.path.exists(control.launcher)
        else:
            result["changed"] = control.install_service(settings)
        return result

    expires_at = time.time() + settings["lifetime"] if settings["lifetime"] else None
    wanted = control.config(settings, expires_at, transient=True)
    result.update(running=True, expires_at=expires_at, command=control.command(control.config_path))
    result["user"] = running_user(control.account())
    if pid is not None and control.same_settings(wanted):
        result["pid"] = pid
        if not module.check_mode:
            control.renew(wanted)
        return result
    result["changed"] = True
    if not module.check_mode:
        control.stop()
        result["pid"] = control.start(wanted)
    return result


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        result = run(module, module.params)
    except PeerageError as exc:
        module.fail_json(msg=str(exc), reason=getattr(exc, "reason", "option"))
    except OSError as exc:
        module.fail_json(msg="cannot manage the beacon's files or process: %s" % exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
