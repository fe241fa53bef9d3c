# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Give the module tests ``patch_module_args`` on every tested ansible-core, and a listening port.

The module tests pass a module its arguments with
``ansible.module_utils.testing.patch_module_args``, which ansible-core 2.19
added. On 2.16 to 2.18 this registers a context manager of that name that
does what those versions read: JSON in ``basic._ANSIBLE_ARGS``. pytest
imports this file before the test files of this folder.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import types
import typing as t
from unittest import mock

import pytest

try:
    import ansible.module_utils.testing  # noqa: F401  # pylint: disable=unused-import
except ImportError:
    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args: dict[str, t.Any] | None = None) -> t.Iterator[None]:
        """Expose ARGS to the AnsibleModule instances created in this context."""
        if not isinstance(args, (dict, type(None))):
            raise TypeError("The `args` arg must be a dict or None.")
        payload = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()
        with mock.patch.object(basic, "_ANSIBLE_ARGS", payload):
            yield

    testing = types.ModuleType("ansible.module_utils.testing", __doc__)
    testing.patch_module_args = patch_module_args  # type: ignore[attr-defined]
    sys.modules[testing.__name__] = testing


@pytest.fixture
def listening_port() -> t.Iterator[int]:
    """A TCP port that 127.0.0.1 listens on (and 127.0.0.2, also loopback, does not)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]
