#!/usr/bin/env bash
# Every playbook of examples/, unchanged, over SSH on a 4-host lab. The lab's
# inventory (group lab) plus lab/groups.ini give each example its group; the
# extra vars of lab/all.yml and lab/EXAMPLE.yml only point it at the lab: each
# host's own folder, service name and the lab's nameserver. For each example:
# --check --diff first (shows the files, writes nothing), the run, the files
# byte for byte, then a second run that changes nothing.
# Where the example's release runs on the lab, it is proven: erlang_dns and
# udp_lan start real Erlang nodes through init scripts from the files they
# wrote, and elixir_release's files start real Elixir nodes; each cluster's
# nodes must all see each other.
#
# EXAMPLES="erlang_dns ..." runs only those examples.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
LAB_FILES="$(cd ../setup_lab/files && pwd)"
DNS_FILES="$(cd ../setup_dns/files && pwd)"
ELIXIR_FILES="$(cd ../role_elixir_e2e && pwd)"
HERE="$(pwd)"
# The collection ansible-test runs on, and its examples.
EXAMPLES_DIR="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/peerage/peerage/examples"
[ -f "${EXAMPLES_DIR}/README.md" ]
# A subnet of its own, so this lab never meets another target's.
SUBNET=91
HOSTS=(h1 h2 h3 h4)
PORT=4370
COOKIE="peerage-examples-${RANDOM}${RANDOM}"
WORK="$(mktemp -d /tmp/peerage-ex.XXXXXX)"
# udp_lan's beacons run as nobody: they must reach their program under WORK (not list it).
chmod 0711 "${WORK}"
STATE="${WORK}/lab"
BRIDGE="198.18.${SUBNET}.1"
address() { echo "198.18.${SUBNET}.$((10 + ${1#h}))"; }
RUN="${EXAMPLES:-erlang_dns udp_lan elixir_release rabbitmq}"

lab() {
    "${PYTHON}" "${LAB_FILES}/lab.py" "$@"
}

dns_server() {
    "${PYTHON}" "${DNS_FILES}/dns_server.py" "$@"
}

service_tool() {
    "${PYTHON}" "${LAB_FILES}/node_service.py" "$@"
}

cleanup() {
    local status=$?
    set +e
    for host in "${HOSTS[@]}"; do
        service_tool remove --name "myapp-${host}" --dir "${WORK}/erlang_dns/${host}"
        service_tool remove --name "chat-${host}" --dir "${WORK}/udp_lan/${host}"
    done
    dns_server stop --state "${WORK}/dns"
    lab down --state "${STATE}"
    rm -rf "${WORK}"
    exit "${status}"
}
trap cleanup EXIT

lab up --state "${STATE}" --hosts "${#HOSTS[@]}" --subnet "${SUBNET}"

# The lab's nameservers listen on the bridge, where every host reaches them:
# one for erlang_dns's headless service name, one for elixir_release's name.
mkdir -p "${WORK}/dns"
zone() {
    echo "\$ORIGIN $1."
    echo "\$TTL 60"
    for host in "${HOSTS[@]}"; do echo "$2 A $(address "${host}")"; done
}
zone default.svc.cluster.local myapp-headless >"${WORK}/headless.zone"
zone internal myapp >"${WORK}/internal.zone"
NS_HEADLESS="$(dns_server start --state "${WORK}/dns" --name headless --zone-file "${WORK}/headless.zone" --listen "${BRIDGE}")"
NS_INTERNAL="$(dns_server start --state "${WORK}/dns" --name internal --zone-file "${WORK}/internal.zone" --listen "${BRIDGE}")"

# play EXAMPLE [ARGS...]: the example's playbook, unchanged, on the lab.
play() {
    local example=$1
    shift
    ansible-playbook -i "${STATE}/inventory.ini" -i "${HERE}/lab/groups.ini" "${EXAMPLES_DIR}/${example}/playbook.yml" \
        -e "@${HERE}/lab/all.yml" -e "@${HERE}/lab/${example}.yml" -e "examples_dir=${WORK}/${example}" "$@" 2>&1 |
        tee "${WORK}/play.log"
}

# The sum of changed= over the PLAY RECAP lines of the last run.
changed_count() {
    sed -n '/^PLAY RECAP/,$p' "${WORK}/play.log" | grep -o 'changed=[0-9]*' | cut -d= -f2 | awk '{ sum += $1 } END { print sum + 0 }'
}

# Every file under the example's folders, with its checksum (not the Erlang
# nodes' logs and pid files; not the program udp_lan's play beacons run, which
# discovery needs in check mode too).
checksums() {
    (cd "${WORK}/$1" 2>/dev/null && find . -path './*/beacon/program' -prune -o -type f ! -name '*.log' ! -name '*.pid' \
        -print0 | sort -z | xargs -0 -r sha256sum)
}

# The node names of every host, comma-separated in the role's order (by address).
node_list() {
    local app=$1 quote=${2:-} host
    for host in "${HOSTS[@]}"; do printf '%s%s@%s%s\n' "${quote}" "${app}" "$(address "${host}")" "${quote}"; done |
        paste -sd, | sed 's/,/, /g'
}

