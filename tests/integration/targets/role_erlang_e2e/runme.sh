#!/usr/bin/env bash
# End to end: the peerage role, run over SSH on a 4-host lab, writes every
# host's Erlang peer files through the dns, list and udp providers; real
# Erlang nodes started from those files in the hosts' namespaces connect to
# each other. Then: a rerun changes nothing, a guard failure or a failed
# discovery leaves every file byte for byte as it was, --check writes
# nothing, and wait_for_peers sees the nodes' EPMD come and go.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
LAB_FILES="$(cd ../setup_lab/files && pwd)"
DNS_FILES="$(cd ../setup_dns/files && pwd)"
HERE="$(pwd)"
# A subnet of its own, so this lab never meets another target's.
SUBNET=83
HOSTS=(h1 h2 h3 h4)
COOKIE="peerage-e2e-${RANDOM}"
WORK="$(mktemp -d /tmp/peerage-e2e.XXXXXX)"
# The play's UDP beacons run as nobody: they must reach their program under WORK (not list it).
chmod 0711 "${WORK}"
STATE="${WORK}/lab"
NODES="${WORK}/nodes"
BRIDGE="198.18.${SUBNET}.1"
address() { echo "198.18.${SUBNET}.$((10 + ${1#h}))"; }
ALL_NODES="$(for host in "${HOSTS[@]}"; do echo "app@$(address "${host}")"; done | paste -sd, | sed 's/,/, /g')"

lab() {
    "${PYTHON}" "${LAB_FILES}/lab.py" "$@"
}

dns_server() {
    "${PYTHON}" "${DNS_FILES}/dns_server.py" "$@"
}

# Ends the Erlang processes in the lab's namespaces, by pid.
stop_erlang() {
    local host pid
    for host in "${HOSTS[@]}"; do
        for pid in $(ip netns pids "pglab${SUBNET}-${host}" 2>/dev/null); do
            case "$(cat "/proc/${pid}/comm" 2>/dev/null)" in
                beam.smp | epmd | erl_child_setup | inet_gethost) kill "${pid}" 2>/dev/null || true ;;
            esac
        done
    done
    # Until they are gone, EPMD still answers on 4369.
    for _ in $(seq 50); do
        left=""
        for host in "${HOSTS[@]}"; do
            for pid in $(ip netns pids "pglab${SUBNET}-${host}" 2>/dev/null); do
                case "$(cat "/proc/${pid}/comm" 2>/dev/null)" in
                    beam.smp | epmd) left="${left} ${pid}" ;;
                esac
            done
        done
        [ -z "${left}" ] && return 0
        sleep 0.1
    done
    echo "Erlang processes did not end:${left}" >&2
    return 1
}

cleanup() {
    local status=$?
    set +e
    stop_erlang
    dns_server stop --state "${WORK}/dns"
    lab down --state "${STATE}"
    rm -rf "${WORK}"
    exit "${status}"
}
trap cleanup EXIT

lab up --state "${STATE}" --hosts "${#HOSTS[@]}" --subnet "${SUBNET}"

# The lab's nameserver listens on the bridge, where every host reaches it.
# app.e2e.peerage.test holds the four hosts, three.e2e.peerage.test three.
mkdir -p "${WORK}/dns"
{
    echo "\$ORIGIN e2e.peerage.test."
    echo "\$TTL 60"
    for host in "${HOSTS[@]}"; do echo "app A $(address "${host}")"; done
    for host in h1 h2 h3; do echo "three A $(address "${host}")"; done
} >"${WORK}/e2e.zone"
DNS_SERVER="$(dns_server start --state "${WORK}/dns" --zone-file "${WORK}/e2e.zone" --listen "${BRIDGE}")"
# A server that reads every query and never answers.
DNS_BLACKHOLE="$(dns_server blackhole --state "${WORK}/dns" --listen "${BRIDGE}")"

