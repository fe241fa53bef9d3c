# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""An answer read from the run's cache: only what the cache itself wrote, private, fresh, and never an error.

cache_entries.cached_answer is what a worker runs when another worker has
asked already; anything it does not trust gives None, and the lookup goes
through run_cache.py, which says why, asks, or raises the stored error.
"""

from __future__ import annotations

import os
import time

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed
from ansible_collections.peerage.peerage.plugins.plugin_utils import cache_entries, run_cache

OPTIONS = {
    "app_name": "a",
    "allow_empty": False,
    "dns_name": ["svc.example"],
    "record_types": ["A"],
    "nameserver": ["10.0.0.53"],
    "timeout": 2.0,
    "log_results": True,
    "cache": True,
    "cache_max_age": 300.0,
}
PEERS = ["a@10.0.0.1", "a@10.0.0.2"]


@pytest.fixture
def run_folder(tmp_path, monkeypatch):
    from ansible import constants as C

    folder = tmp_path / "ansible-local-run"
    folder.mkdir(mode=0o700)
    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", str(folder))
    return folder


def answered():
    """Ask once through the run's cache, as the first worker of a run does; the path of the entry written."""
    assert run_cache.run_cached("dns", OPTIONS, lambda: list(PEERS)) == PEERS
    cache = run_cache.RunCache.for_this_run()
    return os.path.join(cache.folder, cache.key("dns", OPTIONS) + ".json")


def cached(options=None, max_age=300.0, now=None, via="dns"):
    return cache_entries.cached_answer(via, dict(options or OPTIONS, cache_max_age=max_age), now)


def test_an_answer_the_cache_wrote_is_read_back(run_folder):
    assert cached() is None
    answered()
    assert cached() == PEERS
    # The key leaves out what does not change the answer, and is the one run_cache.py writes under.
    assert cached(dict(OPTIONS, log_results=False, via="dns"), max_age=5.0) == PEERS
    assert cached(dict(OPTIONS, app_name="b")) is None


def test_no_answer_is_read_when_the_cache_is_off_or_the_provider_is_not_cached(run_folder):
    answered()
    assert cached(dict(OPTIONS, cache=False)) is None
    # An option ansible-core did not type is left to run_cache.py, which checks it and names a bad value.
    assert cached(dict(OPTIONS, cache="yes")) is None
    assert cached(via="list") is None


def test_an_entry_older_than_the_max_age_is_not_read(run_folder):
    answered()
    assert cached(max_age=60.0, now=time.time() + 61) is None
    assert cached(max_age=60.0, now=time.time() - 3600) is None  # the clock was set back


def test_a_stored_error_is_left_to_the_cache_which_raises_it(run_folder):
    def fail():
        raise DiscoveryFailed("no answer", reason="timeout")

    with pytest.raises(DiscoveryFailed):
        run_cache.run_cached("dns", OPTIONS, fail)
    assert cached() is None
    with pytest.raises(DiscoveryFailed, match="no answer"):
        run_cache.run_cached("dns", OPTIONS, lambda: PEERS)


def test_an_entry_others_may_read_is_not_trusted(run_folder):
    entry = answered()
    os.chmod(entry, 0o644)
    assert cached() is None
    with pytest.raises(OSError, match="not a regular file of this user"):
        cache_entries.read_private(entry)
    # The cache does not use it either: the question is asked again.
    asked = []
    assert run_cache.run_cached("dns", OPTIONS, lambda: asked.append(1) or ["a@10.0.0.3"]) == ["a@10.0.0.3"]
    assert asked == [1]


def test_a_link_in_place_of_an_entry_is_not_followed(run_folder, tmp_path):
    entry = answered()
    planted = tmp_path / "planted.json"
    planted.write_bytes(open(entry, "rb").read())
    planted.chmod(0o600)
    os.unlink(entry)
    os.symlink(planted, entry)
    assert cached() is None


def test_a_folder_others_may_read_is_not_used(run_folder):
    answered()
    os.chmod(run_folder / cache_entries.FOLDER_NAME, 0o755)
    assert cached() is None


def test_a_link_in_place_of_the_folder_is_not_used(run_folder, tmp_path):
    answered()
    moved = tmp_path / "moved"
    os.rename(run_folder / cache_entries.FOLDER_NAME, moved)
    os.symlink(moved, run_folder / cache_entries.FOLDER_NAME)
    assert cached() is None


def test_without_a_run_folder_there_is_no_answer(tmp_path, monkeypatch):
    from ansible import constants as C

    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", str(tmp_path / "missing"))
    assert cached() is None


def test_options_that_cannot_be_compared_have_no_answer(run_folder):
    answered()
    assert cached(dict(OPTIONS, provider_options={1: "a", "b": 2})) is None


@pytest.mark.parametrize("options, typed", [
    ({"cache": True, "cache_max_age": 300.0}, (True, 300.0)),
    ({"cache": False, "cache_max_age": 1.0}, (False, 1.0)),
    # Anything ansible-core did not type, or out of range, is left to run_cache.py's checks and messages.
    ({"cache": "yes", "cache_max_age": 300.0}, None),
    ({"cache": True, "cache_max_age": 300}, None),
    ({"cache": True, "cache_max_age": 0.0}, None),
    ({"cache": True, "cache_max_age": float("inf")}, None),
    ({"cache": True, "cache_max_age": float("nan")}, None),
])
def test_only_typed_cache_options_are_taken_as_they_are(options, typed):
    assert cache_entries.typed_cache_options(options) == typed
