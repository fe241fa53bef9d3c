#!/usr/bin/env bash
# UDP discovery across lab hosts: beacons on four hosts, every host probing (forks 2),
# IPv6, a fifth host added later (--limit h5), a service-style beacon, a shared secret
# with a hostile host injecting bad packets, 30% packet loss, and co-existence with Peerage nodes
# (16 beacons, a listener on Peerage's group and port).
set -eux
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
LAB_FILES="$(cd ../setup_lab/files && pwd)"
# The folder holding ansible_collections/ (ansible-test sets it), for the injector's imports.
COLLECTIONS="${ANSIBLE_COLLECTIONS_PATH%%:*}"
if [ ! -d "${COLLECTIONS}/ansible_collections/peerage/peerage" ]; then
    echo "set ANSIBLE_COLLECTIONS_PATH to the folder that holds ansible_collections/peerage/peerage" >&2
    exit 1
fi
HERE="$(pwd)"
STATE="$(mktemp -d /tmp/peerage-udp-lab.XXXXXX)"
WORK="$(mktemp -d /tmp/peerage-udp-work.XXXXXX)"
# The beacons run as nobody: they must reach their program under WORK (not list it).
chmod 0711 "${WORK}"
SUBNET=81
NET="198.18.${SUBNET}"

lab() {
    "${PYTHON}" "${LAB_FILES}/lab.py" "$@"
}

# Whatever happens, the lab (and every process in it, beacons included) goes away.
trap 'lab down --state "${STATE}"; rm -rf "${STATE}" "${WORK}"' EXIT

lab up --state "${STATE}" --hosts 4 --subnet "${SUBNET}"

play() {
    ansible-playbook -i "${STATE}/inventory.ini" -e "udp_state_dir=${WORK}" "$@"
}

# 1. Beacons on h1-h4; the second start changes nothing. Every host then finds the three others.
play --forks 2 beacons.yml -e udp_check_idempotence=true "$@"
play --forks 2 probe.yml -e udp_expect=3 "$@"

# 2. The same over IPv6 (ff12::b34c on eth0), as another app.
play --forks 2 beacons.yml -e udp_family=ipv6 -e udp_app=myapp6 "$@"
play --forks 2 probe.yml -e udp_family=ipv6 -e udp_app=myapp6 -e udp_expect=3 "$@"

# 3. A fifth host joins later and finds the four through their beacons alone.
lab add --state "${STATE}" --hosts 5
play --limit h5 probe.yml -e udp_expect=4 "$@"

# 4. h5 runs a permanent, service-style beacon that h1 finds.
play service.yml -e "udp_collection_root=${COLLECTIONS}/ansible_collections/peerage/peerage" "$@"

# 5. A shared secret: beacons restart with it (announcing every second). While h1-h4 probe,
#    h5 sends forged, unsigned, stale, unsolicited, foreign, oversized, garbage, wrong-version,
#    Peerage-format and control-character packets, and replays a real announcement twice.
printf 'udp_secret: %s\n' "$("${PYTHON}" -c 'import secrets; print(secrets.token_hex(16))')" > "${WORK}/secret.yml"
sed -n 's/^udp_secret: //p' "${WORK}/secret.yml" > "${WORK}/secret"
play --forks 2 beacons.yml -e "@${WORK}/secret.yml" -e udp_interval=1 "$@"
lab exec --state "${STATE}" --host h5 -- env "PYTHONPATH=${COLLECTIONS}" "${PYTHON}" "${HERE}/inject.py" \
    --secret-file "${WORK}/secret" --probers "${NET}.11,${NET}.12,${NET}.13,${NET}.14" > "${WORK}/inject.json" &
INJECTOR=$!
play --forks 4 --limit h1,h2,h3,h4 probe.yml -e "@${WORK}/secret.yml" -e udp_expect=0 -e udp_timeout=8 -e '{"udp_expected_dropped": {
    "mac": 2, "stale": 1, "unsolicited": 1, "cluster": 1, "oversized": 1, "malformed": 1,
    "version": 1, "peerage": 1, "node_name": 1, "replay": 2}}' "$@"
