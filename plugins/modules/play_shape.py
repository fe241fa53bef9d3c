#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: play_shape
author:
  - peerage.peerage maintainers (@peerage)
short_description: Tell how the running play moves its hosts (strategy and serial batches)
version_added: 1.0.0
description:
  - Reports the play's strategy, whether it finishes every task on all hosts before the next one starts (the
    linear strategy, or one built on it such as C(debug)), and whether C(serial) splits the play's hosts into
    batches.
  - UDP discovery on the hosts needs both, since every host's beacon must run before any host probes. The role
    P(peerage.peerage.peerage#role) refuses it otherwise, naming the strategy or C(serial), before it writes
    anything.
  - Runs on the controller; it neither connects to nor changes the host.
options: {}
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: It only reads the play.
  diff_mode:
    support: none
  platform:
    platforms: all
seealso:
  - module: peerage.peerage.beacon
  - module: peerage.peerage.udp_probe
"""

EXAMPLES = r"""
- name: Read how the play runs
  peerage.peerage.play_shape:
  register: shape

- name: Refuse a strategy under which hosts do not move together
  ansible.builtin.assert:
    that: shape.linear and not shape.batches
    fail_msg: "strategy {{ shape.strategy }}, serial {{ shape.serial }}: not every beacon would run before the probes"
"""

RETURN = r"""
strategy:
  description: The play's strategy, as the play or the configuration names it.
  returned: always
  type: str
  sample: free
linear:
  description:
    - Whether the strategy finishes each task on every host before the next starts (C(linear), or a strategy
      built on it such as C(debug)).
  returned: always
  type: bool
  sample: false
serial:
  description: The play's C(serial) values; empty without C(serial).
  returned: always
  type: list
  elements: raw
  sample: [2, "50%"]
batches:
  description: Whether C(serial) splits the play's hosts into more than one batch.
  returned: always
  type: bool
  sample: true
batch:
  description: The hosts of the current batch that are still in the play (C(ansible_play_batch)).
  returned: always
  type: list
  elements: str
  sample: [web1, web2]
play_hosts:
  description: Every host the play targets (C(ansible_play_hosts_all)).
  returned: always
  type: list
  elements: str
  sample: [web1, web2, web3]
"""
