# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Multi-host test lab: Linux network namespaces on one bridge, reached over SSH.

Each lab host is a network namespace with its own ``eth0`` (a veth whose other
end sits on a bridge in the root namespace), IPv4 and IPv6 addresses, routes
for multicast, and an sshd of its own that accepts the lab's key for root.
Hosts share the machine's filesystem, process table and hostname; only the
network is their own.

Command line (as root)::

    python3 lab.py up    --state DIR --hosts N [--subnet K] [--name PREFIX] [--wait S]
    python3 lab.py add   --state DIR --hosts M
    python3 lab.py netem --state DIR --loss PCT | --clear
    python3 lab.py exec  --state DIR --host h3 -- CMD ARGS...
    python3 lab.py down  --state DIR [--subnet K]   # --subnet: when lab.json is gone

As a module::

    from lab import Lab
    with Lab(state_dir, hosts=4) as lab:
        lab.exec("h1", ["ip", "addr"])
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import ipaddress
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import typing as t

DEFAULT_SUBNET = 77
SSH_READY_TIMEOUT = 30.0
# How long `up` waits for a live lab of the same subnet (another test run) to go away.
SUBNET_WAIT = 600.0
# Which lab holds each subnet, and on behalf of which process.
CLAIMS_DIR = "/run/peerage-lab"
KILL_GRACE = 2.0
# The lab's routed prefixes; hosts are .11 up to .254.
IPV4_TEMPLATE = "198.18.{subnet}.{host}"
IPV6_TEMPLATE = "fd00:198:18:{subnet}::{host}"
MAX_HOSTS = 244
# sun_path holds 108 bytes. Leave room for a socket name of up to 40 characters
# (ssh's %C hash; Ansible's is 10) and the 17-character temporary suffix that
# ssh adds while it creates a master socket.
MAX_CONTROL_DIR = 108 - 1 - 1 - 40 - 17

# Files the lab writes into its state directory; `down` removes exactly these.
STATE_FILE = "lab.json"
INVENTORY_FILE = "inventory.ini"
CLIENT_KEY = "id_ed25519"
AUTHORIZED_KEYS = "authorized_keys"
GENERATED_FILES = (
    CLIENT_KEY,
    CLIENT_KEY + ".pub",
    AUTHORIZED_KEYS,
    INVENTORY_FILE,
    INVENTORY_FILE + ".tmp",
    STATE_FILE + ".tmp",
    STATE_FILE,
)
HOST_FILE_PATTERNS = (
    "sshd_{h}.conf",
    "sshd_{h}.pid",
    "sshd_{h}.log",
    "ssh_host_ed25519_key_{h}",
    "ssh_host_ed25519_key_{h}.pub",
)

SSH_CHECK_OPTIONS = (
    "-F", "/dev/null",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "ConnectTimeout=3",
    "-o", "LogLevel=ERROR",
)


class LabError(Exception):
    """The lab could not be built, changed or read."""


def _run(argv: t.Sequence[str], check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(argv), stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        detail = proc.stderr.strip()
        raise LabError("command failed (exit %d): %s\n%s" % (proc.returncode, shlex.join(argv), detail))
    return proc


def _config_value(path: str) -> str:
    # sshd_config splits on spaces unless the value is quoted; it has no escape for quotes.
    if '"' in path or "\n" in path:
        raise LabError("path not usable in an sshd config: %r" % path)
    return '"%s"' % path


def _cbpf_random_drop(loss: float) -> str:
    """Classic BPF bytecode that matches a random ``loss`` percent of packets.

    Kernels without the netem qdisc still have cls_bpf: the program loads a
    random 32-bit number (ancillary load SKF_AD_RANDOM) and matches when it
    reaches a threshold, which happens with probability ``loss / 100``.
    """
    threshold = min(round((100.0 - loss) / 100.0 * 2**32), 2**32 - 1)
    if loss >= 100.0:
        threshold = 0
    ld_random = "32 0 0 %d" % ((-0x1000 + 56) & 0xFFFFFFFF)
    jge_threshold = "53 0 1 %d" % threshold
    return ",".join(("4", ld_random, jge_threshold, "6 0 0 4294967295", "6 0 0 0"))


def _process_start(pid: int) -> t.Optional[str]:
    """When process ``pid`` started (clock ticks after boot), or None when it does not run."""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    # Field 22; the command name (field 2) may hold spaces and ends at the last ')'.
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) < 20 or fields[0] == "Z":
        return None  # a zombie has ended
    return fields[19]


