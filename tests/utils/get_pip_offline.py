# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Stand-in for pip's get-pip.py that needs no download.

``ansible-test --venv`` creates virtual environments without pip and runs
get-pip.py from its cache (``~/.ansible/test/cache/get_pip_<version>.py``),
downloading it when missing; that host is out of reach here.
``scripts/bootstrap`` copies this file there. It takes get-pip.py's
arguments (pip options and packages such as ``pip==24.2``), installs pip
from the standard library's bundled wheel, then runs
``pip install --upgrade`` with them through the normal package index.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys

# get-pip.py options that pip install does not know.
GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main() -> int:
    arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    # ensurepip removes PIP_* variables and points PIP_CONFIG_FILE at
    # /dev/null in this process; restore them so the upgrade below uses the
    # machine's pip configuration (index mirrors, certificates).
    saved_environment = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    os.environ.clear()
    os.environ.update(saved_environment)
    if not any(not arg.startswith("-") for arg in arguments):
        return 0
    return subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade", *arguments])


if __name__ == "__main__":
    sys.exit(main())
