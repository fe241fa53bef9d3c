#!/usr/bin/env bash
# Proves the multi-host lab: 4 namespaces reached by Ansible over SSH, multicast
# between them, packet loss, a host joining later, and nothing left afterwards.
set -eux
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
LAB_FILES="$(cd ../setup_lab/files && pwd)"
STATE="$(mktemp -d /tmp/peerage-lab-smoke.XXXXXX)"
SUBNET=77

lab() {
    "${PYTHON}" "${LAB_FILES}/lab.py" "$@"
}

# Whatever happens, the lab goes away.
trap 'lab down --state "${STATE}"; rm -rf "${STATE}"' EXIT

lab up --state "${STATE}" --hosts 4 --subnet "${SUBNET}"
SSHD_PIDS="$("${PYTHON}" -c 'import json, sys; print(" ".join(str(h["sshd_pid"]) for h in json.load(open(sys.argv[1]))["hosts"].values()))' "${STATE}/lab.json")"

ansible-playbook -i "${STATE}/inventory.ini" --forks 2 smoke.yml -e "lab_files=${LAB_FILES}" "$@"

# Packet loss and the module interface (no SSH: loss would slow it down).
"${PYTHON}" lab_api_check.py "${LAB_FILES}" "${STATE}"

# A fifth host joins; it is reachable and multicast from it reaches the others.
lab add --state "${STATE}" --hosts 5
grep -q '^h5 ansible_host=198.18.77.15 ' "${STATE}/inventory.ini"
ansible-playbook -i "${STATE}/inventory.ini" --forks 2 smoke.yml -e "lab_files=${LAB_FILES}" -e mcast_sender=h5 "$@"

lab down --state "${STATE}"

# Nothing of the lab is left: namespaces, links, sshd processes, state files.
if ip netns list | grep "^pglab${SUBNET}-"; then
    echo "lab namespaces left behind" >&2
    exit 1
fi
if ip -o link show | grep -E ": (pgbr${SUBNET}|pgv${SUBNET}h[0-9]+)[:@]"; then
    echo "lab links left behind" >&2
    exit 1
fi
for pid in ${SSHD_PIDS}; do
    # A killed sshd may linger as a zombie until init reaps it; it no longer runs.
    if [ "$(cat "/proc/${pid}/comm" 2>/dev/null)" = sshd ] && ! grep -q '^State:[[:space:]]*Z' "/proc/${pid}/status" 2>/dev/null; then
        echo "sshd ${pid} of the lab still runs" >&2
        exit 1
    fi
done
if [ -e "/run/peerage-lab/subnet-${SUBNET}.json" ]; then
    echo "claim on subnet ${SUBNET} left behind" >&2
    exit 1
fi
if [ -e "${STATE}" ]; then
    echo "state directory left behind: $(ls -A "${STATE}")" >&2
    exit 1
fi
