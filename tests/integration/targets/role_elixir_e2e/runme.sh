#!/usr/bin/env bash
# End to end for Elixir releases: the peerage role, run over SSH on a 4-host
# lab, writes each host's Peerage and libcluster config and its release env
# (node name and cookie). On every host a real Elixir node, named from the
# release env file, reads the Peerage file (Config.Reader) and connects to
# each listed node; every node's Node.list() must show all the others. Then
# the same from the libcluster file, with one node started several seconds
# after the others. Also: the cookie never reaches the play's output, the
# release env file is 0600, a rerun changes nothing, and the Erlang-term
# files read with :file.consult/1 list the same nodes.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
LAB_FILES="$(cd ../setup_lab/files && pwd)"
HERE="$(pwd)"
# A subnet of its own, so this lab never meets another target's.
SUBNET=87
HOSTS=(h1 h2 h3 h4)
COOKIE="elixir-e2e-${RANDOM}${RANDOM}"
WORK="$(mktemp -d /tmp/peerage-ex.XXXXXX)"
STATE="${WORK}/lab"
NODES="${WORK}/nodes"
address() { echo "198.18.${SUBNET}.$((10 + ${1#h}))"; }

lab() {
    "${PYTHON}" "${LAB_FILES}/lab.py" "$@"
}

# Ends the Elixir nodes this script started, by the pid each recorded
# (the shell that starts a node execs into it). `lab down` ends the rest
# (EPMD) with the lab.
any_alive() {
    local pid
    for pid in "$@"; do kill -0 "${pid}" 2>/dev/null && return 0; done
    return 1
}