play() {
    local provider=$1
    shift
    ansible-playbook -i "${STATE}/inventory.ini" "${HERE}/site.yml" -e "@${HERE}/vars_${provider}.yml" \
        -e "e2e_dir=${NODES}" -e "dns_server=${DNS_SERVER}" "$@" 2>&1 | tee "${WORK}/play.log"
}

# The sum of changed= over the PLAY RECAP lines of the last run.
changed_count() {
    sed -n '/^PLAY RECAP/,$p' "${WORK}/play.log" | grep -o 'changed=[0-9]*' | cut -d= -f2 | awk '{ sum += $1 } END { print sum + 0 }'
}

# Every file the role writes, with its checksum.
checksums() {
    (cd "${NODES}" && find . -type f \( -name sys.config -o -name .hosts.erlang -o -name '*.service' \) -print0 |
        sort -z | xargs -0 sha256sum)
}

expected_files() {
    local names="" hosts="" host
    for host in "${HOSTS[@]}"; do
        names="${names:+${names}, }'app@$(address "${host}")'"
        hosts="${hosts}'$(address "${host}")'."$'\n'
    done
    printf '%%%% Managed by peerage.peerage\n[{kernel, [{sync_nodes_optional, [%s]}, {sync_nodes_timeout, 30000}]}].\n' \
        "${names}" >"${WORK}/expected.config"
    printf '%%%% Managed by peerage.peerage\n%s' "${hosts}" >"${WORK}/expected.hosts"
}
expected_files

check_files() {
    local host
    for host in "${HOSTS[@]}"; do
        cmp "${WORK}/expected.config" "${NODES}/${host}/sys.config"
        cmp "${WORK}/expected.hosts" "${NODES}/${host}/.hosts.erlang"
    done
}

# Starts one Erlang node per host from the files the role wrote, then polls
# every node's nodes() from a hidden node until all see all (bounded), and
# runs net_adm:world() with h1's .hosts.erlang.
start_cluster_and_check() {
    local provider=$1 host started elapsed nodes=()
    started=$(date +%s%N)
    for host in "${HOSTS[@]}"; do
        nodes+=("app@$(address "${host}")")
        (cd "${NODES}/${host}" && lab exec --state "${STATE}" --host "${host}" -- env HOME="${NODES}/${host}" \
            erl -name "app@$(address "${host}")" -setcookie "${COOKIE}" -config "${NODES}/${host}/sys.config" \
            -noshell -detached)
    done
    (cd "${NODES}/h1" && lab exec --state "${STATE}" --host h1 -- env HOME="${NODES}/h1" \
        escript "${LAB_FILES}/cluster_check.escript" "probe@$(address h1)" "${COOKIE}" 60000 "${nodes[@]}")
    elapsed=$((($(date +%s%N) - started) / 1000000))
    echo "E2E: via ${provider}: ${#HOSTS[@]} Erlang nodes saw each other ${elapsed} ms after the first one was started"
}

fresh_nodes() {
    stop_erlang
    rm -rf "${NODES}"
    mkdir -p "${NODES}"
}

# --- dns: on every host, through the lab's nameserver ------------------------
fresh_nodes
play dns
check_files
start_cluster_and_check dns

# A second run with the same peers changes nothing and notifies nothing.
play dns
[ "$(changed_count)" -eq 0 ]

# The nodes' EPMD answers on every host.
play dns -e peerage_wait_for_peers=true -e peerage_wait_timeout=30
[ "$(changed_count)" -eq 0 ]
grep -q 'Wait until the peers answer on TCP port 4369' "${WORK}/play.log"

before="$(checksums)"

# Fewer peers than required: every host fails before any file is touched.
if play dns -e peerage_min_peers=5; then exit 1; fi
grep -qF "the dns provider found 4 peer(s) (${ALL_NODES}), fewer than peerage_min_peers=5; no file was changed" "${WORK}/play.log"
[ "$(grep -c '^fatal: .*fewer than peerage_min_peers=5' "${WORK}/play.log")" -eq "${#HOSTS[@]}" ]
[ "$(checksums)" = "${before}" ]

