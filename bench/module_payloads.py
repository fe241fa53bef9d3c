# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print the size of each module's AnsiballZ payload and the module_utils it carries.

Runs every module of the collection once on localhost with
ANSIBLE_KEEP_REMOTE_FILES=1, so the payload measured is the one Ansible really
sent, then reads the zip inside it. Arguments are chosen to fail the module's
own argument check: the payload is built and shipped all the same, and nothing
runs.

    .build/venv/bin/python bench/module_payloads.py [COLLECTION_ROOT]

COLLECTION_ROOT defaults to this checkout (it must be the peerage/peerage
folder of a collection tree, or a checkout, which is linked into one).
"""

from __future__ import annotations

import base64
import io
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile

MODULES = ("discover", "udp_probe", "beacon", "wait_for_peers")


def payload(module: str, collections: pathlib.Path, remote_tmp: pathlib.Path) -> bytes:
    env = dict(
        os.environ,
        ANSIBLE_KEEP_REMOTE_FILES="1",
        ANSIBLE_REMOTE_TMP=str(remote_tmp),
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
    )
    ansible = pathlib.Path(sys.executable).with_name("ansible")
    subprocess.run(
        [str(ansible), "localhost", "-c", "local", "-m", f"peerage.peerage.{module}", "-a", "no_such_option=1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    (wrapper,) = remote_tmp.glob(f"ansible-tmp-*/AnsiballZ_{module}.py")
    text = wrapper.read_text()
    # The wrapper's own variable: ZIPDATA before ansible-core 2.19, zip_data after.
    match = re.search(r"^(?:ZIPDATA = \"\"\"|zip_data=')([A-Za-z0-9+/=]+)", text, re.M)
    if match is None:
        raise SystemExit(f"no zip data in {wrapper}")
    return base64.b64decode(match.group(1))


def main() -> None:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory(prefix="peerage-payloads-") as work:
        collections = pathlib.Path(work, "collections")
        (collections / "ansible_collections" / "peerage").mkdir(parents=True)
        (collections / "ansible_collections" / "peerage" / "peerage").symlink_to(root.resolve())
        print(f"{'module':<16} {'zip bytes':>10} {'files':>6}  collection module_utils carried")
        for module in MODULES:
            remote_tmp = pathlib.Path(work, "remote", module)
            remote_tmp.mkdir(parents=True)
            data = payload(module, collections, remote_tmp)
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
            ours = sorted(
                name.split("module_utils/", 1)[1]
                for name in names
                if "/peerage/peerage/plugins/module_utils/" in name and not name.endswith("__init__.py")
            )
            print(f"{module:<16} {len(data):>10} {len(names):>6}  {' '.join(ours)}")


if __name__ == "__main__":
    main()
