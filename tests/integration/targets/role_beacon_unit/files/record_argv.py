# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stands in for the beacon's launcher: records the arguments it was started with, next to itself."""

import json
import os
import sys

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "argv.json"), "w") as record:
    json.dump(sys.argv, record)
