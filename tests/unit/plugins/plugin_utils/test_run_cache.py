# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run-wide result cache: its key, its folder and files, locking between processes, expiry and errors."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import stat
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.peerage.peerage.plugins.module_utils.errors import (
    DiscoveryFailed,
    NodeNameError,
    NoPeersFound,
    OptionError,
)
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import CACHE_OPTIONS
from ansible_collections.peerage.peerage.plugins.plugin_utils import run_cache
from ansible_collections.peerage.peerage.plugins.plugin_utils.cache_entries import NOT_IN_KEY
from ansible_collections.peerage.peerage.plugins.plugin_utils.run_cache import RunCache

DNS_OPTIONS = {
    "app_name": "myapp",
    "allow_empty": False,
    "dns_name": ["myapp.example.com"],
    "record_types": ["A", "AAAA"],
    "nameserver": ["10.0.0.53:53"],
    "timeout": 2.0,
    "retries": 1,
    "srv_target": "address",
    "log_results": True,
    "cache": True,
    "cache_max_age": 300.0,
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_folder(tmp_path, name="ansible-local-run"):
    folder = tmp_path / name
    folder.mkdir(mode=0o700, exist_ok=True)
    return str(folder)


@pytest.fixture
def cache(tmp_path):
    return RunCache(run_cache.open_folder(run_folder(tmp_path)), clock=Clock())


class Asker:
    """A discovery that records its calls and answers ``peers`` or raises ``error``."""

    def __init__(self, peers=("a@10.0.0.1",), error=None):
        self.peers = list(peers)
        self.error = error
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.error is not None:
            raise self.error
        return list(self.peers)


# ----------------------------------------------------------------- keys

# Option values as the lookups pass them: scalars, lists of strings, small dicts.
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(0, 10), st.text(max_size=8))
values = st.one_of(scalars, st.lists(st.text(max_size=8), max_size=3),
                   st.dictionaries(st.text(max_size=4), scalars, max_size=2))
option_sets = st.dictionaries(st.text(min_size=1, max_size=12).filter(lambda name: name not in NOT_IN_KEY
                                                                      and name != "via"),
                              values, min_size=1, max_size=6)


@settings(max_examples=200, deadline=None, database=None)
@given(options=option_sets, data=st.data())
def test_two_questions_that_differ_in_any_option_never_share_an_entry(tmp_path_factory, options, data):
    cache = RunCache(run_cache.open_folder(run_folder(tmp_path_factory.mktemp("run"))))
    name = data.draw(st.sampled_from(sorted(options)))
    changed = data.draw(values.filter(lambda value: value != options[name] or type(value) is not type(options[name])))
    other = dict(options, **{name: changed})
    assert cache.key("dns", options) != cache.key("dns", other)
    # An option that is missing differs from one that is set, whatever its value.
    assert cache.key("dns", options) != cache.key("dns", {k: v for k, v in options.items() if k != name})
    assert cache.key("dns", options) != cache.key("list", options)


@settings(max_examples=100, deadline=None, database=None)
@given(options=option_sets, log_results=st.booleans(), cache_on=st.booleans(), max_age=st.floats(1, 1000))
def test_the_key_ignores_logging_cache_settings_and_option_order(tmp_path_factory, options, log_results, cache_on,
                                                                 max_age):
    cache = RunCache(run_cache.open_folder(run_folder(tmp_path_factory.mktemp("run"))))
    reordered = dict(reversed(list(options.items())))
    extra = dict(reordered, log_results=log_results, cache=cache_on, cache_max_age=max_age, via="dns")
    assert cache.key("dns", options) == cache.key("dns", reordered) == cache.key("dns", extra)


def test_the_options_left_out_of_the_key_are_logging_and_the_caches_own():
    assert {"log_results", *CACHE_OPTIONS} == NOT_IN_KEY


def test_keys_are_keyed_per_run(tmp_path):
    first = RunCache(run_cache.open_folder(run_folder(tmp_path, "ansible-local-one")))
    second = RunCache(run_cache.open_folder(run_folder(tmp_path, "ansible-local-two")))
    # A stranger who knows the question cannot compute the entry's name without the run's random key.
    assert first.key("dns", DNS_OPTIONS) != second.key("dns", DNS_OPTIONS)
    assert first.key("dns", DNS_OPTIONS) == RunCache(first.folder).key("dns", DNS_OPTIONS)


