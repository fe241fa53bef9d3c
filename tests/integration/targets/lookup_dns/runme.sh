#!/usr/bin/env bash
# The dns lookup against a real DNS server (dnsmasq, from setup_dns) on loopback.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

# shellcheck source=SCRIPTDIR/../setup_dns/files/dns_fixture.sh
source ../setup_dns/files/dns_fixture.sh
trap dns_fixture_stop EXIT
dns_fixture_start
dns_fixture_faults

run_playbook() {
    ansible-playbook -i "$INVENTORY_PATH" -e "@$DNS_EXPECTED" \
        -e "dns_server=$DNS_SERVER" -e "blackhole=$DNS_BLACKHOLE" "$@"
}

# `! grep` would not stop a `set -e` script.
refute() {
    if grep -E "$1" "$2"; then
        echo "unexpected in $2: $1" >&2
        return 1
    fi
}

run_playbook dns.yml "$@"

# The default name through a resolver whose hosts file gives localhost both
# 127.0.0.1 and ::1 (Debian's lines), in a mount namespace of its own: one node.
hosts_file="$DNS_STATE/hosts"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$hosts_file"
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" /etc/hosts && exec "$@"' "$hosts_file" \
    ansible-playbook -i "$INVENTORY_PATH" default_name.yml "$@"
run_playbook faults.yml -e "@$DNS_FAULTS" "$@"

# log_results: what was found at -v, every query at -vvv (the 100 records over
# TCP after a truncated UDP answer), nothing when false.
out="$DNS_STATE/log_results.out"
found='the dns provider found 3 peer\(s\): x@10\.53\.3\.9, x@10\.53\.3\.10, x@10\.53\.3\.100'
query="three\.peerage\.test A: 3 record\(s\) from ${DNS_SERVER//./\\.}"
quiet='found 1 peer|one\.peerage\.test (A|AAAA)'

run_playbook log_results.yml -v | tee "$out"
grep -E "$found" "$out"
refute "$query" "$out"
refute "$quiet" "$out"

run_playbook log_results.yml -vvv | tee "$out"
grep -E "$found" "$out"
grep -E "$query" "$out"
grep -E "hundred\.peerage\.test A at ${DNS_SERVER//./\\.}: NOERROR.* over TCP after a truncated UDP answer" "$out"
refute "$quiet" "$out"
