# shellcheck shell=bash
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The test zone on a real DNS server, for a target's runme.sh (with the alias
# needs/target/setup_dns):
#
#   source ../setup_dns/files/dns_fixture.sh
#   trap dns_fixture_stop EXIT
#   dns_fixture_start
#
# dns_fixture_start writes the zone peerage.test (make_zone.py), serves it
# with dnsmasq and starts a server that never answers, each on a free port
# of a loopback address, and sets:
#   DNS_SERVER     ADDR:PORT of dnsmasq
#   DNS_BLACKHOLE  ADDR:PORT of the server that never answers
#   DNS_EXPECTED   expected.json: each case's DNS name and expected answer
#   DNS_STATE      the directory holding their files and logs
# dns_fixture_stop stops every server and removes DNS_STATE, after showing
# the servers' logs when called with a failed status (from an EXIT trap).
# DNS_LISTEN and DNS_BLACKHOLE_LISTEN choose other addresses.
#
# dns_fixture_faults (after dns_fixture_start) also starts one faulty server
# per fault of dns_server.py (a truncated UDP answer then a closed or a
# refused TCP connection, a wrong query id, garbage, an answer too late,
# SERVFAIL, REFUSED) and a server whose answers are preceded by forged
# packets, on DNS_FAULT_LISTEN (127.53.0.3), and sets DNS_FAULTS to a JSON
# file for `-e @FILE`: {"faults": {"<mode>": "ADDR:PORT", ...}, "forged": "ADDR:PORT"}.

DNS_FIXTURE_FILES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DNS_PYTHON=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}

dns_fixture_start() {
    DNS_STATE=$(mktemp -d "${TMPDIR:-/tmp}/peerage-dns.XXXXXX")
    "$DNS_PYTHON" "$DNS_FIXTURE_FILES/make_zone.py" --out "$DNS_STATE" >/dev/null
    DNS_EXPECTED="$DNS_STATE/expected.json"
    DNS_SERVER=$("$DNS_PYTHON" "$DNS_FIXTURE_FILES/dns_server.py" start --state "$DNS_STATE" \
        --zone-file "$DNS_STATE/peerage.test.zone" --listen "${DNS_LISTEN:-127.53.0.1}")
    DNS_BLACKHOLE=$("$DNS_PYTHON" "$DNS_FIXTURE_FILES/dns_server.py" blackhole --state "$DNS_STATE" \
        --listen "${DNS_BLACKHOLE_LISTEN:-127.53.0.2}")
    export DNS_SERVER DNS_BLACKHOLE DNS_EXPECTED DNS_STATE
}

dns_fixture_faults() {
    local mode address separator=''
    DNS_FAULTS="$DNS_STATE/faults.json"
    {
        printf '{"faults": {'
        for mode in truncate_close truncate_refuse wrong_id garbage slow servfail refused; do
            address=$("$DNS_PYTHON" "$DNS_FIXTURE_FILES/dns_server.py" fault --state "$DNS_STATE" --mode "$mode" \
                --delay 1.5 --listen "${DNS_FAULT_LISTEN:-127.53.0.3}")
            printf '%s"%s": "%s"' "$separator" "$mode" "$address"
            separator=', '
        done
        address=$("$DNS_PYTHON" "$DNS_FIXTURE_FILES/dns_server.py" fault --state "$DNS_STATE" --mode forged \
            --listen "${DNS_FAULT_LISTEN:-127.53.0.3}")
        printf '}, "forged": "%s"}\n' "$address"
    } >"$DNS_FAULTS"
    export DNS_FAULTS
}

dns_fixture_stop() {
    local status=$? log
    [[ -n ${DNS_STATE:-} && -d $DNS_STATE ]] || return 0
    if [[ $status -ne 0 ]]; then
        # The servers' logs go with DNS_STATE: show them when the test failed.
        for log in "$DNS_STATE"/*.log; do
            [[ -s $log ]] && printf '==> %s\n' "$log" >&2 && tail -n 20 "$log" >&2
        done
    fi
    "$DNS_PYTHON" "$DNS_FIXTURE_FILES/dns_server.py" stop --state "$DNS_STATE" || true
    rm -rf "$DNS_STATE"
}
