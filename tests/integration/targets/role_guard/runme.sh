#!/usr/bin/env bash
# The peerage role with local connections: what it writes, that a rerun
# changes and notifies nothing, that the guard and a failed discovery leave
# every file byte for byte as it was, that --check writes nothing, and that
# wrong settings fail before anything runs.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

HERE="$(pwd)"
OUT="$(mktemp -d /tmp/peerage-role-guard.XXXXXX)"
# Outside the playbook's folder and outside OUT, whose files are compared between runs.
ELSEWHERE="$(mktemp -d /tmp/peerage-role-elsewhere.XXXXXX)"
trap 'rm -rf "${OUT}" "${ELSEWHERE}"' EXIT
HOSTS=(n1 n2 n3)
RUN=0

play() {
    RUN=$((RUN + 1))
    ansible-playbook -i "${HERE}/inventory.ini" "${HERE}/site.yml" -e "out_dir=${OUT}" -e "run_id=${RUN}" "$@" 2>&1 |
        tee "${OUT}/play.log"
}

# A run that must fail; its output is kept in play.log.
play_fails() {
    if play "$@"; then
        echo "the run was expected to fail" >&2
        return 1
    fi
}

changed_count() {
    sed -n '/^PLAY RECAP/,$p' "${OUT}/play.log" | grep -o 'changed=[0-9]*' | cut -d= -f2 | awk '{ sum += $1 } END { print sum + 0 }'
}

# Every file the role or the handler wrote, with its checksum and mode.
snapshot() {
    (cd "${OUT}" && find . -type f ! -name play.log -print0 | sort -z | xargs -0 stat -c '%a %n' &&
        find . -type f ! -name play.log -print0 | sort -z | xargs -0 sha256sum)
}

# Lines of the log that report a failure for host $1.
fatal() {
    grep "^fatal: \[$1\]" "${OUT}/play.log"
}

# --- the first run writes every file and notifies ----------------------------
play
[ "$(changed_count)" -gt 0 ]
for host in "${HOSTS[@]}"; do
    [ "$(cat "${OUT}/${host}/notified")" = 1 ]
    cmp "${OUT}/n1/sys.config" "${OUT}/${host}/sys.config"
done
printf '%s\n' '%% Managed by peerage.peerage' \
    "[{kernel, [{sync_nodes_mandatory, ['app@10.0.0.1', 'app@10.0.0.2', 'app@10.0.0.3']}, {sync_nodes_timeout, 5000}]}]." |
    cmp - "${OUT}/n1/sys.config"
echo '["app@10.0.0.1","app@10.0.0.2","app@10.0.0.3"]' | cmp - "${OUT}/n2/peers.json"
[ "$(stat -c %a "${OUT}/n2/peers.json")" = 600 ]
printf '%s\n' '# 3 members, for members.txt' 10.0.0.1 10.0.0.2 10.0.0.3 | cmp - "${OUT}/n3/members.txt"
written="$(snapshot)"

# --- a second run changes nothing and notifies nothing -----------------------
play
[ "$(changed_count)" -eq 0 ]
[ "$(snapshot)" = "${written}" ]

# peerage_peers is each host's fact, set once by the guard: a later task that
# changes a guard setting reads it as it was, and other plays find it in hostvars.
ansible-playbook -i "${HERE}/inventory.ini" "${HERE}/after_the_role.yml" -e "out_dir=${OUT}" -e "run_id=${RUN}" 2>&1 |
    tee "${OUT}/play.log"
[ "$(changed_count)" -eq 0 ]
[ "$(snapshot)" = "${written}" ]

# Discovery on each host gives the same files as one on the controller.
play -e peerage_discover_on=hosts
[ "$(changed_count)" -eq 0 ]
grep -q 'TASK \[peerage.peerage.peerage : Discover through list\]' "${OUT}/play.log"
[ "$(snapshot)" = "${written}" ]

# The list is given once to the lookup on the controller, not once per host.
play -v
[ "$(grep -c 'peerage: the list provider found 3 peer(s)' "${OUT}/play.log")" -eq 1 ]