class Lab:
    """A set of lab hosts h1..hN; see the module docstring."""

    def __init__(
        self,
        state_dir: str,
        hosts: int = 0,
        subnet: int = DEFAULT_SUBNET,
        name: t.Optional[str] = None,
        owner: t.Optional[int] = None,
    ) -> None:
        """``owner`` is the process whose life the lab belongs to (default: this one)."""
        if not 0 <= subnet <= 255:
            raise LabError("subnet must be 0..255, got %d" % subnet)
        if not 0 <= hosts <= MAX_HOSTS:
            raise LabError("hosts must be 0..%d, got %d" % (MAX_HOSTS, hosts))
        self.state_dir = os.path.abspath(state_dir)
        self.subnet = subnet
        self.name = name or "pglab%d" % subnet
        if not re.match(r"^[A-Za-z0-9_.-]{1,40}$", self.name):
            raise LabError("invalid lab name %r" % self.name)
        self.bridge = "pgbr%d" % subnet
        self.bridge_address = IPV4_TEMPLATE.format(subnet=subnet, host=1)
        self.bridge_address6 = self._ipv6(1)
        self.python = sys.executable
        self.loss = 0.0
        self.control_dir = ""
        self._wanted = hosts
        self.owner = os.getpid() if owner is None else owner
        self._hosts: dict[str, dict[str, t.Any]] = {}

    # ----------------------------------------------------------------- naming

    def _ipv6(self, host: int) -> str:
        return str(ipaddress.IPv6Address(IPV6_TEMPLATE.format(subnet=self.subnet, host=host)))

    def _path(self, name: str) -> str:
        return os.path.join(self.state_dir, name)

    def _host_spec(self, index: int) -> dict[str, t.Any]:
        host = "h%d" % index
        return {
            "index": index,
            "namespace": "%s-%s" % (self.name, host),
            "address": IPV4_TEMPLATE.format(subnet=self.subnet, host=10 + index),
            "address6": self._ipv6(10 + index),
            # Named after the subnet so that interface names stay within 15 characters.
            "veth": "pgv%dh%d" % (self.subnet, index),
            "sshd_pid": None,
        }

    # ------------------------------------------------------------- accessors

    @property
    def hosts(self) -> list[str]:
        return sorted(self._hosts, key=lambda h: self._hosts[h]["index"])

    def _host(self, host: str) -> dict[str, t.Any]:
        try:
            return self._hosts[host]
        except KeyError:
            raise LabError("no lab host %r (hosts: %s)" % (host, ", ".join(self.hosts) or "none")) from None

    def address(self, host: str) -> str:
        return str(self._host(host)["address"])

    def address6(self, host: str) -> str:
        return str(self._host(host)["address6"])

    def namespace(self, host: str) -> str:
        return str(self._host(host)["namespace"])

    @property
    def inventory(self) -> str:
        return self._path(INVENTORY_FILE)

    @property
    def private_key(self) -> str:
        return self._path(CLIENT_KEY)

    def ns_argv(self, host: str, argv: t.Sequence[str]) -> list[str]:
        """The command line that runs ``argv`` inside ``host``'s namespace."""
        return ["ip", "netns", "exec", self.namespace(host), *argv]

    def exec(self, host: str, argv: t.Sequence[str], **kwargs: t.Any) -> subprocess.CompletedProcess:
        """Run ``argv`` in ``host``'s namespace; keyword arguments go to subprocess.run."""
        kwargs.setdefault("check", False)
        return subprocess.run(self.ns_argv(host, argv), **kwargs)  # pylint: disable=subprocess-run-check

    def popen(self, host: str, argv: t.Sequence[str], **kwargs: t.Any) -> subprocess.Popen:
        """Start ``argv`` in ``host``'s namespace; `down` ends it if it still runs."""
        return subprocess.Popen(self.ns_argv(host, argv), **kwargs)  # pylint: disable=consider-using-with

    def ssh_argv(self, host: str, argv: t.Sequence[str] = ()) -> list[str]:
        """An ssh command line that runs ``argv`` on ``host`` over the lab's key."""
        return ["ssh", *SSH_CHECK_OPTIONS, "-i", self.private_key, "root@%s" % self.address(host), *argv]

    # ----------------------------------------------------------------- state

    def _to_json(self, status: str) -> dict[str, t.Any]:
        return {
            "status": status,
            "name": self.name,
            "subnet": self.subnet,
            "bridge": {
                "name": self.bridge,
                "address": self.bridge_address,
                "address6": self.bridge_address6,
                "prefix": 24,
                "prefix6": 64,
            },
            "hosts": {h: {k: v for k, v in self._hosts[h].items() if k != "index"} for h in self.hosts},
            "inventory": self.inventory,
            "private_key": self.private_key,
            "python": self.python,
            "control_dir": self.control_dir,
            "loss": self.loss,
        }

    def _save(self, status: str = "up") -> None:
        tmp = self._path(STATE_FILE + ".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(self._to_json(status), handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, self._path(STATE_FILE))

    @classmethod
    def attach(cls, state_dir: str) -> "Lab":
        """The lab described by ``state_dir``/lab.json."""
        path = os.path.join(os.path.abspath(state_dir), STATE_FILE)
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            raise LabError("no lab in %s (%s is missing)" % (state_dir, STATE_FILE)) from None
        except ValueError as exc:
            raise LabError("unreadable %s: %s" % (path, exc)) from None
        lab = cls(state_dir, subnet=int(data["subnet"]), name=data["name"])
        lab.python = data.get("python") or lab.python
        lab.control_dir = data.get("control_dir") or ""
        lab.loss = float(data.get("loss") or 0.0)
        for host, spec in data.get("hosts", {}).items():
            index = int(host[1:])
            lab._hosts[host] = dict(lab._host_spec(index), sshd_pid=spec.get("sshd_pid"))
        return lab

    def _write_inventory(self) -> None:
        lines = ["# Written by lab.py; `lab.py down` removes it.", "[lab]"]
        for host in self.hosts:
            spec = self._hosts[host]
            lines.append(
                "%s ansible_host=%s lab_namespace=%s lab_address6=%s"
                % (host, spec["address"], spec["namespace"], spec["address6"])
            )
        lines += [
            "",
            "[lab:vars]",
            "ansible_user=root",
            "ansible_ssh_private_key_file=%s" % self.private_key,
            "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'",
            "ansible_python_interpreter=%s" % self.python,
            # One SSH round trip per task instead of four; root needs no tty.
            "ansible_pipelining=true",
            # Keeps Ansible's ssh master connections where `down` can close them.
            "ansible_control_path_dir=%s" % self.control_dir,
            "lab_bridge_address=%s" % self.bridge_address,
            "lab_bridge_address6=%s" % self.bridge_address6,
            "",
        ]
        tmp = self.inventory + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines))
        os.replace(tmp, self.inventory)

    # -------------------------------------------------------------- building

    def __enter__(self) -> "Lab":
        if not self._hosts:
            self.up()
        return self

    def __exit__(self, *exc_info: t.Any) -> None:
        self.down()

    def up(self, hosts: t.Optional[int] = None, wait: float = SUBNET_WAIT) -> "Lab":
        """Build the lab with ``hosts`` hosts, after removing any earlier lab of the same subnet.

        A lab of the same subnet whose owner process still runs is another
        test run's: `up` waits up to ``wait`` seconds for it to go away.
        """
        count = self._wanted if hosts is None else hosts
        if not 1 <= count <= MAX_HOSTS:
            raise LabError("hosts must be 1..%d, got %d" % (MAX_HOSTS, count))
        if os.geteuid() != 0:
            raise LabError("the lab needs root (network namespaces, bridge, sshd)")
        self._claim_subnet(wait)
        os.makedirs(self.state_dir, exist_ok=True)
        self._remove_stale()
        # Recorded before anything is made, so that `down` finds a half-built lab.
        self._hosts = {}
        self._prepare_control_dir()
        self._save("starting")
        try:
            self._make_keys()
            self._make_bridge()
            self._add_hosts(range(1, count + 1))
        except BaseException:
            self.down()
            raise
        return self

    def add(self, total: int) -> list[str]:
        """Grow the lab to ``total`` hosts; returns the new host names."""
        have = len(self._hosts)
        if total < have:
            raise LabError("the lab already has %d hosts; add cannot shrink it to %d" % (have, total))
        if total > MAX_HOSTS:
            raise LabError("hosts must be at most %d, got %d" % (MAX_HOSTS, total))
        new = range(have + 1, total + 1)
        try:
            self._add_hosts(new)
        except BaseException:
            for index in new:
                self._remove_host("h%d" % index)
            self._save()
            self._write_inventory()
            raise
        return ["h%d" % i for i in new]

    def _prepare_control_dir(self) -> None:
        control_dir = self._path("cp")
        if len(control_dir.encode()) > MAX_CONTROL_DIR:
            control_dir = tempfile.mkdtemp(prefix="%s-cp-" % self.name, dir="/tmp")
        os.makedirs(control_dir, mode=0o700, exist_ok=True)
        self.control_dir = control_dir

    def _make_keys(self) -> None:
        key = self.private_key
        for path in (key, key + ".pub"):
            if os.path.exists(path):
                os.unlink(path)
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "%s-client" % self.name, "-f", key])
        with open(key + ".pub", encoding="utf-8") as src:
            public_key = src.read()
        with open(self._path(AUTHORIZED_KEYS), "w", encoding="utf-8") as dst:
            dst.write(public_key)
        # sshd refuses to start without its privilege separation directory.
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)

    def _make_bridge(self) -> None:
        br = self.bridge
        _run(["ip", "link", "add", br, "type", "bridge", "mcast_snooping", "0", "stp_state", "0", "forward_delay", "0"])
        _run(["ip", "addr", "add", "%s/24" % self.bridge_address, "dev", br])
        _run(["ip", "-6", "addr", "add", "%s/64" % self.bridge_address6, "dev", br, "nodad"])
        _run(["ip", "link", "set", br, "up"])

    def _add_hosts(self, indexes: t.Iterable[int]) -> None:
        added = []
        for index in indexes:
            spec = self._host_spec(index)
            host = "h%d" % index
            self._hosts[host] = spec
            self._save("starting")
            self._make_host(host, spec)
            added.append(host)
        self._wait_for_ssh(added)
        self._save()
        self._write_inventory()

    def _make_host(self, host: str, spec: dict[str, t.Any]) -> None:
        ns, veth = spec["namespace"], spec["veth"]
        _run(["ip", "netns", "add", ns])
        _run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns])
        _run(["ip", "link", "set", veth, "master", self.bridge, "up"])
        for argv in (
            ["link", "set", "lo", "up"],
            ["addr", "add", "%s/24" % spec["address"], "dev", "eth0"],
            # nodad: the address is usable (sshd can bind it) at once.
            ["-6", "addr", "add", "%s/64" % spec["address6"], "dev", "eth0", "nodad"],
            ["link", "set", "eth0", "up"],
            ["route", "add", "224.0.0.0/4", "dev", "eth0"],
            ["-6", "route", "add", "ff00::/8", "dev", "eth0"],
            # The root namespace does not forward, so the default routes lead nowhere
            # further; they give the hosts a default interface, as real hosts have.
            ["route", "add", "default", "via", self.bridge_address],
            ["-6", "route", "add", "default", "via", self.bridge_address6],
        ):
            _run(["ip", "-n", ns, *argv])
        if self.loss:
            self._set_loss(veth, self.loss)
        self._start_sshd(host, spec)

    def _start_sshd(self, host: str, spec: dict[str, t.Any]) -> None:
        host_key = self._path("ssh_host_ed25519_key_%s" % host)
        for path in (host_key, host_key + ".pub"):
            if os.path.exists(path):
                os.unlink(path)
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "%s-%s" % (self.name, host), "-f", host_key])
        pid_file = self._path("sshd_%s.pid" % host)
        config = [
            "ListenAddress %s:22" % spec["address"],
            "ListenAddress [%s]:22" % spec["address6"],
            "HostKey %s" % _config_value(host_key),
            "PidFile %s" % _config_value(pid_file),
            "AuthorizedKeysFile %s" % _config_value(self._path(AUTHORIZED_KEYS)),
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            # The state directory may sit under a world-writable /tmp.
            "StrictModes no",
            "UseDNS no",
            "PrintMotd no",
            "PrintLastLog no",
            "X11Forwarding no",
            # Ansible with many forks opens several connections at once.
            "MaxStartups 100",
            "MaxSessions 100",
            "Subsystem sftp internal-sftp",
            "",
        ]
        config_path = self._path("sshd_%s.conf" % host)
        with open(config_path, "w", encoding="utf-8") as handle:
            handle.write("\n".join(config))
        log_path = self._path("sshd_%s.log" % host)
        # sshd binds its sockets before it detaches and writes the pid file.
        proc = _run(self.ns_argv(host, ["/usr/sbin/sshd", "-f", config_path, "-E", log_path]), check=False)
        if proc.returncode != 0:
            raise LabError(
                "sshd of %s did not start (exit %d): %s %s"
                % (host, proc.returncode, proc.stderr.strip(), self._log_tail(host))
            )
        spec["sshd_pid"] = self._read_pid(pid_file)

    @staticmethod
    def _read_pid(path: str) -> t.Optional[int]:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            try:
                with open(path, encoding="utf-8") as handle:
                    return int(handle.read().strip())
            except (OSError, ValueError):
                time.sleep(0.02)
        return None

    def _log_tail(self, host: str) -> str:
        try:
            with open(self._path("sshd_%s.log" % host), encoding="utf-8", errors="replace") as handle:
                lines = handle.read().splitlines()[-5:]
        except OSError:
            return ""
        return ("\nsshd log of %s:\n  " % host + "\n  ".join(lines)) if lines else ""

    def _wait_for_ssh(self, hosts: list[str]) -> None:
        """Return once each host's sshd ran ``true`` for the lab's key."""
        deadline = time.monotonic() + SSH_READY_TIMEOUT
        pending = list(hosts)
        errors: dict[str, str] = {}
        while pending:
            running = [
                (h, subprocess.Popen(  # pylint: disable=consider-using-with
                    self.ssh_argv(h, ["true"]), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE, text=True,
                ))
                for h in pending
            ]
            pending = []
            for host, proc in running:
                _out, err = proc.communicate()
                if proc.returncode != 0:
                    pending.append(host)
                    errors[host] = err.strip() or "exit %d" % proc.returncode
            if pending and time.monotonic() > deadline:
                detail = "".join(
                    "\n%s (%s): %s%s" % (h, self.address(h), errors[h], self._log_tail(h)) for h in pending
                )
                raise LabError(
                    "sshd did not accept the lab key within %.0f s on %s:%s"
                    % (SSH_READY_TIMEOUT, ", ".join(pending), detail)
                )
            if pending:
                time.sleep(0.2)

    # ---------------------------------------------------------- packet loss

    def netem(self, loss: float) -> None:
        """Drop ``loss`` percent of the frames that reach each host (0 clears)."""
        if not 0.0 <= loss <= 100.0:
            raise LabError("loss must be 0..100 percent, got %s" % loss)
        for host in self.hosts:
            self._set_loss(self._hosts[host]["veth"], loss)
        self.loss = loss
        self._save()

    @staticmethod
    def _set_loss(veth: str, loss: float) -> None:
        """Random loss on the bridge side of a host's veth, i.e. on the way into the host.

        The netem qdisc is not in every kernel, so loss is made from parts that
        are: an HTB root whose class 1:2 ends in a zero-length FIFO (everything
        sent there is dropped), and a classic BPF filter that sends a random
        share of the frames to that class. The rest bypasses HTB unshaped.
        """
        _run(["tc", "qdisc", "del", "dev", veth, "root"], check=False)
        if loss <= 0:
            return
        for argv in (
            ["qdisc", "add", "dev", veth, "root", "handle", "1:", "htb", "default", "0"],
            ["class", "add", "dev", veth, "parent", "1:", "classid", "1:2", "htb", "rate", "1mbit"],
            ["qdisc", "add", "dev", veth, "parent", "1:2", "handle", "2:", "pfifo", "limit", "0"],
            ["filter", "add", "dev", veth, "parent", "1:", "protocol", "all", "prio", "1",
             "bpf", "bytecode", _cbpf_random_drop(loss), "classid", "1:2"],
        ):
            _run(["tc", *argv])

    # ---------------------------------------------------- subnet ownership

    @staticmethod
    @contextlib.contextmanager
    def _claims_lock() -> t.Iterator[None]:
        # Locking the directory itself leaves no lock file behind.
        os.makedirs(CLAIMS_DIR, mode=0o755, exist_ok=True)
        fd = os.open(CLAIMS_DIR, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _claim_path(self) -> str:
        return os.path.join(CLAIMS_DIR, "subnet-%d.json" % self.subnet)

    def _subnet_holder(self) -> t.Optional[dict[str, t.Any]]:
        """The live lab that holds this subnet, if any."""
        try:
            with open(self._claim_path(), encoding="utf-8") as handle:
                holder = json.load(handle)
        except (OSError, ValueError):
            return None
        # A recycled pid is told apart by its start time.
        if not isinstance(holder, dict) or _process_start(int(holder.get("pid", 0))) != holder.get("start"):
            return None
        return holder

    def _claim_subnet(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        told = False
        while True:
            with self._claims_lock():
                holder = self._subnet_holder()
                if holder is None or holder["state_dir"] == self.state_dir or holder["pid"] == self.owner:
                    claim = {"pid": self.owner, "start": _process_start(self.owner), "state_dir": self.state_dir}
                    with open(self._claim_path(), "w", encoding="utf-8") as handle:
                        json.dump(claim, handle)
                    return
            if time.monotonic() > deadline:
                raise LabError(
                    "subnet %d is in use by the lab in %s (owner pid %s); wait for it, "
                    "use another --subnet, or remove it with `lab.py down --state %s`"
                    % (self.subnet, holder["state_dir"], holder["pid"], holder["state_dir"])
                )
            if not told:
                print("lab.py: subnet %d is in use by the lab in %s (owner pid %s); waiting up to %.0f s"
                      % (self.subnet, holder["state_dir"], holder["pid"], wait), file=sys.stderr, flush=True)
                told = True
            time.sleep(1.0)

    def _release_subnet(self) -> None:
        with self._claims_lock():
            try:
                with open(self._claim_path(), encoding="utf-8") as handle:
                    holder = json.load(handle)
            except (OSError, ValueError):
                return
            mine = isinstance(holder, dict) and holder.get("state_dir") == self.state_dir
            if mine or self._subnet_holder() is None:
                self._unlink_path(self._claim_path())

    # ------------------------------------------------------------- teardown

    def _remove_stale(self) -> None:
        """Remove what an earlier lab in this state directory, or of this subnet, left behind."""
        if os.path.exists(self._path(STATE_FILE)):
            try:
                old = Lab.attach(self.state_dir)
                if old.subnet != self.subnet:
                    old.down(remove_state_dir=False)
                else:
                    # Its network is this subnet's, removed below; its claim is now this lab's.
                    old._close_ssh_masters()
                    old._remove_files(remove_state_dir=False)
            except (LabError, KeyError, ValueError):
                pass
        self._teardown_network()

    def _remove_host(self, host: str) -> None:
        spec = self._hosts.pop(host, None)
        if spec is None:
            return
        survivors = self._kill_namespace(spec["namespace"])
        _run(["ip", "netns", "delete", spec["namespace"]], check=False)
        _run(["ip", "link", "delete", spec["veth"]], check=False)
        for pattern in HOST_FILE_PATTERNS:
            self._unlink(pattern.format(h=host))
        if survivors:
            raise LabError("processes %s of %s did not end after SIGKILL" % (survivors, host))

    def _namespaces(self) -> list[str]:
        listed = _run(["ip", "netns", "list"], check=False).stdout.split("\n")
        mine = re.compile(r"^%s-h\d+$" % re.escape(self.name))
        names = {line.split()[0] for line in listed if line.strip()}
        return sorted(n for n in names if mine.match(n))

    @staticmethod
    def _kill_namespace(ns: str) -> list[int]:
        """End every process in ``ns``: sshd, its sessions and whatever tests started there.

        Returns the processes that outlived SIGKILL (stuck in the kernel), if any.
        """
        deadline = time.monotonic() + KILL_GRACE
        sig = signal.SIGTERM
        while True:
            proc = _run(["ip", "netns", "pids", ns], check=False)
            pids = [int(p) for p in proc.stdout.split() if p.isdigit() and int(p) != os.getpid()]
            if not pids:
                return []
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            if time.monotonic() > deadline:
                if sig == signal.SIGKILL:
                    return pids
                sig = signal.SIGKILL
                deadline = time.monotonic() + KILL_GRACE
            time.sleep(0.05)

    def _teardown_network(self) -> None:
        stuck = {}
        for ns in self._namespaces():
            survivors = self._kill_namespace(ns)
            if survivors:
                stuck[ns] = survivors
            _run(["ip", "netns", "delete", ns], check=False)
        # Deleting a namespace destroys its eth0 and so the veth pair; a veth
        # left over from a namespace that was never made is deleted here.
        links = _run(["ip", "-o", "link", "show"], check=False).stdout
        veth = re.compile(r"^pgv%dh\d+$" % self.subnet)
        for line in links.splitlines():
            parts = line.split(":")
            if len(parts) > 1:
                name = parts[1].strip().split("@")[0]
                if veth.match(name):
                    _run(["ip", "link", "delete", name], check=False)
        if _run(["ip", "link", "show", self.bridge], check=False).returncode == 0:
            _run(["ip", "link", "delete", self.bridge])
        if stuck:
            raise LabError("processes did not end after SIGKILL: %s" % stuck)

    def _close_ssh_masters(self) -> None:
        if not self.control_dir or not os.path.isdir(self.control_dir):
            return
        for entry in os.listdir(self.control_dir):
            path = os.path.join(self.control_dir, entry)
            _run(["ssh", "-F", "/dev/null", "-o", "ControlPath=%s" % path, "-O", "exit", "lab"], check=False)
            self._unlink_path(path)
        try:
            os.rmdir(self.control_dir)
        except OSError:
            pass

    @staticmethod
    def _unlink_path(path: str) -> None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    def _unlink(self, name: str) -> None:
        self._unlink_path(self._path(name))

    def down(self, remove_state_dir: bool = True) -> None:
        """Remove the lab: processes, namespaces, links, qdiscs and generated files. Idempotent."""
        self._close_ssh_masters()
        holder = self._subnet_holder()
        if holder is not None and holder["state_dir"] != self.state_dir:
            print("lab.py: subnet %d now belongs to the lab in %s; its network is left alone"
                  % (self.subnet, holder["state_dir"]), file=sys.stderr)
            self._remove_files(remove_state_dir)
            return
        try:
            self._teardown_network()
        finally:
            self._release_subnet()
            self._remove_files(remove_state_dir)

    def _remove_files(self, remove_state_dir: bool) -> None:
        hosts = set(self._hosts)
        if os.path.isdir(self.state_dir):
            configs = (re.match(r"^sshd_(h\d+)\.conf$", f) for f in os.listdir(self.state_dir))
            hosts.update(m.group(1) for m in configs if m)
        for host in hosts:
            for pattern in HOST_FILE_PATTERNS:
                self._unlink(pattern.format(h=host))
        for name in GENERATED_FILES:
            self._unlink(name)
        self._hosts = {}
        if remove_state_dir:
            try:
                os.rmdir(self.state_dir)
            except OSError:
                pass  # missing, or holds files that are not the lab's


# ------------------------------------------------------------------ command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lab.py", description="Test lab of network namespaces reached over SSH.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="build a lab of N hosts")
    up.add_argument("--hosts", type=int, required=True)
    up.add_argument("--subnet", type=int, default=DEFAULT_SUBNET, help="K of 198.18.K.0/24 (default %(default)s)")
    up.add_argument("--name", default=None, help="namespace prefix (default pglabK)")
    up.add_argument("--wait", type=float, default=SUBNET_WAIT,
                    help="seconds to wait for another live lab of the subnet (default %(default)s)")
    down = sub.add_parser("down", help="remove the lab (idempotent)")
    # Only for a lab whose lab.json is gone; otherwise lab.json names the lab.
    down.add_argument("--subnet", type=int, default=None, help="remove leftovers of the lab of subnet K")
    down.add_argument("--name", default=None, help="with --subnet: its namespace prefix")
    add = sub.add_parser("add", help="grow the lab to M hosts")
    add.add_argument("--hosts", type=int, required=True)
    netem = sub.add_parser("netem", help="random packet loss into every host")
    loss = netem.add_mutually_exclusive_group(required=True)
    loss.add_argument("--loss", type=float, help="percent of frames dropped")
    loss.add_argument("--clear", action="store_true", help="remove the packet loss")
    run = sub.add_parser("exec", help="run a command in a host's namespace")
    run.add_argument("--host", required=True)
    run.add_argument("argv", nargs=argparse.REMAINDER, help="-- CMD ARGS...")
    for each in (up, down, add, netem, run):
        each.add_argument("--state", required=True, help="state directory")
    return parser


def main(argv: t.Optional[t.Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "up":
            # The lab lives as long as the shell or program that asked for it.
            lab = Lab(args.state, hosts=args.hosts, subnet=args.subnet, name=args.name, owner=os.getppid())
            started = time.monotonic()
            lab.up(wait=args.wait)
            took = time.monotonic() - started
            print("lab %s up: %d hosts in %.1f s; inventory %s" % (lab.name, len(lab.hosts), took, lab.inventory))
        elif args.command == "down":
            if os.path.exists(os.path.join(args.state, STATE_FILE)):
                Lab.attach(args.state).down()
            elif args.subnet is not None:
                Lab(args.state, subnet=args.subnet, name=args.name).down()
        elif args.command == "add":
            added = Lab.attach(args.state).add(args.hosts)
            print("added %s" % (", ".join(added) or "no hosts"))
        elif args.command == "netem":
            Lab.attach(args.state).netem(0.0 if args.clear else args.loss)
        elif args.command == "exec":
            command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
            if not command:
                raise LabError("exec needs a command after --")
            argv = Lab.attach(args.state).ns_argv(args.host, command)
            sys.stdout.flush()
            os.execvp(argv[0], argv)
    except LabError as exc:
        print("lab.py %s: %s" % (args.command, exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
