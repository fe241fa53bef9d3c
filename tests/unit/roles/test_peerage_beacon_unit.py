# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's beacon unit runs exactly the command the beacon module returned, as systemd reads ExecStart=."""

from __future__ import annotations

from pathlib import Path

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 templates any text

    def trust_as_template(value):
        return value


from ansible_collections.peerage.peerage.tests.unit.plugins.plugin_utils.test_systemd_command import systemd_argv

UNIT = Path(__file__).resolve().parents[3] / "roles" / "peerage" / "templates" / "peerage-beacon.service.j2"


def test_a_state_dir_with_a_space_a_quote_a_dollar_and_a_percent_reaches_the_beacon_as_it_is():
    state_dir = "/var/lib/peer age/it's \"${HOME}\" $$ 100%"
    command = ["/usr/bin/python3", state_dir + "/program/launcher.py", "--config", state_dir + "/myapp-45901.json"]
    service = {"command": command, "config": state_dir + "/myapp-45901.json", "node_name": "myapp@10.0.0.1"}
    templar = Templar(
        loader=DataLoader(), variables={"__peerage_beacon_service": service, "ansible_managed": "Ansible managed"}
    )
    unit = templar.template(trust_as_template(UNIT.read_text()))
    exec_start = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    assert len(exec_start) == 1
    assert systemd_argv(exec_start[0][len("ExecStart="):]) == ("/usr/bin/python3", command)
