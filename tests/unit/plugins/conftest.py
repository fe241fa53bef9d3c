# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where the tests' real beacons keep their state: a folder the beacon's own user can reach.

Started by root (as these tests run), a beacon runs as ``nobody``, which must
reach its program and config and run its interpreter, as on a host where the
module runs from the system's Python and keeps its state in
/var/lib/peerage-beacon. pytest's ``tmp_path`` and the Python that runs the
tests both sit under folders only root may enter, so the state goes to a
folder under /tmp that others may search, and the beacon runs from the
system's python3.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.udp.control import BeaconControl
from ansible_collections.peerage.peerage.tests.unit.plugins.beacon_lab import (
    APP,
    SYSTEM_PYTHON,
    free_port,
    loopback_options,
)


@pytest.fixture
def beacon_base(monkeypatch):
    """A folder (root's, mode 0711) for beacon state, removed afterwards; as root, beacons run from SYSTEM_PYTHON."""
    base = tempfile.mkdtemp(prefix="peerage-beacon-test-", dir="/tmp")
    try:
        os.chmod(base, 0o711)
        if os.geteuid() == 0:
            # The module starts the beacon with its own interpreter, sys.executable.
            monkeypatch.setattr(sys, "executable", SYSTEM_PYTHON)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def loopback(beacon_base):
    """Settings for a beacon on lo with TTL 0 (nothing leaves this host), and its control; stopped afterwards."""
    port = free_port()
    control = BeaconControl(os.path.join(beacon_base, "state"), APP, port)
    try:
        yield loopback_options(port), control
    finally:
        control.stop()