# --check --diff, the run, the files, and a second run.
# check_files EXAMPLE compares every host's files with what the example promises.
run_example() {
    local example=$1 started=${SECONDS}
    shift
    mkdir -p "${WORK}/${example}"

    # Before the first run: the diff shows the new files, nothing is written.
    play "${example}" --check --diff "$@"
    [ "$(changed_count)" -gt 0 ]
    [ -z "$(checksums "${example}")" ]

    play "${example}" "$@"
    "check_${example}"

    # The same peers again: no file changes, nothing is restarted.
    local before
    before="$(checksums "${example}")"
    play "${example}" "$@"
    [ "$(changed_count)" -eq 0 ]
    [ "$(checksums "${example}")" = "${before}" ]
    echo "EXAMPLE ${example}: --check --diff, run and rerun in $((SECONDS - started)) s"
}

# cluster_check APP HOST...: every node APP@HOST's nodes() lists all the others
# (from a hidden node on the first host).
cluster_check() {
    local app=$1 dir=$2 nodes=() host
    shift 2
    for host in "$@"; do nodes+=("${app}@$(address "${host}")"); done
    (cd "${dir}" && lab exec --state "${STATE}" --host "$1" -- env HOME="${dir}" \
        escript "${LAB_FILES}/cluster_check.escript" "probe@$(address "$1")" "${COOKIE}" 60000 "${nodes[@]}")
}

# --- erlang_dns: dns on each host; init scripts run the release's nodes -------
check_erlang_dns() {
    local host dir
    printf '%%%% Managed by peerage.peerage\n[{kernel, [{sync_nodes_optional, [%s]}, {sync_nodes_timeout, 15000}]}].\n' \
        "$(node_list myapp "'")" >"${WORK}/expected.config"
    for host in "${HOSTS[@]}"; do printf "'%s'.\n" "$(address "${host}")"; done |
        sed '1i %% Managed by peerage.peerage' >"${WORK}/expected.hosts"
    for host in "${HOSTS[@]}"; do
        dir="${WORK}/erlang_dns/${host}"
        cmp "${WORK}/expected.config" "${dir}/peers.config"
        cmp "${WORK}/expected.hosts" "${dir}/.hosts.erlang"
    done
    # The role started each host's service (a new host) and every EPMD answered.
    grep -q 'Wait until the peers answer on TCP port 4369' "${WORK}/play.log"
    cluster_check myapp "${WORK}/erlang_dns/h1" "${HOSTS[@]}"
    echo "EXAMPLE erlang_dns: ${#HOSTS[@]} Erlang nodes started by the role from peers.config see each other"
}

if [[ " ${RUN} " == *" erlang_dns "* ]]; then
    for host in "${HOSTS[@]}"; do
        mkdir -p "${WORK}/erlang_dns/${host}"
        service_tool install --name "myapp-${host}" --node "myapp@$(address "${host}")" \
            --dir "${WORK}/erlang_dns/${host}" --config "${WORK}/erlang_dns/${host}/peers.config" \
            --port "${PORT}" --cookie "${COOKIE}"
    done
    run_example erlang_dns -e "lab_nameserver=${NS_HEADLESS}"
    for host in "${HOSTS[@]}"; do service_tool remove --name "myapp-${host}" --dir "${WORK}/erlang_dns/${host}"; done
fi

# --- udp_lan: beacons and probes on the lab's LAN; the handler restarts chat --
check_udp_lan() {
    local host dir
    printf '## Managed by peerage.peerage\n-kernel sync_nodes_optional "[%s]"\n-kernel sync_nodes_timeout 30000\n' \
        "$(node_list chat "'")" >"${WORK}/expected.args"
    for host in "${HOSTS[@]}"; do
        dir="${WORK}/udp_lan/${host}"
        cmp "${WORK}/expected.args" "${dir}/vm.args.peers"
        cmp "${WORK}/expected.hosts" "${dir}/.hosts.erlang"
        grep -qx "Description=peerage.peerage UDP beacon for chat@$(address "${host}")" "${dir}/peerage-beacon.service"
        # The play's own beacon is gone once every host has probed.
        [ -z "$(find "${dir}/beacon" -name '*.pid')" ]
    done
    grep -q 'RUNNING HANDLER \[Restart chat\]' "${WORK}/play.log"
    cluster_check chat "${WORK}/udp_lan/h1" "${HOSTS[@]}"
    echo "EXAMPLE udp_lan: ${#HOSTS[@]} Erlang nodes restarted by the handler from vm.args.peers see each other"
}