def test_a_secret_never_appears_in_a_file_or_a_path(tmp_path):
    secret = "hunter2-Sw0rdfish"
    folder = run_folder(tmp_path)
    cache = RunCache(run_cache.open_folder(folder))
    options = dict(DNS_OPTIONS, secret=secret, provider_options={"token": secret})
    cache.get_or_run(cache.key("peers", options), Asker())
    with pytest.raises(DiscoveryFailed):
        failing = dict(options, dns_name=["other.example.com"])
        cache.get_or_run(cache.key("peers", failing), Asker(error=DiscoveryFailed("no answer", reason="timeout")))
    seen = []
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(parent, name)
            seen.append(path)
            with open(path, "rb") as handle:
                assert secret.encode() not in handle.read()
    assert len(seen) >= 4  # key, two entries, their locks
    assert not any(secret in path for path in seen)


def test_options_that_cannot_be_compared_make_the_cache_step_aside(cache):
    with pytest.raises(run_cache.CacheUnusable):
        cache.key("dns", {"provider_options": {1: "a", "b": 2}})


# ---------------------------------------------------------- the folder


def test_folder_and_files_are_private(tmp_path):
    folder = run_cache.open_folder(run_folder(tmp_path))
    cache = RunCache(folder)
    cache.get_or_run(cache.key("dns", DNS_OPTIONS), Asker())
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    names = os.listdir(folder)
    assert names
    for name in names:
        assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) == 0o600, name


def test_a_folder_others_may_read_is_not_used(tmp_path):
    folder = tmp_path / "ansible-local-run" / run_cache.FOLDER_NAME
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    message = r"the run's cache folder %s is not safe to use: it is owned by .* with mode 0755" % folder
    with pytest.raises(run_cache.CacheUnusable, match=message):
        run_cache.open_folder(str(folder.parent))


def test_a_symlink_in_place_of_the_folder_is_not_used(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    run = tmp_path / "ansible-local-run"
    run.mkdir(mode=0o700)
    (run / run_cache.FOLDER_NAME).symlink_to(target)
    with pytest.raises(run_cache.CacheUnusable):
        run_cache.open_folder(str(run))


def test_another_run_never_removes_a_live_runs_folder(tmp_path, monkeypatch):
    """Ansible removes its own local folder; one run never touches another's.

    ansible-playbook 1234, started from a shell that is pid 123 (since gone,
    or another user's process now), templates a lookup in its own process;
    a later run, 5678, opens its own cache while 1234 still runs.
    """
    live_pids = {1234, 5678}

    def kill(pid, _signal):
        if pid not in live_pids:
            raise ProcessLookupError(pid)

    monkeypatch.setattr(os, "kill", kill)
    monkeypatch.setattr(os, "getpid", lambda: 1234)
    monkeypatch.setattr(os, "getppid", lambda: 123)
    live = RunCache(run_cache.open_folder(run_folder(tmp_path, "ansible-local-1234x7f_q2")))
    key = live.key("dns", DNS_OPTIONS)
    asker = Asker()
    live.get_or_run(key, asker)
    ended = tmp_path / "ansible-local-123k0j9" / run_cache.FOLDER_NAME
    ended.mkdir(parents=True, mode=0o700)
    (ended / "owner").write_text("123 -")

    monkeypatch.setattr(os, "getpid", lambda: 5678)
    monkeypatch.setattr(os, "getppid", lambda: 1)
    run_cache.open_folder(run_folder(tmp_path, "ansible-local-5678a1b2c3"))

    monkeypatch.setattr(os, "getpid", lambda: 1234)
    assert live.get_or_run(key, asker) == (["a@10.0.0.1"], True)
    assert asker.calls == 1
    assert (ended / "owner").exists()


def test_a_cache_folder_that_goes_away_during_the_run_steps_aside(this_run, reports):
    asker = Asker()
    run_cache.run_cached("dns", DNS_OPTIONS, asker, reports)
    folder = os.path.join(this_run, run_cache.FOLDER_NAME)
    shutil.rmtree(folder)
    # Made again on the next call: removing it costs one more question, never an error.
    assert run_cache.run_cached("dns", DNS_OPTIONS, asker, reports) == ["a@10.0.0.1"]
    assert asker.calls == 2
    # Gone between the key and the lock: this discovery runs uncached, and says why at -vvv.
    real_key = RunCache.key

    def key_then_remove(self, via, options):
        answer = real_key(self, via, options)
        shutil.rmtree(self.folder)
        return answer

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RunCache, "key", key_then_remove)
        assert run_cache.run_cached("dns", DNS_OPTIONS, asker, reports) == ["a@10.0.0.1"]
    assert asker.calls == 3
    assert reports.at(3)[-1].startswith("peerage: the run's result cache is not used: the cache lock ")


