#!/usr/bin/env bash
# The role's verify step while one peer is down: with peerage_wait_require met,
# every host stays in the play and runs the next task; with too few answering,
# every host fails (not unreachable), the message naming the peer that did not answer.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

HERE="$(pwd)"
PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
OUT="$(mktemp -d /tmp/peerage-role-verify.XXXXXX)"
LISTENER=""
cleanup() {
    [ -n "${LISTENER}" ] && kill "${LISTENER}" 2>/dev/null
    rm -rf "${OUT}"
}
trap cleanup EXIT
HOSTS=(n1 n2 n3)

# 127.0.0.1 and 127.0.0.2 listen on one free port; 127.0.0.3 (the peer "down") does not.
"${PYTHON}" - "${OUT}/port" <<'LISTEN' &
import os, socket, sys, time
servers = []
port = 0
for address in ("127.0.0.1", "127.0.0.2"):
    server = socket.socket()
    server.bind((address, port))
    server.listen(64)
    port = server.getsockname()[1]
    servers.append(server)
with open(sys.argv[1] + ".tmp", "w") as out:
    out.write("%d\n" % port)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    time.sleep(60)
LISTEN
LISTENER=$!
for _ in $(seq 50); do [ -s "${OUT}/port" ] && break; sleep 0.1; done
PORT="$(cat "${OUT}/port")"

play() {
    rm -f "${OUT}"/n*/next-task
    ansible-playbook -i "${HERE}/inventory.ini" "${HERE}/site.yml" -e "out_dir=${OUT}" -e "peerage_wait_port=${PORT}" "$@" 2>&1 |
        tee "${OUT}/play.log"
}

recap() {
    grep "^$1 *:" "${OUT}/play.log"
}

# Two of three answer and two are required: every host is ok and runs the next task.
play -e peerage_wait_require=2
for host in "${HOSTS[@]}"; do
    recap "${host}" | grep -q 'unreachable=0 *failed=0'
    [ "$(cat "${OUT}/${host}/next-task")" = "after the role" ]
done
if grep -q 'UNREACHABLE!' "${OUT}/play.log"; then exit 1; fi

# Three required: every host fails, as a failure (not unreachable), naming the silent peer.
if play -e peerage_wait_require=3; then exit 1; fi
for host in "${HOSTS[@]}"; do
    grep "^fatal: \[${host}\]: FAILED!" "${OUT}/play.log" | grep -qF \
        "2 of 3 peer(s) answered on TCP port ${PORT} within 1.0s, all of them required; unreachable: app@127.0.0.3 (connection refused)"
    recap "${host}" | grep -q 'unreachable=0 *failed=1'
    [ ! -e "${OUT}/${host}/next-task" ]
done
if grep -q 'UNREACHABLE!' "${OUT}/play.log"; then exit 1; fi