# --- --check --diff shows the change and writes nothing ----------------------
play --check --diff -e peerage_include_self=false
[ "$(changed_count)" -gt 0 ]
grep -qxF -- "+[{kernel, [{sync_nodes_mandatory, ['app@10.0.0.2', 'app@10.0.0.3']}, {sync_nodes_timeout, 5000}]}]." "${OUT}/play.log"
# peers.json has mode 0600: a secret file, whose diff names the node names instead of its text.
grep -qxF -- 'node names removed: app@10.0.0.2' "${OUT}/play.log"
if grep -qF -- '["app@10.0.0.1","app@10.0.0.3"]' "${OUT}/play.log"; then exit 1; fi
[ "$(snapshot)" = "${written}" ]

# --- the guard: nothing is written when too few peers were found -------------
play_fails -e peerage_min_peers=4
for host in "${HOSTS[@]}"; do
    fatal "${host}" | grep -qF 'peerage: the list provider found 3 peer(s) (app@10.0.0.1, app@10.0.0.2, app@10.0.0.3), fewer than peerage_min_peers=4; no file was changed.'
done
[ "$(snapshot)" = "${written}" ]

# --- the shrink guard: a flap that drops most of the cluster is refused -------
# Each host would keep itself and app@10.0.0.9, losing 2 of its 3 peers: more
# than the default allows (fewer than half). Refused before any file is touched.
play_fails -e '{"peerage_node_list": ["app@10.0.0.9"]}'
for host in "${HOSTS[@]}"; do
    fatal "${host}" | grep -qF "peerage: the shrink guard refused this peer list: ${OUT}/${host}/sys.config would lose 2 of its 3 peers"
    fatal "${host}" | grep -qF "a run may remove fewer than half of the previous peers (peerage_max_removed unset)."
    fatal "${host}" | grep -qF "set peerage_allow_shrink=true or raise peerage_max_removed; no file was changed."
done
fatal n1 | grep -qF "${OUT}/n1/sys.config would lose 2 of its 3 peers (app@10.0.0.2, app@10.0.0.3)"
[ "$(snapshot)" = "${written}" ]
# peerage_max_removed=1 is not enough either; the message names the limit.
play_fails -e '{"peerage_node_list": ["app@10.0.0.9"]}' -e peerage_max_removed=1
fatal n2 | grep -qF "${OUT}/n2/sys.config would lose 2 of its 3 peers (app@10.0.0.1, app@10.0.0.3)"
fatal n2 | grep -qF "a run may remove peerage_max_removed=1."
[ "$(snapshot)" = "${written}" ]
# Allowed on purpose, under --check: it would change, and nothing is written.
play --check -e '{"peerage_node_list": ["app@10.0.0.9"]}' -e peerage_allow_shrink=true
[ "$(changed_count)" -gt 0 ]
[ "$(snapshot)" = "${written}" ]

# An empty result never replaces a working list, even with peerage_min_peers=0.
play_fails -e '{"peerage_node_list": []}' -e peerage_min_peers=0
for host in "${HOSTS[@]}"; do
    fatal "${host}" | grep -qF 'the list provider found no peers, and an empty peer list is only written with peerage_allow_empty=true'
done
[ "$(snapshot)" = "${written}" ]

# The guard checks the list each host writes, after removing the host itself:
# discovery finding only n1 leaves n1 with an empty list, which is refused.
play_fails --limit n1 -e '{"peerage_node_list": ["app@10.0.0.1"]}' -e peerage_include_self=false
fatal n1 | grep -qF 'peerage: the list provider found only this host (app@10.0.0.1), so with peerage_include_self=false its peer list would be empty, and an empty peer list is only written with peerage_allow_empty=true; no file was changed.'
[ "$(snapshot)" = "${written}" ]
# peerage_min_peers counts that list too: n1 would write 2 names.
play_fails --limit n1 -e peerage_include_self=false -e peerage_min_peers=3
fatal n1 | grep -qF "peerage: this host's peer list would name 2 node(s) (app@10.0.0.2, app@10.0.0.3; the list provider found app@10.0.0.1, app@10.0.0.2, app@10.0.0.3, and peerage_include_self=false), fewer than peerage_min_peers=3; no file was changed."
[ "$(snapshot)" = "${written}" ]

