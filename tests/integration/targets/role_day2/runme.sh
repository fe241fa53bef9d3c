#!/usr/bin/env bash
# A running cluster changed by the peerage role, on a 4-host lab over SSH:
# a real Erlang node per host behind an init script (/etc/init.d/day2app-hN,
# distribution on port 4370, a second to start), started and restarted by
# the role's restart step, and a poller that records every 50 ms whether each
# node answers and its OS pid. Cases: bootstrap, grow (nobody restarts),
# shrink with a rolling restart (one host down at a time), a host that does
# not come back (the rollout stops; the next run restarts exactly the hosts
# left pending), never, a new host whose start failed (started by the next
# run), all, --check, --limit (hosts outside it untouched), serial: 2 with a
# rolling restart (one host down at a time; a host that does not come back
# in the first batch leaves the later batches pending), a host whose sshd
# goes away during the run (unreachable; the next run restarts what was
# due), and two role calls with two services.
#
# DAY2_CASES="case ..." runs only those cases (each sets up what it needs).
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
LAB_FILES="$(cd ../setup_lab/files && pwd)"
HERE="$(pwd)"
# A subnet of its own, so this lab never meets another target's.
SUBNET=85
HOSTS=(h1 h2 h3 h4)
# The hosts of the two-services case.
TWO_HOSTS=(h1 h2)
PORT=4370
PORT2=4371
COOKIE="peerage-day2-${RANDOM}"
WORK="$(mktemp -d /tmp/peerage-day2.XXXXXX)"
STATE="${WORK}/lab"
POLL_LOG="${WORK}/poll.log"
POLLER=""
address() { echo "198.18.${SUBNET}.$((10 + ${1#h}))"; }
CASES=${DAY2_CASES:-"bootstrap grow shrink_rolling rollout_stops next_run never new_host_fails all check limit
    serial_rolling serial_stops unreachable two_calls"}

lab() {
    "${PYTHON}" "${LAB_FILES}/lab.py" "$@"
}

service_tool() {
    "${PYTHON}" "${LAB_FILES}/node_service.py" "$@"
}

cleanup() {
    local status=$?
    set +e
    [ -n "${POLLER}" ] && kill "${POLLER}" && wait "${POLLER}"
    for host in "${HOSTS[@]}"; do
        service_tool remove --name "day2app-${host}" --dir "${WORK}/app/${host}"
        service_tool remove --name "day2two-${host}" --dir "${WORK}/two/${host}"
    done
    lab down --state "${STATE}"
    rm -rf "${WORK}"
    exit "${status}"
}
trap cleanup EXIT

lab up --state "${STATE}" --hosts "${#HOSTS[@]}" --subnet "${SUBNET}"

poll_args=()
for host in "${HOSTS[@]}"; do
    mkdir -p "${WORK}/app/${host}" "${WORK}/two/${host}"
    service_tool install --name "day2app-${host}" --node "app@$(address "${host}")" --dir "${WORK}/app/${host}" \
        --port "${PORT}" --cookie "${COOKIE}"
    poll_args+=(--host "${host}=$(address "${host}"):${PORT}:${WORK}/app/${host}/node.pid")
done
for host in "${TWO_HOSTS[@]}"; do
    service_tool install --name "day2two-${host}" --node "two@$(address "${host}")" --dir "${WORK}/two/${host}" \
        --port "${PORT2}" --cookie "${COOKIE}"
    poll_args+=(--host "t${host#h}=$(address "${host}"):${PORT2}:${WORK}/two/${host}/node.pid")
done
# From the root namespace, over the lab's bridge.
"${PYTHON}" "${LAB_FILES}/node_poller.py" poll --log "${POLL_LOG}" "${poll_args[@]}" &
POLLER=$!

# play HOSTS MEMBERS [ARGS...]: the role on HOSTS, with the peer list of MEMBERS.
play() {
    local hosts=$1 members=$2
    shift 2
    ansible-playbook -i "${STATE}/inventory.ini" -f 10 "${HERE}/site.yml" -e "day2_dir=${WORK}" \
        -e "day2_port=${PORT}" -e "day2_hosts=${hosts}" -e "day2_members=${members}" "$@" 2>&1 |
        tee "${WORK}/play.log"
}

mark() {
    echo "# mark $1" >>"${POLL_LOG}"
}

# judge MARK [CHECKS...]: the poller's record since MARK (up to the next mark "MARK-end").
judge() {
    local since=$1
    shift
    "${PYTHON}" "${LAB_FILES}/node_poller.py" check --log "${POLL_LOG}" --since "${since}" --until "${since}-end" "$@"
}

# wait_up MARK HOST...: until each HOST answers (at most 10 s), for a start without a health gate.
wait_up() {
    local since=$1 hosts
    shift
    hosts="$(echo "$@" | tr ' ' ,)"
    for _ in $(seq 50); do
        "${PYTHON}" "${LAB_FILES}/node_poller.py" check --log "${POLL_LOG}" --since "${since}" --up "${hosts}" \
            >/dev/null && return 0
        sleep 0.2
    done
    return 0
}

# mesh HOST...: every node sees all the others (nodes() from a hidden node on the first host).
mesh() {
    local first=$1 nodes=() host
    for host in "$@"; do nodes+=("app@$(address "${host}")"); done
    (cd "${WORK}/app/${first}" && lab exec --state "${STATE}" --host "${first}" -- env HOME="${WORK}/app/${first}" \
        escript "${LAB_FILES}/cluster_check.escript" "probe@$(address "${first}")" "${COOKIE}" 20000 "${nodes[@]}")
}

# The sum of changed= over the PLAY RECAP lines of the last run.
changed_count() {
    sed -n '/^PLAY RECAP/,$p' "${WORK}/play.log" | grep -o 'changed=[0-9]*' | cut -d= -f2 | awk '{ sum += $1 } END { print sum + 0 }'
}

marker() {
    echo "${WORK}/app/$1/state/day2app-$1.pending"
}

stop_node() {
    lab exec --state "${STATE}" --host "$1" -- "/etc/init.d/day2app-$1" stop
}

# files_of HOST...: the checksums of the hosts' peer files.
files_of() {
    local host
    for host in "$@"; do (cd "${WORK}/app" && sha256sum "${host}/sys.config" "${host}/.hosts.erlang"); done
}

# sshd_down HOST: the host's sshd and every session it serves end, as when the host drops off the network.
sshd_down() {
    local pids todo pid
    pids="$(cat "${STATE}/sshd_$1.pid")"
    todo="${pids}"
    while [ -n "${todo}" ]; do
        # ps exits 1 when a process has no children.
        todo="$(for pid in ${todo}; do ps -o pid= --ppid "${pid}" || true; done)"
        pids="${pids} ${todo}"
    done
    # shellcheck disable=SC2086
    kill ${pids} 2>/dev/null || true
}

sshd_up() {
    lab exec --state "${STATE}" --host "$1" -- /usr/sbin/sshd -f "${STATE}/sshd_$1.conf" -E "${STATE}/sshd_$1.log"
}

# when_down MARK HOST ACTION...: once the poller saw HOST down after MARK (at most 60 s), run ACTION.
when_down() {
    local since=$1 host=$2
    shift 2
    # Quiet while it polls: it runs beside the play, whose output is the record.
    { set +x; } 2>/dev/null
    for _ in $(seq 600); do
        if sed -n "/^# mark ${since}\$/,\$p" "${POLL_LOG}" | grep -q " ${host}=0:"; then
            set -x
            "$@"
            return 0
        fi
        sleep 0.1
    done
    echo "when_down: ${host} never went down after mark ${since}" >&2
    return 1
}

checksums() {
    (cd "${WORK}" && find app two -name sys.config -print0 | sort -z | xargs -0 -r sha256sum)
}

case_bootstrap() {
    mark bootstrap
    play h1,h2,h3 h1,h2,h3
    mark bootstrap-end
    judge bootstrap --up h1,h2,h3
    mesh h1 h2 h3
    for host in h1 h2 h3; do [ ! -e "$(marker "${host}")" ]; done
    # A second run changes nothing and has no restart task on any host.
    mark rerun
    play h1,h2,h3 h1,h2,h3
    mark rerun-end
    [ "$(changed_count)" -eq 0 ]
    grep -A2 'Start or restart the service where it is pending' "${WORK}/play.log" | grep -q 'skipping: \[h1\]'
    if grep -q 'Start or restart behind a health gate: day2app' "${WORK}/play.log"; then exit 1; fi
    judge rerun --kept h1,h2,h3
}

case_grow() {
    # The default, new_hosts: the new host starts, the members keep running.
    mark grow
    play h1,h2,h3,h4 h1,h2,h3,h4
    mark grow-end
    judge grow --kept h1,h2,h3 --up h4
    mesh h1 h2 h3 h4
    for host in "${HOSTS[@]}"; do [ ! -e "$(marker "${host}")" ]; done
}

case_shrink_rolling() {
    # h4 leaves: its node stops, the others restart one at a time (forks 10).
    stop_node h4
    mark shrink
    play h1,h2,h3 h1,h2,h3 -e peerage_restart=rolling
    mark shrink-end
    judge shrink --restarts h1=1,h2=1,h3=1 --hosts h1,h2,h3 --max-down 1 --order h1,h2,h3 --up h1,h2,h3
    mesh h1 h2 h3
}

case_rollout_stops() {
    # h4 comes back into the list (its node stays stopped: its own file did
    # not change); h2 does not come back from its restart.
    touch "${WORK}/app/h2/fault"
    mark stops
    if play h1,h2,h3,h4 h1,h2,h3,h4 -e peerage_restart=rolling -e day2_restart_timeout=4; then exit 1; fi
    mark stops-end
    grep -qF "peerage: day2app-h2 on h2: restarted, but did not come back: $(address h2) did not answer on TCP port ${PORT} within 4s (waited" "${WORK}/play.log"
    grep -qF "the rollout stops here: no later host is restarted" "${WORK}/play.log"
    # h3 is ok, not restarted, and reported as left pending.
    grep -qF "restarted: h1; still pending (next run): h3 (restart)" "${WORK}/play.log"
    judge stops --restarts h1=1 --kept h3 --down h4
    [ ! -e "$(marker h1)" ] && [ ! -e "$(marker h4)" ]
    for host in h2 h3; do grep -qx restart "$(marker "${host}")"; done
}

case_next_run() {
    # The fault fixed, the next run restarts exactly the hosts left pending,
    # though no file changes any more.
    rm -f "${WORK}/app/h2/fault"
    mark next
    play h1,h2,h3,h4 h1,h2,h3,h4 -e peerage_restart=rolling
    mark next-end
    [ "$(changed_count)" -gt 0 ]
    judge next --kept h1 --restarts h3=1 --hosts h1,h2,h3 --max-down 1 --up h2,h3 --down h4
    mesh h1 h2 h3
    for host in "${HOSTS[@]}"; do [ ! -e "$(marker "${host}")" ]; done
}

case_never() {
    stop_node h4
    before="$(checksums)"
    mark never
    play h1,h2,h3 h1,h2,h3 -e peerage_restart=never
    mark never-end
    judge never --kept h1,h2,h3
    [ "$(checksums)" != "${before}" ]
    for host in h1 h2 h3; do [ ! -e "$(marker "${host}")" ]; done
}

case_new_host_fails() {
    # h4 as a new host (nothing of it left) whose first start fails.
    stop_node h4
    rm -rf "${WORK}/app/h4"
    mkdir -p "${WORK}/app/h4"
    touch "${WORK}/app/h4/fault"
    mark newfail
    if play h1,h2,h3,h4 h1,h2,h3,h4 -e day2_restart_timeout=3; then exit 1; fi
    mark newfail-end
    grep -qF "peerage: day2app-h4 on h4: started, but did not come back" "${WORK}/play.log"
    judge newfail --kept h1,h2,h3 --down h4
    grep -qx start "$(marker h4)"
    # The next run starts it, though its files no longer change.
    rm -f "${WORK}/app/h4/fault"
    mark newnext
    play h1,h2,h3,h4 h1,h2,h3,h4
    mark newnext-end
    judge newnext --kept h1,h2,h3 --up h4
    [ ! -e "$(marker h4)" ]
    mesh h1 h2 h3 h4
}

case_all() {
    stop_node h4
    mark all
    play h1,h2,h3 h1,h2,h3 -e peerage_restart=all
    mark all-end
    # At once: at some moment all three were down together.
    judge all --restarts h1=1,h2=1,h3=1 --hosts h1,h2,h3 --all-down-once --up h1,h2,h3
    mesh h1 h2 h3
}

case_check() {
    before="$(checksums)"
    mark check
    play h1,h2,h3,h4 h1,h2,h3,h4 -e peerage_restart=rolling --check
    mark check-end
    [ "$(changed_count)" -gt 0 ]
    [ "$(checksums)" = "${before}" ]
    judge check --kept h1,h2,h3 --down h4
    for host in "${HOSTS[@]}"; do [ ! -e "$(marker "${host}")" ]; done
}

case_limit() {
    # h4 joins again as a new host, with --limit h3,h4 and rolling: h3's file
    # changes and it restarts, h4 starts; h1 and h2, whose files would change
    # too, are outside the limit: file, marker and pid untouched.
    stop_node h4
    rm -rf "${WORK}/app/h4"
    mkdir -p "${WORK}/app/h4"
    outside="$(files_of h1 h2)"
    mark limit
    play h1,h2,h3,h4 h1,h2,h3,h4 -e peerage_restart=rolling --limit h3,h4
    mark limit-end
    [ "$(files_of h1 h2)" = "${outside}" ]
    grep -qF "joined: app@$(address h4); started: h4; restarted: h3" "${WORK}/play.log"
    judge limit --kept h1,h2 --restarts h3=1 --hosts h1,h2,h3 --max-down 1 --up h3,h4
    for host in "${HOSTS[@]}"; do [ ! -e "$(marker "${host}")" ]; done
    # From h4: h1's .hosts.erlang, outside the limit, does not name h4 yet.
    mesh h4 h1 h2 h3
}

case_serial_rolling() {
    # Every file changes; serial: 2 runs two batches, each rolling: each host
    # restarts once, in order, never two down at the same moment.
    mark serial
    play h1,h2,h3,h4 h1,h2,h3,h4 -e peerage_restart=rolling -e day2_serial=2 -e day2_sync_timeout=2100
    mark serial-end
    judge serial --restarts h1=1,h2=1,h3=1,h4=1 --hosts h1,h2,h3,h4 --max-down 1 --order h1,h2,h3,h4 \
        --up h1,h2,h3,h4
    for host in "${HOSTS[@]}"; do [ ! -e "$(marker "${host}")" ]; done
    mesh h1 h2 h3 h4
}

case_serial_stops() {
    # h2, in the first batch, does not come back: the second batch restarts
    # nobody and its hosts stay pending.
    touch "${WORK}/app/h2/fault"
    mark serialstop
    if play h1,h2,h3,h4 h1,h2,h3,h4 -e peerage_restart=rolling -e day2_serial=2 -e day2_sync_timeout=2200 \
        -e day2_restart_timeout=4; then exit 1; fi
    mark serialstop-end
    grep -qF "peerage: day2app-h2 on h2: restarted, but did not come back" "${WORK}/play.log"
    grep -qF "the rollout stops here: no later host is restarted" "${WORK}/play.log"
    grep -qF "peerage (day2app-h1): restarted: h1" "${WORK}/play.log"
    grep -qF "still pending (next run): h3 (restart), h4 (restart)" "${WORK}/play.log"
    judge serialstop --restarts h1=1 --kept h3,h4
    [ ! -e "$(marker h1)" ]
    for host in h2 h3 h4; do grep -qx restart "$(marker "${host}")"; done
    # The fault fixed, the next run restarts exactly h2, h3 and h4, one at a time.
    rm -f "${WORK}/app/h2/fault"
    mark serialnext
    play h1,h2,h3,h4 h1,h2,h3,h4 -e peerage_restart=rolling -e day2_serial=2 -e day2_sync_timeout=2200
    mark serialnext-end
    judge serialnext --kept h1 --restarts h3=1,h4=1 --hosts h1,h2,h3,h4 --max-down 1 --order h2,h3,h4 \
        --up h1,h2,h3,h4
    for host in "${HOSTS[@]}"; do [ ! -e "$(marker "${host}")" ]; done
    mesh h1 h2 h3 h4
}

case_unreachable() {
    # Every file changes (rolling); h3's sshd goes away while h1 restarts,
    # after every file and marker was written: h3 is unreachable at its turn
    # and the rollout stops there, its node still running; h4 stays pending.
    mark unreach
    when_down unreach h1 sshd_down h3 &
    watcher=$!
    if play h1,h2,h3,h4 h1,h2,h3,h4 -e peerage_restart=rolling -e day2_sync_timeout=2300; then exit 1; fi
    wait "${watcher}"
    mark unreach-end
    grep -qE "fatal: \[h3\]: UNREACHABLE! .*its restart stays pending; the rollout stops here" "${WORK}/play.log"
    grep -qF "restarted: h1, h2; still pending (next run): h4 (restart)" "${WORK}/play.log"
    judge unreach --restarts h1=1,h2=1 --kept h3,h4 --hosts h1,h2,h3,h4 --max-down 1 --order h1,h2
    for host in h3 h4; do grep -qx restart "$(marker "${host}")"; done
    # h3 back: the next run restarts exactly h3 and h4, though no file changes any more.
    sshd_up h3
    mark unreachnext
    play h1,h2,h3,h4 h1,h2,h3,h4 -e peerage_restart=rolling -e day2_sync_timeout=2300
    mark unreachnext-end
    grep -qF "restarted: h3, h4" "${WORK}/play.log"
    judge unreachnext --kept h1,h2 --restarts h3=1,h4=1 --hosts h1,h2,h3,h4 --max-down 1 --order h3,h4 \
        --up h1,h2,h3,h4
    for host in "${HOSTS[@]}"; do [ ! -e "$(marker "${host}")" ]; done
    mesh h1 h2 h3 h4
}

two_play() {
    local playbook=$1
    shift
    ansible-playbook -i "${STATE}/inventory.ini" -f 10 "${HERE}/${playbook}" -e "day2_dir=${WORK}" \
        -e "day2_port=${PORT}" -e "day2_port2=${PORT2}" -e "day2_hosts=h1,h2" "$@" 2>&1 | tee "${WORK}/play.log"
}

case_two_calls() {
    # Fresh nodes for both services on h1 and h2.
    for host in "${HOSTS[@]}"; do stop_node "${host}"; done
    rm -rf "${WORK}/app/h1" "${WORK}/app/h2"
    mkdir -p "${WORK}/app/h1" "${WORK}/app/h2"
    mark two
    two_play two_calls.yml -e day2_app_timeout=2000 -e day2_two_timeout=2000
    wait_up two h1 h2 t1 t2
    mark two-end
    judge two --up h1,h2,t1,t2
    # Only the first call's file changes: only its service restarts.
    mark two-app
    two_play two_calls.yml -e day2_app_timeout=2500 -e day2_two_timeout=2000
    mark two-app-end
    judge two-app --restarts h1=1,h2=1 --kept t1,t2 --hosts h1,h2 --max-down 1
    # The same with include_role in a loop, the second service's file changing.
    mark two-loop
    two_play two_calls_loop.yml -e day2_app_timeout=2500 -e day2_two_timeout=2500
    mark two-loop-end
    judge two-loop --restarts t1=1,t2=1 --kept h1,h2 --hosts t1,t2 --max-down 1
}

for case in ${CASES}; do
    "case_${case}"
done