if [[ " ${RUN} " == *" udp_lan "* ]]; then
    for host in "${HOSTS[@]}"; do printf "'%s'.\n" "$(address "${host}")"; done |
        sed '1i %% Managed by peerage.peerage' >"${WORK}/expected.hosts"
    for host in "${HOSTS[@]}"; do
        mkdir -p "${WORK}/udp_lan/${host}"
        service_tool install --name "chat-${host}" --node "chat@$(address "${host}")" --dir "${WORK}/udp_lan/${host}" \
            --config "" --args-file "${WORK}/udp_lan/${host}/vm.args.peers" --port "${PORT}" --cookie "${COOKIE}"
    done
    run_example udp_lan -e "{\"vault_peerage_secret\": \"examples-${COOKIE}\"}"
    for host in "${HOSTS[@]}"; do service_tool remove --name "chat-${host}" --dir "${WORK}/udp_lan/${host}"; done
fi

# --- elixir_release: dns on each host; Elixir nodes start from its files ------
check_elixir_release() {
    local host dir
    {
        printf '# Managed by peerage.peerage\nimport Config\n\nconfig :peerage,\n  via: Peerage.Via.List,\n  node_list: [\n'
        node_list myapp | sed 's/, /\n/g' | sed 's/.*/    :"&",/; $s/,$//'
        printf '  ]\n'
    } >"${WORK}/expected.exs"
    for host in "${HOSTS[@]}"; do
        dir="${WORK}/elixir_release/${host}"
        [ "$(stat -c %a "${dir}/release.env")" = 600 ]
        [ "$(stat -c %a "${dir}/cluster.exs")" = 640 ]
        [ "$(sh -c '. "$1" && printf "%s %s %s" "$RELEASE_DISTRIBUTION" "$RELEASE_NODE" "$RELEASE_COOKIE"' sh \
            "${dir}/release.env")" = "name myapp@$(address "${host}") ${COOKIE}" ]
        cmp "${WORK}/expected.exs" "${dir}/cluster.exs"
    done
    # The cookie never reaches the play's output.
    if grep -qF "${COOKIE}" "${WORK}/play.log"; then
        echo "the cookie reached the play's output" >&2
        exit 1
    fi
    # As the release would: each node named from release.env, its peers from cluster.exs (Config.Reader).
    # The nodes write their status and log outside the example's folders, which
    # the rerun compares; `lab down` ends them with the lab.
    for host in "${HOSTS[@]}"; do
        dir="${WORK}/elixir_release/${host}"
        mkdir -p "${WORK}/elixir_nodes/${host}"
        # The inner shell, in the host's namespace, expands the release env variables.
        # shellcheck disable=SC2016
        lab exec --state "${STATE}" --host "${host}" -- env HOME="${WORK}/elixir_nodes/${host}" sh -c '
            set -a && . "$1/release.env" && set +a
            exec elixir "--${RELEASE_DISTRIBUTION}" "${RELEASE_NODE}" --cookie "${RELEASE_COOKIE}" \
                "$2" peerage "$1/cluster.exs" "$3/status"' sh "${dir}" "${ELIXIR_FILES}/cluster_node.exs" \
            "${WORK}/elixir_nodes/${host}" >"${WORK}/elixir_nodes/${host}/node.log" 2>&1 &
    done
    local ok
    # Quiet while polling (up to a minute, five times a second).
    set +x
    for _ in $(seq 300); do
        ok=1
        for host in "${HOSTS[@]}"; do
            node_list myapp | tr -d ' ' | tr , '\n' | grep -vxF "myapp@$(address "${host}")" |
                cmp -s - "${WORK}/elixir_nodes/${host}/status" || ok=0
        done
        [ "${ok}" = 1 ] && break
        sleep 0.2
    done
    set -x
    [ "${ok}" = 1 ] || { cat "${WORK}"/elixir_nodes/*/node.log >&2; exit 1; }
    echo "EXAMPLE elixir_release: ${#HOSTS[@]} Elixir nodes named by release.env list each other from cluster.exs"
}

if [[ " ${RUN} " == *" elixir_release "* ]]; then
    run_example elixir_release -e "lab_nameserver=${NS_INTERNAL}" -e "{\"vault_myapp_cookie\": \"${COOKIE}\"}"
fi

# --- rabbitmq: the list from the inventory, once on the controller -------------
check_rabbitmq() {
    local host index=0
    {
        echo "# Managed by peerage.peerage"
        echo "cluster_formation.peer_discovery_backend = classic_config"
        for host in "${HOSTS[@]}"; do
            index=$((index + 1))
            echo "cluster_formation.classic_config.nodes.${index} = rabbit@${host}"
        done
    } >"${WORK}/expected.rabbitmq"
    for host in "${HOSTS[@]}"; do
        cmp "${WORK}/expected.rabbitmq" "${WORK}/rabbitmq/${host}/10-peerage.conf"
        [ "$(stat -c %a "${WORK}/rabbitmq/${host}/10-peerage.conf")" = 640 ]
    done
    grep -q 'Discover the peers once for the play' "${WORK}/play.log"
    echo "EXAMPLE rabbitmq: every host's conf.d file lists the ${#HOSTS[@]} nodes"
}

if [[ " ${RUN} " == *" rabbitmq "* ]]; then
    run_example rabbitmq
fi