wait "${INJECTOR}"
cat "${WORK}/inject.json"

# 6. 30% loss into every host: each probe still finds every other host within the timeout.
lab netem --state "${STATE}" --loss 30
play --forks 2 --limit h1,h2,h3,h4 probe.yml -e "@${WORK}/secret.yml" -e udp_expect=3 -e udp_timeout=15 "$@"
lab netem --state "${STATE}" --clear

# 8. Co-existence with Peerage nodes. A listener on h17 stands where a Peerage node would: bound to
#    0.0.0.0 port 45900, joined to 230.1.1.1. First, 16 beacons with the collection's defaults answer
#    repeated probes (every host probing at once, twice) and it hears nothing: the two protocols'
#    defaults share no port. Then the same beacons also announce in Peerage's format: it hears all 16,
#    never more than 10 datagrams within 100 ms (Peerage's socket takes 10 before it must re-arm),
#    while every probe still finds all the others.
lab add --state "${STATE}" --hosts 17
STORM="h1,h2,h3,h4,h5,h6,h7,h8,h9,h10,h11,h12,h13,h14,h15,h16"
STORM_JSON='["h1","h2","h3","h4","h5","h6","h7","h8","h9","h10","h11","h12","h13","h14","h15","h16"]'
storm() {  # $1: announce_peerage; $2: file for the listener's report
    # Not through the lab function: $! must be the listener itself (lab.py execs ip, which execs it).
    "${PYTHON}" "${LAB_FILES}/lab.py" exec --state "${STATE}" --host h17 -- "${PYTHON}" "${LAB_FILES}/mcast.py" watch \
        --group 230.1.1.1 --port 45900 --iface eth0 --seconds 300 > "$2" &
    local listener=$!
    until grep -q ready "$2"; do sleep 0.1; done
    play --forks 8 beacons.yml -e udp_app=storm -e "udp_beacon_hosts=${STORM}" -e "udp_announce_peerage=$1" "${@:3}"
    for _round in 1 2; do
        play --forks 16 probe.yml -e udp_app=storm -e "udp_probe_hosts=${STORM}" -e "{\"udp_beacons\": ${STORM_JSON}}" \
            -e udp_expect=15 "${@:3}"
    done
    play probe.yml -e udp_app=storm -e udp_probe_hosts=h17 -e "{\"udp_beacons\": ${STORM_JSON}}" -e udp_expect=16 "${@:3}"
    # Peerage's pace is 3-7 s: stay long enough for every beacon to have announced.
    sleep 8
    kill -TERM "${listener}"
    wait "${listener}"
    cat "$2"
}
storm false "${WORK}/defaults.json" "$@"
"${PYTHON}" - "${WORK}/defaults.json" <<'CHECK'
import json, sys
report = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert report["received"] == 0, report
CHECK
storm true "${WORK}/peerage.json" "$@"
"${PYTHON}" - "${WORK}/peerage.json" <<'CHECK'
import json, sys
report = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print("Peer: packets heard on 230.1.1.1:45900: %(received)d from %(senders)s; at most %(max_in_window)d within 0.1 s" % report)
assert len(report["senders"]) == 16, report
assert report["max_in_window"] <= 10, report
CHECK
play --forks 8 beacons.yml -e udp_app=storm -e "udp_beacon_hosts=${STORM}" -e udp_beacon_state=stopped "$@"

# 7. Stopping: changed once, then not; no beacon of this run is left.
play --forks 2 beacons.yml -e udp_beacon_state=stopped "$@"
play --forks 2 beacons.yml -e udp_beacon_state=stopped -e udp_expect_change=false "$@"
play --forks 2 beacons.yml -e udp_beacon_state=stopped -e udp_app=myapp6 "$@"
if pgrep -f "${WORK}/" >&2; then
    echo "beacons of this run still run" >&2
    exit 1
fi
