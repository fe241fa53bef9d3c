# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every lookup test is a run of its own, as far as the run-wide result cache can tell."""

from __future__ import annotations

import pytest
from ansible import constants as C


@pytest.fixture(autouse=True)
def run_folder(tmp_path, monkeypatch):
    """A private local temporary folder, as ansible-playbook makes one per run (the cache lives in it)."""
    folder = tmp_path / "ansible-local-run"
    folder.mkdir(mode=0o700)
    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", str(folder))
    return folder