def test_a_provider_error_from_the_file_system_is_not_taken_for_the_caches(this_run):
    asker = Asker(error=PermissionError(13, "Permission denied", "/etc/peers"))
    with pytest.raises(PermissionError):
        run_cache.run_cached("dns", DNS_OPTIONS, asker)
    assert asker.calls == 1


# --------------------------------------------------------------- entries


def test_an_answer_is_asked_once_and_then_read(cache):
    asker = Asker(["a@10.0.0.2", "a@10.0.0.1"])
    key = cache.key("dns", DNS_OPTIONS)
    assert cache.get_or_run(key, asker) == (["a@10.0.0.2", "a@10.0.0.1"], False)
    assert cache.get_or_run(key, asker) == (["a@10.0.0.2", "a@10.0.0.1"], True)
    assert RunCache(cache.folder, clock=cache.clock).get_or_run(key, asker) == (["a@10.0.0.2", "a@10.0.0.1"], True)
    assert asker.calls == 1


@pytest.mark.parametrize(
    "error",
    [
        DiscoveryFailed("DNS lookup of 'x' (A) failed: 10.0.0.53:53 no answer in 1 try of 1.0s", reason="timeout"),
        NoPeersFound("DNS name 'x' has no A records at nameserver 10.0.0.53:53 (NXDOMAIN)"),
        NodeNameError("the dns provider returned an invalid node name 'a b@h'", value="a b@h"),
        OptionError("invalid timeout 'x': expected a number >= 0.001"),
    ],
)
def test_an_error_is_kept_and_raised_again_as_it_was(cache, error):
    asker = Asker(error=error)
    key = cache.key("dns", DNS_OPTIONS)
    for _call in range(3):
        with pytest.raises(type(error)) as caught:
            cache.get_or_run(key, asker)
        assert str(caught.value) == str(error)
        assert getattr(caught.value, "reason", None) == getattr(error, "reason", None)
        assert getattr(caught.value, "value", None) == getattr(error, "value", None)
    assert asker.calls == 1


def test_an_unexpected_exception_is_not_kept(cache):
    asker = Asker(error=RuntimeError("provider bug"))
    key = cache.key("dns", DNS_OPTIONS)
    for _call in range(2):
        with pytest.raises(RuntimeError):
            cache.get_or_run(key, asker)
    assert asker.calls == 2


def test_an_answer_older_than_the_max_age_is_asked_again(tmp_path):
    clock = Clock()
    cache = RunCache(run_cache.open_folder(run_folder(tmp_path)), max_age=60, clock=clock)
    asker = Asker()
    key = cache.key("dns", DNS_OPTIONS)
    cache.get_or_run(key, asker)
    clock.now += 59.9
    assert cache.get_or_run(key, asker)[1] is True
    clock.now += 0.1
    assert cache.get_or_run(key, asker)[1] is False
    assert asker.calls == 2
    # A clock set back makes the age unknown: asked again.
    clock.now -= 3600
    assert cache.get_or_run(key, asker)[1] is False
    assert asker.calls == 3


def test_an_unreadable_entry_is_asked_again(cache):
    asker = Asker()
    key = cache.key("dns", DNS_OPTIONS)
    cache.get_or_run(key, asker)
    with open(os.path.join(cache.folder, key + ".json"), "w") as handle:
        handle.write('{"created": ')
    assert cache.get_or_run(key, asker) == (["a@10.0.0.1"], False)
    assert asker.calls == 2


# --------------------------------------------------------------- locking


def _worker(folder, key, log, start, results):
    def discover():
        with open(log, "a") as handle:
            handle.write("asked\n")
        time.sleep(0.5)  # long enough for every other worker to arrive and wait
        return ["a@10.0.0.%d" % os.getpid()]

    start.wait()
    try:
        peers, from_cache = RunCache(folder).get_or_run(key, discover)
        results.put((peers, from_cache))
    except Exception as exc:  # pragma: no cover - reported by the test
        results.put(("error", repr(exc)))