stop_nodes() {
    local pidfile pids=()
    for pidfile in "${NODES}"/*/node.pid; do
        [ -f "${pidfile}" ] || continue
        pids+=("$(cat "${pidfile}")")
        rm -f "${pidfile}"
    done
    [ "${#pids[@]}" -eq 0 ] && return 0
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 100); do
        any_alive "${pids[@]}" || return 0
        sleep 0.1
    done
    echo "Elixir nodes did not end: ${pids[*]}" >&2
    return 1
}

cleanup() {
    local status=$?
    set +e
    stop_nodes
    lab down --state "${STATE}"
    rm -rf "${WORK}"
    exit "${status}"
}
trap cleanup EXIT

lab up --state "${STATE}" --hosts "${#HOSTS[@]}" --subnet "${SUBNET}"
mkdir -p "${NODES}"

play() {
    ansible-playbook -i "${STATE}/inventory.ini" "${HERE}/site.yml" -e "e2e_dir=${NODES}" \
        -e "{\"e2e_cookie\": \"${COOKIE}\"}" "$@" 2>&1 | tee "${WORK}/play.log"
}

# The sum of changed= over the PLAY RECAP lines of the last run.
changed_count() {
    sed -n '/^PLAY RECAP/,$p' "${WORK}/play.log" | grep -o 'changed=[0-9]*' | cut -d= -f2 | awk '{ sum += $1 } END { print sum + 0 }'
}

# --diff shows every other file's content, -v every loop item's result; the
# cookie must not appear.
play --diff -v
grep -qF ':"app@198.18.' "${WORK}/play.log"
if grep -qF "${COOKIE}" "${WORK}/play.log"; then
    echo "the cookie reached the play's output" >&2
    exit 1
fi

# Each host's files: its own node name, 0600 for the one with the cookie.
for host in "${HOSTS[@]}"; do
    env_file="${NODES}/${host}/release.env"
    [ "$(stat -c %a "${env_file}")" = 600 ]
    [ "$(sh -c '. "$1" && printf "%s %s %s" "$RELEASE_DISTRIBUTION" "$RELEASE_NODE" "$RELEASE_COOKIE"' sh "${env_file}")" = \
        "name app@$(address "${host}") ${COOKIE}" ]
    [ "$(stat -c %a "${NODES}/${host}/peerage.exs")" = 644 ]
done

# A rerun with the same peers changes nothing.
play
[ "$(changed_count)" -eq 0 ]

# The node names every host must list, one per line, sorted as `sort` does.
all_nodes() {
    local host
    for host in "${HOSTS[@]}"; do echo "app@$(address "${host}")"; done | LC_ALL=C sort
}
others() {
    all_nodes | grep -vxF "app@$(address "$1")"
}

# The Erlang-term files list the same nodes, read with :file.consult/1.
for format in peerage libcluster; do
    elixir -e '
        [path, format] = System.argv()
        {:ok, [config]} = :file.consult(path)
        nodes = case format do
          "peerage" -> config[:peerage][:node_list]
          "libcluster" -> hd(config[:libcluster][:topologies]) |> elem(1) |> Keyword.fetch!(:config) |> Keyword.fetch!(:hosts)
        end
        true = Enum.all?(nodes, &is_atom/1)
        Enum.each(nodes, &IO.puts/1)
    ' "${NODES}/h2/${format}.config" "${format}" | LC_ALL=C sort >"${WORK}/consulted"
    all_nodes | diff - "${WORK}/consulted"
done

# Starts the Elixir node of $2 in its namespace, in the background, named from
# its release env file and joining through its file $3 (default $1.exs) the
# way $1 (peerage|libcluster) does.
start_node() {
    local mode=$1 host=$2 file=${3:-$1.exs} dir="${NODES}/$2"
    rm -f "${dir}/status"
    # The inner shell, in the host's namespace, expands the release env variables.
    # shellcheck disable=SC2016
    lab exec --state "${STATE}" --host "${host}" -- env HOME="${dir}" sh -c '
        echo "$$" >"$1/node.pid"
        set -a && . "$1/release.env" && set +a
        exec elixir "--${RELEASE_DISTRIBUTION}" "${RELEASE_NODE}" --cookie "${RELEASE_COOKIE}" \
            "$2" "$3" "$1/$4" "$1/status"' sh "${dir}" "${HERE}/cluster_node.exs" "${mode}" "${file}" \
        >"${dir}/${mode}.log" 2>&1 &
}

# Waits until each named host's node lists exactly $1 (a function of the host).
wait_for_lists() {
    local expect=$1 host ok
    shift
    for _ in $(seq 300); do
        ok=1
        for host in "$@"; do
            if ! "${expect}" "${host}" | cmp -s - "${NODES}/${host}/status"; then ok=0; fi
        done
        [ "${ok}" = 1 ] && return 0
        sleep 0.2
    done
    for host in "$@"; do
        echo "${host} lists:" && cat "${NODES}/${host}/status" 2>/dev/null
        cat "${NODES}/${host}/"*.log
    done >&2
    return 1
}

# --- Peerage.Via.List: every node connects to the listed nodes ----------------
started=$(date +%s%N)
for host in "${HOSTS[@]}"; do start_node peerage "${host}"; done
wait_for_lists others "${HOSTS[@]}"
echo "E2E: peerage: ${#HOSTS[@]} Elixir nodes listed each other $((($(date +%s%N) - started) / 1000000)) ms after start"
stop_nodes

# --- libcluster Epmd: h4 starts several seconds after the others ------------
# h4's node starts while h4's network is down, so its connection round at
# start fails, as it does for a node whose network or peers are not ready.
# With `timeout: :infinity` (the strategy without a timeout) nothing connects
# it once the network is up; with the timeout the role writes, it joins.
early=(h1 h2 h3)
# Until h4 joins, each early node lists the other early ones only.
others_early() {
    printf '%s\n' "${early[@]}" | grep -vxF "$1" | while read -r host; do echo "app@$(address "${host}")"; done |
        LC_ALL=C sort
}
nobody() { :; }

late_node_joins() {
    local file=$1 host
    for host in "${early[@]}"; do start_node libcluster "${host}" "${file}"; done
    wait_for_lists others_early "${early[@]}"
    sleep 5
    lab exec --state "${STATE}" --host h4 -- ip link set eth0 down
    start_node libcluster h4 "${file}"
    # The node runs (it writes its status) and its round at start has failed.
    wait_for_lists nobody h4
    for _ in $(seq 100); do
        grep -qF 'connected after the first round: []' "${NODES}/h4/libcluster.log" && break
        sleep 0.1
    done
    grep -qF 'connected after the first round: []' "${NODES}/h4/libcluster.log"
    lab exec --state "${STATE}" --host h4 -- ip link set eth0 up
    started=$(date +%s%N)
}

late_node_joins libcluster-once.exs
# Twice the timeout the role writes by default, and nobody connected h4.
sleep 10
wait_for_lists nobody h4
wait_for_lists others_early "${early[@]}"
stop_nodes

late_node_joins libcluster.exs
wait_for_lists others "${HOSTS[@]}"
echo "E2E: libcluster: the late node and the ${#early[@]} others listed each other $((($(date +%s%N) - started) / 1000000)) ms after its network came up"
