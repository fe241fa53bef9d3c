#!/usr/bin/env bash
# The role's beacon service under a real systemd (PID 1 of a Debian container
# booted with systemd-nspawn, private network): on a new host, --check passes
# and says the service would be installed and started, and leaves no unit; a
# state directory the unit cannot see (PrivateTmp: /tmp) is refused, naming the
# option, before any unit is written; one that only the play's beacon (user
# nobody) may reach, not the service's own user, fails the health gate instead
# of the play reporting success, and its start stays pending; with the default
# the service runs, answers probes, and a rerun changes nothing.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

HERE="$(pwd)"
PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
COLLECTIONS="${ANSIBLE_COLLECTIONS_PATH%%:*}"
CONTAINER="${HERE}/files/debian_container.sh"
WORK="$(mktemp -d /tmp/peerage-beacon-systemd.XXXXXX)"
PID1=""
cleanup() {
    local status=$?
    set +e
    [ -n "${PID1}" ] && "${CONTAINER}" stop "${PID1}"
    rm -rf "${WORK}"
    exit "${status}"
}
trap cleanup EXIT

# The controller runs inside the container: this test's Python and ansible-core, and the
# collection, shown read-only at the same paths.
# First line: the interpreter to run there (in its venv, through no link the container lacks).
mapfile -t SHOWN < <("${PYTHON}" - "${COLLECTIONS}" "${HERE}" <<'PATHS'
import os, sys
import ansible
prefix = os.path.realpath(sys.prefix)
in_venv = prefix != os.path.realpath(sys.base_prefix)
print(os.path.join(prefix, "bin", "python") if in_venv else os.path.realpath(sys.executable))
paths = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, os.path.dirname(ansible.__file__), *sys.argv[1:])}
# The container has its own /usr; a Python elsewhere (pyenv, a venv) is shown as it is.
for path in sorted(paths):
    if not path.startswith("/usr"):
        print(path)
PATHS
)
CONTROLLER_PYTHON="${SHOWN[0]}"
SHOWN=("${SHOWN[@]:1}")
PID1="$("${CONTAINER}" boot "${WORK}/root" "${SHOWN[@]}")"

inside() {
    "${CONTAINER}" run "${PID1}" "$@"
}
# Multicast on the container's loopback, its only interface.
inside ip link set lo multicast on
inside ip route add 239.0.0.0/8 dev lo
printf '[debian]\nhost1 ansible_connection=local ansible_host=127.0.0.1 ansible_python_interpreter=/usr/bin/python3\n' \
    >"${WORK}/root/root/inventory.ini"

play() {
    inside env "ANSIBLE_COLLECTIONS_PATH=${COLLECTIONS}" ANSIBLE_DEPRECATION_WARNINGS=true ANSIBLE_NOCOLOR=1 \
        HOME=/root "${CONTROLLER_PYTHON}" -m ansible.cli.playbook -i /root/inventory.ini "${HERE}/site.yml" "$@" 2>&1 |
        tee "${WORK}/play.log"
}

recap() {
    grep '^host1 *:' "${WORK}/play.log"
}

unit_exists() {
    inside test -e /etc/systemd/system/peerage-beacon.service
}

# --- --check on a new host: passes, says what it would do, installs nothing --
play --check
recap | grep -q 'failed=0'
grep -qF 'check mode: /etc/systemd/system/peerage-beacon.service would be written, then peerage-beacon.service enabled and started' \
    "${WORK}/play.log"
if unit_exists; then exit 1; fi
[ "$(inside systemctl show -P LoadState peerage-beacon.service)" = not-found ]

# --- a state directory under /tmp: refused, naming the option, no unit ------
if play -e peerage_udp_state_dir=/tmp/pb; then exit 1; fi
grep '^fatal: \[host1\]: FAILED!' "${WORK}/play.log" | grep -qF \
    "peerage: peerage_udp_state_dir=/tmp/pb (/tmp/pb on this host) is under /tmp, which the beacon service does not see: its unit's PrivateTmp=yes gives it a private, empty /tmp, so it could not find its program."
if unit_exists; then exit 1; fi
inside test ! -e /srv/app/peers.txt

