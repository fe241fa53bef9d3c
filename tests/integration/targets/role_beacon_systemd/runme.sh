#!/usr/bin/env bash
# The role's beacon service under a real systemd (PID 1 of a Debian container
# booted with systemd-nspawn, private network): on a new host, --check passes
# and says the service would be installed and started, and leaves no unit; a
# state directory the unit cannot see (PrivateTmp: /tmp) is refused, naming the
# option, before any unit is written; one that only the play's beacon (user
# nobody) may reach, not the service's own user, fails the health gate instead
# of the play reporting success; with the default
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
grep -qF 'check mode: /etc/systemd/system/peerage-beacon.service would be written, then peerage-beacon.service enabled and (re)started' \
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
if play -e peerage_udp_state_dir=/srv/restricted/beacon; then exit 1; fi
grep '^fatal: \[host1\]: FAILED!' "${WORK}/play.log" | grep -qF \
    "peerage: the beacon service peerage-beacon.service did not answer a probe as app@127.0.0.1"
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
