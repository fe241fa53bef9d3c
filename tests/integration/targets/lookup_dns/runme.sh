#!/usr/bin/env bash
# The dns lookup against a real DNS server (dnsmasq, from setup_dns) on loopback.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

# shellcheck source=SCRIPTDIR/../setup_dns/files/dns_fixture.sh
source ../setup_dns/files/dns_fixture.sh

# The network namespace of the search domain test, removed whatever happens.
NETNS=peerage-dns-$$
netns_remove() {
    local pid
    for pid in $(ip netns pids "$NETNS" 2>/dev/null); do
        kill "$pid" 2>/dev/null || true
    done
    ip netns delete "$NETNS" 2>/dev/null || true
    rm -rf "/etc/netns/$NETNS"
}
cleanup() {
    dns_fixture_stop  # first: it reads the exit status, to show the servers' logs on failure
    netns_remove
}
trap cleanup EXIT
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

# Empty and bad names, sinkhole and IPv4-mapped addresses, SRV records that
# lead nowhere, forged packets; then what is said of them at -v and -vvv.
run_playbook answers.yml -e "@$DNS_FAULTS" "$@"
forged=$("$DNS_PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["forged"])' "$DNS_FAULTS")
forger="${forged%:*}"
out="$DNS_STATE/answers.out"
run_playbook answers.yml -e "@$DNS_FAULTS" -vvv 2>&1 | tee "$out"
# Warnings may be wrapped at the terminal's width: read them as one line.
tr -s '\n ' ' ' <"$out" >"$out.flat"
grep -E "\[WARNING\]: peerage: the dns provider dropped 0\.0\.0\.0 \(partly\.peerage\.test A from ${DNS_SERVER//./\\.}: an unspecified address\)" "$out.flat"
grep -E "dropped ff02::1 \(partly\.peerage\.test AAAA from ${DNS_SERVER//./\\.}: a multicast address\)" "$out.flat"
grep -E "three\.peerage\.test A at ${forged//./\\.}: 2 unexpected packets discarded \(1 with another query id, 1 from ${forger//./\\.}:[0-9]+\)" "$out"

# Search domains and ndots, as in a Kubernetes pod: a network namespace whose
# resolv.conf names a DNS server on the namespace's own loopback (port 53, as
# resolv.conf allows no other), the search list svc.peerage.test
# peerage.test and ndots:5. `ip netns exec` puts /etc/netns/NAME/resolv.conf
# in place of /etc/resolv.conf for what runs there.
mkdir -p "/etc/netns/$NETNS"
printf 'nameserver 127.0.0.1\nsearch svc.peerage.test peerage.test\noptions ndots:5 timeout:1 attempts:1\n' \
    >"/etc/netns/$NETNS/resolv.conf"
ip netns add "$NETNS"
ip -n "$NETNS" link set lo up
ip netns exec "$NETNS" "$DNS_PYTHON" ../setup_dns/files/dns_server.py start --state "$DNS_STATE" \
    --zone-file "$DNS_STATE/peerage.test.zone" --listen 127.0.0.1 --port 53 --name pod-dns --log-queries
ip netns exec "$NETNS" ansible-playbook -i "$INVENTORY_PATH" -e "@$DNS_EXPECTED" search_domains.yml "$@"
# The SRV short name was asked with each search domain in order, the first that has it ending the search.
grep -oE "query\[SRV\] _epmd\._tcp\.srv[a-z.]*" "$DNS_STATE/pod-dns.log" | head -n 2 >"$DNS_STATE/srv-order"
printf 'query[SRV] _epmd._tcp.srv.svc.peerage.test\nquery[SRV] _epmd._tcp.srv.peerage.test\n' | diff - "$DNS_STATE/srv-order"
refute "query\[SRV\] _epmd\._tcp\.srv from" "$DNS_STATE/pod-dns.log"
# A name found nowhere was asked with every search domain, then as given.
grep -oE "query\[SRV\] _epmd\._tcp\.nowhere[a-z.]*" "$DNS_STATE/pod-dns.log" >"$DNS_STATE/nowhere-order"
printf 'query[SRV] _epmd._tcp.nowhere.peerage.test%s\n' .svc.peerage.test .peerage.test '' | diff - "$DNS_STATE/nowhere-order"

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