# --- a state directory the service's user cannot reach: the health gate fails
# Group nogroup may enter /srv/restricted: the play's beacon (nobody) reaches it, the service does not.
inside install -d -m 0750 -o root -g nogroup /srv/restricted
if play -e peerage_udp_state_dir=/srv/restricted/beacon -e peerage_restart_timeout=5; then exit 1; fi
grep '^fatal: \[host1\]: FAILED!' "${WORK}/play.log" | grep -qF \
    "peerage: peerage-beacon.service on host1: started, but did not come back: no beacon answered a probe as app@127.0.0.1 within 5s"
# Its start stays pending: the next run starts it.
[ "$(inside cat /var/lib/peerage/peerage-beacon.pending)" = start ]
inside test ! -e /srv/app/peers.txt
inside systemctl disable --now peerage-beacon.service
inside rm -f /etc/systemd/system/peerage-beacon.service
inside systemctl daemon-reload
inside systemctl reset-failed

# --- the default state directory: the service runs and answers -------------
play
recap | grep -q 'failed=0'
[ "$(inside systemctl is-active peerage-beacon.service)" = active ]
[ "$(inside systemctl show -P NRestarts peerage-beacon.service)" = 0 ]
inside grep -qx app@127.0.0.1 /srv/app/peers.txt
# It runs as a user of its own, not root.
[ "$(inside ps -o user= -p "$(inside systemctl show -P MainPID peerage-beacon.service)")" != root ]
# With the play's own beacon gone, the service alone answers a probe.
inside env "ANSIBLE_COLLECTIONS_PATH=${COLLECTIONS}" HOME=/root "${CONTROLLER_PYTHON}" -m ansible.cli.adhoc -i /root/inventory.ini host1 \
    -m peerage.peerage.udp_probe -a 'app_name=app interface=lo address=127.0.0.1 secret=systemd-test-secret expect=1 timeout=5' \
    | tee "${WORK}/probe.log"
grep -q '"app@127.0.0.1"' "${WORK}/probe.log"

# A rerun changes nothing.
play
recap | grep -q 'changed=0 .*failed=0'

# --- the beacon services' restart rules, on three beacons side by side ------
# Each host's beacon state directory is in its unit's command line: moving it changes the unit and
# nothing the running beacon reads, so a restart seen here is the role's.
cat >"${WORK}/root/root/beacons.ini" <<'INVENTORY'
[beacons]
b1 ansible_host=127.0.0.11
b2 ansible_host=127.0.0.12
b3 ansible_host=127.0.0.13
[beacons:vars]
ansible_connection=local
ansible_python_interpreter=/usr/bin/python3
peerage_udp_service_name=pb-{{ inventory_hostname }}
peerage_udp_state_dir={{ lookup('vars', inventory_hostname ~ '_dir', default='/var/lib/pb-' ~ inventory_hostname ~ '-' ~ gen) }}
INVENTORY
rollout() {
    inside env "ANSIBLE_COLLECTIONS_PATH=${COLLECTIONS}" ANSIBLE_DEPRECATION_WARNINGS=true ANSIBLE_NOCOLOR=1 \
        HOME=/root "${CONTROLLER_PYTHON}" -m ansible.cli.playbook -i /root/beacons.ini -f 10 "${HERE}/rollout.yml" "$@" 2>&1 |
        tee "${WORK}/play.log"
}
show() {  # show PROPERTY HOST
    inside systemctl show -P "$1" "pb-$2.service"
}
pids() {
    for b in b1 b2 b3; do show MainPID "${b}"; done
}
starts() {  # how often each beacon service was started, from systemd's journal
    for b in b1 b2 b3; do inside journalctl -q -o cat -u "pb-${b}.service" | grep -c '^Started ' || true; done
}
marker() {
    inside cat "/var/lib/peerage/pb-$1.pending"
}
no_marker() {
    inside test ! -e "/var/lib/peerage/pb-$1.pending"
}
SECONDS=0