# A name without records is "no peers", which is never written by default.
if play dns -e '{"peerage_dns_name": ["gone.e2e.peerage.test"]}'; then exit 1; fi
grep -q 'the dns provider found no peers, and an empty peer list is only written with peerage_allow_empty=true' "${WORK}/play.log"
[ "$(checksums)" = "${before}" ]

# A nameserver that does not answer is a failed discovery, not an empty one,
# even with peerage_allow_empty.
if play dns -e "{\"peerage_nameserver\": [\"${DNS_BLACKHOLE}\"], \"peerage_timeout\": 0.5, \"peerage_retries\": 1}" \
    -e peerage_allow_empty=true -e peerage_min_peers=0; then exit 1; fi
for host in "${HOSTS[@]}"; do
    grep "^fatal: \[${host}\]" "${WORK}/play.log" | grep -qF "discovery through the dns provider failed, so no file was changed (a failed discovery is not an empty one): DNS lookup of 'app.e2e.peerage.test' (A) failed: ${DNS_BLACKHOLE} no answer in 2 tries of 0.5s"
done
[ "$(checksums)" = "${before}" ]

# --check --diff shows what would change and writes nothing (a shrink by
# choice: each host would drop itself and h4, more than the shrink guard allows).
play dns --check --diff -e '{"peerage_dns_name": ["three.e2e.peerage.test"]}' -e peerage_min_peers=2 \
    -e peerage_include_self=false -e peerage_allow_shrink=true
grep -qxF -- "-$(sed -n 2p "${WORK}/expected.config")" "${WORK}/play.log"
grep -qF -- "+[{kernel, [{sync_nodes_optional, ['app@$(address h2)', 'app@$(address h3)']}" "${WORK}/play.log"
[ "$(changed_count)" -gt 0 ]
[ "$(checksums)" = "${before}" ]

# With the nodes gone, wait_for_peers fails naming each peer.
stop_erlang
if play dns -e peerage_wait_for_peers=true -e peerage_wait_timeout=2; then exit 1; fi
grep -qF "0 of 4 peer(s) answered on TCP port 4369 within 2.0s, all of them required; unreachable: app@$(address h1) (connection refused), app@$(address h2) (connection refused)" "${WORK}/play.log"

# --- list: once on the controller, from the inventory ------------------------
fresh_nodes
play list
check_files
start_cluster_and_check list
grep -q 'Discover the peers once for the play' "${WORK}/play.log"
# Discovery on the hosts is skipped once for the play, not once per host.
[ "$(sed -n '/Discover the peers on each host/,/^$/p' "${WORK}/play.log" | grep -c '^skipping:')" -eq 1 ]

# --- udp: beacons on every host, then a probe from every host, one fork ------
fresh_nodes
play udp --forks 1
check_files
for host in "${HOSTS[@]}"; do
    unit="${NODES}/${host}/peerage-beacon.service"
    grep -qx "Description=peerage.peerage UDP beacon for app@$(address "${host}")" "${unit}"
    # Every word in double quotes, as systemd reads them.
    grep -qx "ExecStart=\"[^\"]*\" \"${NODES}/${host}/beacon/program/peerage-beacon.py\" \"--config\" \"${NODES}/${host}/beacon/app-45901.service.json\"" "${unit}"
    grep -qx 'WantedBy=multi-user.target' "${unit}"
    [ "$(stat -c %a "${NODES}/${host}/beacon/app-45901.service.json")" = 600 ]
    # The play's own beacon is gone once every host has probed.
    [ ! -e "${NODES}/${host}/beacon/app-45901.pid" ]
done
start_cluster_and_check udp
play udp --forks 1
[ "$(changed_count)" -eq 0 ]
