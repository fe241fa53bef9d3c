# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""as_filter_error: the collection's own errors, worded once on every ansible-core."""

from __future__ import annotations

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, PeerageError
from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleFilterError, as_filter_error

MESSAGE = "invalid node name 'bad name': it contains whitespace"


@pytest.mark.parametrize("prefix", ["", "peerage: "])
def test_own_error_is_a_filter_error_with_its_message_once(prefix):
    with pytest.raises(AnsibleFilterError) as caught:
        with as_filter_error(prefix):
            raise NodeNameError(MESSAGE)
    # str() is what ansible-core shows; 2.16 to 2.18 append an orig_exc's message to it.
    assert str(caught.value) == prefix + MESSAGE
    assert getattr(caught.value, "orig_exc", None) is None
    assert isinstance(caught.value.__cause__, NodeNameError)


def test_other_errors_pass_through():
    # A fault in the collection's code is not reworded as the user's mistake.
    with pytest.raises(KeyError):
        with as_filter_error():
            raise KeyError("k")


def test_nothing_raised_is_nothing_reported():
    with as_filter_error():
        value = "ok"
    assert value == "ok"
    assert issubclass(NodeNameError, PeerageError)