# Peers named app@... never get this host added as another app's node.
play_fails -e peerage_app_name=other
fatal n1 | grep -qF "peerage: peerage_include_self=true would add this host as other@10.0.0.1, but the peers found are named app@10.0.0.1, app@10.0.0.2, app@10.0.0.3 (app name 'app'), not 'other': set peerage_app_name"
[ "$(snapshot)" = "${written}" ]
# With peerage_app_name unset, this host would be nonode@...: refused, naming the variable.
ansible-playbook -i "${HERE}/inventory.ini" "${HERE}/no_app_name.yml" -e "out_dir=${OUT}" 2>&1 | tee "${OUT}/play.log" && exit 1
fatal n1 | grep -qF "would add this host as nonode@10.0.0.1, but the peers found are named app@10.0.0.1, app@10.0.0.2, app@10.0.0.3 (app name 'app'), not 'nonode': set peerage_app_name to the peers' app name (it is unset, so 'nonode')"
[ "$(snapshot)" = "${written}" ]

# Every file is checked and rendered before the first is written: n2's second
# file has a bad option, so n2 writes neither (n1, checked for the play, passes).
play_fails -e "{\"peerage_files\": [{\"dest\": \"${OUT}/{{ inventory_hostname }}/first.json\", \"format\": \"json\"},
    {\"dest\": \"${OUT}/{{ inventory_hostname }}/second.config\", \"format\": \"erlang_config\",
     \"options\": {\"mandatory\": \"{{ 'maybe' if inventory_hostname == 'n2' else 'yes' }}\"}}]}"
fatal n2 | grep -qF "peerage: peerage_files[1] (dest ${OUT}/n2/second.config): invalid erlang_config option mandatory 'maybe': expected a boolean (true or false); no file was changed."
[ ! -e "${OUT}/n2/first.json" ] && [ ! -e "${OUT}/n2/second.config" ]
[ -e "${OUT}/n1/first.json" ] && [ -e "${OUT}/n1/second.config" ]
rm -f "${OUT}"/n*/first.json "${OUT}"/n*/second.config
grep -lE 'first.json|second.config' "${OUT}"/n*/state/files/*.json | xargs rm
# n1 and n3 wrote, so their handler ran: only its record changed.
[ "$(grep -v notified <<<"$(snapshot)")" = "$(grep -v notified <<<"${written}")" ]
written="$(snapshot)"

# A vaulted secret of another play (undefined here) is never read by a list or dns run.
for where in controller hosts; do
    play -e peerage_discover_on="${where}" -e '{"peerage_secret": "{{ vault_peerage_secret }}"}'
    [ "$(changed_count)" -eq 0 ]
done

# A failed discovery is never "no peers": nothing answers on port 9, and the
# run fails on every host, on the controller or on the hosts, whatever
# peerage_allow_empty says.
for where in controller hosts; do
    play_fails -e peerage_via=dns -e peerage_discover_on="${where}" -e peerage_allow_empty=true -e peerage_min_peers=0 \
        -e '{"peerage_nameserver": ["127.0.0.1:9"], "peerage_dns_name": ["app.peerage.test"], "peerage_retries": 0}'
    for host in "${HOSTS[@]}"; do
        # In the collection's own words, whatever ansible-core wraps around a failed lookup.
        fatal "${host}" | grep -qF "peerage: discovery through the dns provider failed, so no file was changed (a failed discovery is not an empty one): DNS lookup of 'app.peerage.test'"
    done
    [ "$(snapshot)" = "${written}" ]
done

# --- wrong settings fail before discovery ------------------------------------
play_fails -e peerage_via=udp
grep -qF 'peerage_via=udp probes the network segment of the hosts: set peerage_discover_on=hosts' "${OUT}/play.log"
play_fails -e peerage_via=static_peers -e peerage_discover_on=hosts
grep -qF 'custom providers run on the controller only: set peerage_discover_on=controller' "${OUT}/play.log"
play_fails -e '{"peerage_files": [{"dest": "/tmp/x", "format": "json", "src": "members.j2"}]}'
grep -qF 'peerage: peerage_files[0] (dest /tmp/x): it needs exactly one of format (a built-in format) or src (a template); no file was changed.' "${OUT}/play.log"
play_fails -e '{"peerage_files": [{"dest": "/tmp/x", "format": "yaml"}]}'
grep -qF "peerage: peerage_files[0] (dest /tmp/x): format 'yaml' is not one of erlang_config, hosts_erlang," "${OUT}/play.log"
# The settings are checked once for the play, before discovery.
if grep -q 'Discover the peers once for the play' "${OUT}/play.log"; then exit 1; fi
play_fails -e peerage_discover_on=everywhere
# The argument spec is checked once for the play, not by a task on every host.
grep -qF "peerage: the role's settings do not fit meta/argument_specs.yml: value of peerage_discover_on must be one of: controller, hosts, got: everywhere; no file was changed." "${OUT}/play.log"
if grep -q "Validating arguments against arg spec" "${OUT}/play.log"; then exit 1; fi
if grep -q 'TASK \[peerage.peerage.peerage : Write each peer file\]' "${OUT}/play.log"; then exit 1; fi
[ "$(snapshot)" = "${written}" ]
# A setting a host uses on its own is checked for that host where it is used:
# n3 alone is refused, naming the variable, and keeps its files.
play_fails -e 'peerage_min_peers={{ "three" if inventory_hostname == "n3" else 1 }}'
fatal n3 | grep -qF "invalid peerage_min_peers 'three': expected a whole number >= 0"
if fatal n1 || fatal n2; then exit 1; fi
[ "$(snapshot)" = "${written}" ]

# --- inventory cannot choose code to run on the controller -------------------
# Group variables that name a provider file outside the playbook's folder and
# allow any path, or the pipe lookup as provider: the role passes neither as
# the lookup call's own, the lookup refuses them, and nothing runs or is written.
cat >"${ELSEWHERE}/evil.py" <<PROVIDER
import pathlib

pathlib.Path("${ELSEWHERE}/evil-ran").write_text("loaded")


def poll(options):
    return ["app@10.6.6.6"]
PROVIDER
for chosen in "peerage_via=${ELSEWHERE}/evil.py" peerage_via=ansible.builtin.pipe; do
    # inventory.ini ends in [cluster:vars]: the lines added are group variables.
    { cat "${HERE}/inventory.ini"; printf '%s\n' "${chosen}" peerage_allow_any_provider_path=true; } >"${ELSEWHERE}/inventory.ini"
    if ansible-playbook -i "${ELSEWHERE}/inventory.ini" "${HERE}/inventory_provider.yml" -e "out_dir=${OUT}" 2>&1 |
        tee "${OUT}/play.log"; then
        echo "the run was expected to fail" >&2
        exit 1
    fi
    for host in "${HOSTS[@]}"; do
        fatal "${host}" | grep -qF "${chosen%%=*}='${chosen#*=}' is set for host n1 by its inventory, a host or group variable"
    done
    [ ! -e "${ELSEWHERE}/evil-ran" ]
    [ "$(snapshot)" = "${written}" ]
done
# Chosen by the operator, on the command line, the same file runs.
# (A deliberate change of the whole list: peerage_allow_shrink lifts the shrink guard.)
play -e "peerage_via=${ELSEWHERE}/evil.py" -e peerage_allow_any_provider_path=true -e peerage_include_self=false \
    -e peerage_allow_shrink=true
[ "$(cat "${ELSEWHERE}/evil-ran")" = loaded ]
echo '["app@10.6.6.6"]' | cmp - "${OUT}/n1/peers.json"

# --- other providers ---------------------------------------------------------
# A custom provider on the controller: its names are validated, deduplicated and sorted.
play -e peerage_via=static_peers -e "{\"peerage_provider_paths\": [\"${HERE}/providers\"]}" -e peerage_include_self=false \
    -e peerage_allow_shrink=true
echo '["app@10.0.0.8","app@10.0.0.9"]' | cmp - "${OUT}/n1/peers.json"
[ "$(cat "${OUT}/n1/notified")" = "${RUN}" ]

# self names each host itself, also when discovered on the controller.
play -e peerage_via=self -e peerage_allow_shrink=true
echo '["app@10.0.0.2"]' | cmp - "${OUT}/n2/peers.json"
echo '["app@10.0.0.3"]' | cmp - "${OUT}/n3/peers.json"

# peerage_allow_empty writes an empty discovery: each host then names only itself.
play -e '{"peerage_node_list": []}' -e peerage_min_peers=0 -e peerage_allow_empty=true -e peerage_allow_shrink=true
echo '["app@10.0.0.1"]' | cmp - "${OUT}/n1/peers.json"
play -e '{"peerage_node_list": []}' -e peerage_min_peers=0 -e peerage_allow_empty=true -e peerage_include_self=false \
    -e peerage_allow_shrink=true
echo '[]' | cmp - "${OUT}/n1/peers.json"

# Back to the cluster's list: the files are as the first run wrote them.
play
for host in "${HOSTS[@]}"; do
    [ "$(cat "${OUT}/${host}/notified")" = "${RUN}" ]
done
[ "$(grep -v notified <<<"$(snapshot)")" = "$(grep -v notified <<<"${written}")" ]

# --- a host's own node name is the one its peers use --------------------------
# Hosts known by name only, peers named by address: each host would add itself
# as app@web1.bars.test, a node that no host is. Refused before anything is
# written, naming peerage_address.
named() {
    ansible-playbook -i "${HERE}/named_hosts.ini" "${HERE}/site.yml" -e "out_dir=${OUT}" -e run_id=named \
        -e '{"peerage_node_list": ["app@10.0.0.5", "app@10.0.0.6"]}' "$@" 2>&1 | tee "${OUT}/play.log"
}
if named; then exit 1; fi
for host in web1 web2; do
    fatal "${host}.bars.test" | grep -qF "peerage: peerage_include_self=true would add this host as app@${host}.bars.test, a node that no host is: the peers found (app@10.0.0.5, app@10.0.0.6) are named by IPv4 address, and this host's address, ${host}.bars.test (from peerage_address, else ansible_host, else inventory_hostname), is a hostname. Set peerage_address"
    [ -z "$(find "${OUT}/${host}.bars.test" -type f)" ]
done
# With each host's address given, every host writes the two names and no third.
named -e 'peerage_address={{ {"web1.bars.test": "10.0.0.5", "web2.bars.test": "10.0.0.6"}[inventory_hostname] }}'
for host in web1 web2; do
    echo '["app@10.0.0.5","app@10.0.0.6"]' | cmp - "${OUT}/${host}.bars.test/peers.json"
done
# The host's own name among the peers', spelled otherwise: refused, naming the peers' spelling.
if named -e '{"peerage_node_list": ["app@web1.bars.test", "app@web2.bars.test"]}' \
    -e 'peerage_address={{ inventory_hostname_short }}'; then
    exit 1
fi
fatal web1.bars.test | grep -qF "peerage: peerage_include_self=true would add this host as app@web1, but the peers found include app@web1.bars.test, the same host spelled otherwise; a node has one name, so the list would name a node that no host is. Set peerage_address to web1.bars.test"
echo '["app@10.0.0.5","app@10.0.0.6"]' | cmp - "${OUT}/web1.bars.test/peers.json"

# --- a file that is or was secret is never shown in a diff --------------------
# A release_env file with a cookie, then the same entry without it (the cookie
# moved elsewhere): --check --diff and a real run with --diff name the node
# names, never the old cookie.
release_env() {
    printf '{"peerage_files": [{"dest": "%s/{{ inventory_hostname }}/release.env", "format": "release_env", "options": %s}]}' \
        "${OUT}" "$1"
}
play --limit n1 -e "$(release_env '{"cookie": "OLDSECRETCOOKIE"}')"
[ "$(stat -c %a "${OUT}/n1/release.env")" = 600 ]
grep -qx 'RELEASE_COOKIE="OLDSECRETCOOKIE"' "${OUT}/n1/release.env"
for mode in --check ""; do
    play --limit n1 --diff ${mode} -e "$(release_env '{}')" -e peerage_app_name=other -e peerage_include_self=false
    if grep -q OLDSECRETCOOKIE "${OUT}/play.log"; then exit 1; fi
    grep -qxF -- "${OUT}/n1/release.env: a secret file, its content is not shown" "${OUT}/play.log"
    grep -qxF -- 'node names added: other@10.0.0.1' "${OUT}/play.log"
    grep -qxF -- 'node names removed: app@10.0.0.1' "${OUT}/play.log"
done
if grep -q OLDSECRETCOOKIE "${OUT}/n1/release.env"; then exit 1; fi
rm "${OUT}/n1/release.env"

# --- the pending-restart marker -----------------------------------------------
# The restart step acts on the marker where a start or restart is pending.
# peerage_service does not exist here, so those runs fail in the restart step,
# after the write step has left its marker, and the marker stays.
MARKED="$(mktemp -d /tmp/peerage-role-marker.XXXXXX)"
trap 'rm -rf "${OUT}" "${ELSEWHERE}" "${MARKED}"' EXIT
marked() {
    ansible-playbook -i "${HERE}/inventory.ini" "${HERE}/site.yml" -e "out_dir=${MARKED}" -e run_id=marked \
        -e 'peerage_service=svc-{{ inventory_hostname }}' "$@" 2>&1 | tee "${OUT}/play.log"
}
marker() {
    cat "${MARKED}/$1/state/svc-$1.pending"
}
no_markers() {
    for host in "${HOSTS[@]}"; do [ ! -e "${MARKED}/${host}/state/svc-${host}.pending" ]; done
}
# restart_failed N: N hosts failed, in the restart step (a rolling restart stops at its first).
restart_failed() {
    [ "$(grep -c '^fatal: ' "${OUT}/play.log")" -eq "$1" ]
    grep -q 'TASK \[peerage.peerage.peerage : Start or restart behind a health gate: svc-n[0-9]*\]' "${OUT}/play.log"
    grep -q 'could not be started\|could not be restarted' "${OUT}/play.log"
}
# --check on new hosts: no file, no record, no marker, nothing started.
marked --check
[ -z "$(find "${MARKED}" -type f)" ]
# New hosts: "start", whatever the restart mode but never.
marked -e peerage_restart=never
no_markers
rm -rf "${MARKED:?}"/*
marked && exit 1
restart_failed 3
for host in "${HOSTS[@]}"; do
    [ "$(marker "${host}")" = start ]
    [ "$(stat -c %a "${MARKED}/${host}/state/svc-${host}.pending")" = 600 ]
done
# A marker is kept until the restart step has done its work, also when nothing changes.
marked && exit 1
restart_failed 3
for host in "${HOSTS[@]}"; do [ "$(marker "${host}")" = start ]; done
rm "${MARKED}"/n*/state/svc-n*.pending
# A member whose file changed: no marker under new_hosts (updated, not restarted)...
marked -e '{"peerage_node_list": ["app@10.0.0.1", "app@10.0.0.2", "app@10.0.0.3", "app@10.0.0.4"]}'
no_markers
grep -qF 'file updated, takes effect at next start: n1, n2, n3' "${OUT}/play.log"
# ...and "restart" under rolling; --check writes none.
marked --check -e peerage_restart=rolling
no_markers
marked -e peerage_restart=rolling && exit 1
restart_failed 1
for host in "${HOSTS[@]}"; do [ "$(marker "${host}")" = restart ]; done
# A service name that would leave the state folder is refused.
ansible-playbook -i "${HERE}/inventory.ini" "${HERE}/site.yml" -e "out_dir=${MARKED}" -e run_id=marked \
    -e 'peerage_service=../escape' 2>&1 | tee "${OUT}/play.log" && exit 1
fatal n1 | grep -qF "peerage: invalid peerage_service '../escape': a service name may not contain '/' or start with '.'"
[ ! -e "${MARKED}/n1/escape.pending" ]