# New units: started (new_hosts), each behind the gate; no marker left.
rollout -e gen=a
grep -qE '^b1 +:.*failed=0' "${WORK}/play.log"
for b in b1 b2 b3; do [ "$(show ActiveState "${b}")" = active ]; no_marker "${b}"; done
grep -qF 'peerage beacon: started: b1, b2, b3' "${WORK}/play.log"

# new_hosts, a changed unit: reloaded, not restarted (same MainPID), no marker, reported.
before="$(pids)"
rollout -e gen=b
[ "$(pids)" = "${before}" ]
for b in b1 b2 b3; do
    [ "$(show NeedDaemonReload "${b}")" = no ]
    show ExecStart "${b}" | grep -qF "/var/lib/pb-${b}-b/"
    no_marker "${b}"
done
grep -qF 'peerage beacon: unit updated, takes effect at next start: b1, b2, b3' "${WORK}/play.log"

# never: the unit changes, nothing restarts, a marker an earlier run left stays (the next run acts on it).
inside sh -c 'echo restart >/var/lib/peerage/pb-b3.pending'
rollout -e peerage_restart=never -e gen=c
[ "$(pids)" = "${before}" ]
[ "$(marker b3)" = restart ]
no_marker b1
# The changed units are known to systemd (reloaded), not running.
[ "$(show NeedDaemonReload b1)" = no ]
show ExecStart b1 | grep -qF /var/lib/pb-b1-c/

# rolling, all three units changed: each restarted exactly once, in play order, each stopped only
# after the one before was active again (never two down at once), each behind the gate.
counted="$(starts)"
rollout -e peerage_restart=rolling -e gen=d
[ "$(paste -d' ' <(echo "${counted}") <(starts) | awk '{ print $2 - $1 }' | tr '\n' ' ')" = "1 1 1 " ]
[ "$(show InactiveEnterTimestampMonotonic b2)" -gt "$(show ActiveEnterTimestampMonotonic b1)" ]
[ "$(show InactiveEnterTimestampMonotonic b3)" -gt "$(show ActiveEnterTimestampMonotonic b2)" ]
for b in b1 b2 b3; do no_marker "${b}"; done
grep -qF 'peerage beacon: restarted: b1, b2, b3' "${WORK}/play.log"

# rolling, b2 does not come back (a state directory its service's user cannot reach): the rollout stops
# there; b3 keeps its beacon and its marker.
inside install -d -m 0750 -o root -g nogroup /srv/restricted
before="$(pids)"
if rollout -e peerage_restart=rolling -e peerage_restart_timeout=4 -e gen=e -e b2_dir=/srv/restricted/pb-b2; then exit 1; fi
grep '^fatal: \[b2\]: FAILED!' "${WORK}/play.log" | grep -qF 'peerage: pb-b2.service on b2: restarted, but did not come back: no beacon answered a probe as app@127.0.0.12'
grep -qF 'the rollout stops here' "${WORK}/play.log"
[ "$(pids | sed -n 3p)" = "$(echo "${before}" | sed -n 3p)" ]
[ "$(pids | sed -n 1p)" != "$(echo "${before}" | sed -n 1p)" ]
no_marker b1
[ "$(marker b2)" = restart ]
[ "$(marker b3)" = restart ]
grep -qF 'peerage beacon: restarted: b1; still pending (next run): b3 (restart)' "${WORK}/play.log"

# The fault fixed: the next run restarts exactly b2 and b3, the ones left pending, though b3's unit
# does not change in this run.
before="$(pids)"
counted="$(starts)"
rollout -e peerage_restart=rolling -e gen=e
# b2's own service went on failing and restarting meanwhile (Restart=on-failure): its count says nothing.
[ "$(paste -d' ' <(echo "${counted}") <(starts) | awk '{ print $2 - $1 }' | sed -n '1p;3p' | tr '\n' ' ')" = "0 1 " ]
grep -qF 'peerage beacon: restarted: b2, b3' "${WORK}/play.log"
[ "$(pids | sed -n 1p)" = "$(echo "${before}" | sed -n 1p)" ]
for b in b1 b2 b3; do no_marker "${b}"; [ "$(show ActiveState "${b}")" = active ]; done
echo "beacon restart cases: ${SECONDS}s"