def test_concurrent_workers_ask_once_and_all_get_that_answer(tmp_path):
    context = multiprocessing.get_context("fork")
    folder = run_cache.open_folder(run_folder(tmp_path))
    key = RunCache(folder).key("dns", DNS_OPTIONS)
    log = str(tmp_path / "asked.log")
    start = context.Event()
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(folder, key, log, start, results)) for _n in range(8)]
    for worker in workers:
        worker.start()
    start.set()
    answers = [results.get(timeout=60) for _worker_ in workers]
    for worker in workers:
        worker.join(timeout=60)
    with open(log) as handle:
        assert handle.read() == "asked\n"
    assert len({tuple(peers) for peers, _from_cache in answers}) == 1
    assert sorted(from_cache for _peers, from_cache in answers) == [False] + [True] * 7


def test_a_worker_that_dies_while_asking_does_not_block_the_others(tmp_path):
    context = multiprocessing.get_context("fork")
    folder = run_cache.open_folder(run_folder(tmp_path))
    key = RunCache(folder).key("dns", DNS_OPTIONS)

    def die_while_asking():
        RunCache(folder).get_or_run(key, lambda: os._exit(3))

    dying = context.Process(target=die_while_asking)
    dying.start()
    dying.join(timeout=30)
    assert dying.exitcode == 3
    asker = Asker()
    assert RunCache(folder).get_or_run(key, asker) == (["a@10.0.0.1"], False)


# --------------------------------------------------------------- the hook


@pytest.fixture
def this_run(tmp_path, monkeypatch):
    from ansible import constants as C

    folder = run_folder(tmp_path)
    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", folder)
    return folder


def test_dns_is_cached(this_run):
    asker = Asker()
    for _call in range(3):
        assert run_cache.run_cached("dns", DNS_OPTIONS, asker) == ["a@10.0.0.1"]
    assert asker.calls == 1


@pytest.mark.parametrize("via", ["list", "self", "udp", "custom:the lookup plugin a.b.c"])
def test_self_udp_and_custom_providers_are_not_cached(this_run, via):
    asker = Asker()
    for _call in range(3):
        run_cache.run_cached(via, DNS_OPTIONS, asker)
    assert asker.calls == 3


def test_a_custom_provider_that_opts_in_is_cached(this_run):
    asker = Asker()
    for _call in range(3):
        run_cache.run_cached("custom:the custom provider /p/x.py", DNS_OPTIONS, asker, opted_in=True)
    assert asker.calls == 1


@pytest.mark.parametrize("off", [False, "false", "no"])
def test_cache_false_asks_every_time(this_run, off):
    asker = Asker()
    for _call in range(3):
        run_cache.run_cached("dns", dict(DNS_OPTIONS, cache=off), asker)
    assert asker.calls == 3


# Floats too, as ansible-core's definitions type them: the typed values take a shorter way to the same check.
@pytest.mark.parametrize("bad", [0, -1, "soon", float("nan"), 0.0, 0.0005, -2.5, float("inf")])
def test_a_bad_max_age_is_refused_naming_it(this_run, bad):
    with pytest.raises(OptionError, match=r"invalid cache_max_age .*: expected a number >= 0.001"):
        run_cache.run_cached("dns", dict(DNS_OPTIONS, cache_max_age=bad), Asker())


def test_a_hit_is_reported_as_one(this_run, reports):
    run_cache.run_cached("dns", DNS_OPTIONS, Asker(), reports)
    assert reports.calls == []
    run_cache.run_cached("dns", DNS_OPTIONS, Asker(), reports)
    assert reports.at(1) == ["peerage: the dns provider found 1 peer(s): a@10.0.0.1 (answer cached for this run)"]


def test_without_a_usable_folder_discovery_runs_uncached(tmp_path, monkeypatch, reports):
    from ansible import constants as C

    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", str(tmp_path / "missing"))
    asker = Asker()
    for _call in range(2):
        assert run_cache.run_cached("dns", DNS_OPTIONS, asker, reports) == ["a@10.0.0.1"]
    assert asker.calls == 2
    assert reports.at(3)[0].startswith("peerage: the run's result cache is not used: Ansible's local temporary folder")
