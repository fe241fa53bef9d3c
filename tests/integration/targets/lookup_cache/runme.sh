#!/usr/bin/env bash
# The lookups' run-wide result cache, against a real DNS server (dnsmasq, from
# setup_dns) on loopback that logs every query it gets, and a nameserver that
# never answers but counts what it is sent. Hosts are local: lookups run on
# the controller, in one forked worker per host and task, as with real hosts.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

# shellcheck source=SCRIPTDIR/../setup_dns/files/dns_fixture.sh
source ../setup_dns/files/dns_fixture.sh

held_run=
silent_pid=
cleanup() {
    local status=$?
    if [[ -n $held_run ]]; then kill "$held_run" 2>/dev/null || true; wait "$held_run" 2>/dev/null || true; fi
    if [[ -n $silent_pid ]]; then kill "$silent_pid" 2>/dev/null || true; wait "$silent_pid" 2>/dev/null || true; fi
    set +e
    (exit "$status")
    dns_fixture_stop
}
trap cleanup EXIT
dns_fixture_start

# A server of the same zone that logs each query (dns_fixture_start's does not).
counted=$("$DNS_PYTHON" ../setup_dns/files/dns_server.py start --state "$DNS_STATE" --name counted \
    --zone-file "$DNS_STATE/peerage.test.zone" --listen "${DNS_LISTEN:-127.53.0.1}" --log-queries)
"$DNS_PYTHON" silent_server.py 127.53.0.3 "$DNS_STATE/silent.count" "$DNS_STATE/silent.ready" &
silent_pid=$!
for _try in $(seq 100); do [[ -s $DNS_STATE/silent.ready ]] && break; sleep 0.1; done
silent=$(cat "$DNS_STATE/silent.ready")

inventory="$DNS_STATE/hosts.ini"
{
    echo "[many]"
    for n in $(seq -w 1 100); do echo "host$n"; done
    echo "[few]"
    for n in $(seq -w 1 10); do echo "host$n"; done
    echo "[all:vars]"
    echo "ansible_connection=local"
    echo "ansible_python_interpreter=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
} > "$inventory"

export ANSIBLE_FORKS=10
run_playbook() {
    ansible-playbook -i "$inventory" -e "@$DNS_EXPECTED" -e "dns_server=$counted" -e "silent=$silent" "$@"
}

# Queries of one name and type that the counted server has logged so far.
asked() {
    grep -c "query\[$2\] $1 from" "$DNS_STATE/counted.log" || true
}

expect() {
    if [[ $2 != "$3" ]]; then
        echo "$1: got $2, expected $3" >&2
        return 1
    fi
}

three=three.peerage.test

# 100 hosts x 3 references: one query per record type for the whole play.
run_playbook three_references.yml -e target=many "$@"
expect "A queries, 100 hosts x 3 references" "$(asked $three A)" 1
expect "AAAA queries, 100 hosts x 3 references" "$(asked $three AAAA)" 1

# The dns lookup and peers with via=dns share the question: one query for the play.
mixed=mixed.peerage.test
run_playbook dns_and_peers.yml -e target=few "$@"
expect "A queries, dns and peers via=dns, 10 hosts" "$(asked $mixed A)" 1

# cache: false (here for the whole run, from a variable) asks on every call again.
run_playbook three_references.yml -e target=few -e peerage_cache=false "$@"
expect "A queries with cache=false, 10 hosts x 3 references" "$(asked $three A)" $((1 + 30))
expect "AAAA queries with cache=false, 10 hosts x 3 references" "$(asked $three AAAA)" $((1 + 30))

# A dead nameserver: every host fails with the real error, after one attempt
# for the whole play (the A question; AAAA too if asked at the same time).
started=$(date +%s%N)
run_playbook dead_nameserver.yml -e target=many "$@"
ended=$(date +%s%N)
attempts=$(wc -l < "$DNS_STATE/silent.count")
# Shown, not asserted: the attempts counted above are the measure.
echo "dead nameserver, 100 hosts: $attempts attempt(s), play took $(( (ended - started) / 1000000 )) ms"
if (( attempts < 1 || attempts > 2 )); then
    cat "$DNS_STATE/silent.count" >&2
    expect "attempts at the dead nameserver" "$attempts" "1 or 2"
fi

# The name gets a record: the next run sees it.
add_record() {
    echo "$1 $three" >> "$DNS_STATE/counted.hosts"
    kill -HUP "$(cat "$DNS_STATE/counted.pid")"
    local want=$2 address=${counted%:*} port=${counted##*:}
    for _try in $(seq 100); do
        "$DNS_PYTHON" -c "import sys; sys.path.insert(0, '../setup_dns/files'); import dns_server
sys.exit(dns_server.probe('$address', $port, '$three') != (0, $want))" && return 0
        sleep 0.1
    done
    echo "the server did not start serving $want records" >&2
    return 1
}

run_playbook answers.yml -e target=few -e want=3 "$@"
add_record 10.53.3.200 4
run_playbook answers.yml -e target=few -e want=4 "$@"

# Two runs at once: the held run asks (4 records), waits while the zone gets a
# fifth record and a second run asks (5), and then still has its own answer.
rm -f "$DNS_STATE/ready" "$DNS_STATE/go"
run_playbook answers.yml -e target=few -e want=4 \
    -e "ready_file=$DNS_STATE/ready" -e "go_file=$DNS_STATE/go" "$@" > "$DNS_STATE/held.out" 2>&1 &
held_run=$!
for _try in $(seq 1200); do
    [[ -e $DNS_STATE/ready ]] && break
    kill -0 "$held_run" 2>/dev/null || break
    sleep 0.1
done
[[ -e $DNS_STATE/ready ]] || { cat "$DNS_STATE/held.out" >&2; exit 1; }
add_record 10.53.3.201 5
run_playbook answers.yml -e target=few -e want=5 "$@"
touch "$DNS_STATE/go"
status=0
wait "$held_run" || status=$?
held_run=
cat "$DNS_STATE/held.out"
expect "the held run's status" "$status" 0
