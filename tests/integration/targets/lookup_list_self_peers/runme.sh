#!/usr/bin/env bash
# The list, self and peers lookups, where options come from, the short names
# and custom providers. Lookups run on the controller only.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

PYTHON=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/peerage-lookups.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

playbook() {
    ansible-playbook -i "$INVENTORY_PATH" "$@"
}

# A provider file outside the playbook's folder: refused unless allowed.
cp unsorted_duplicates.py "$WORK/outside.py"
playbook providers.yml -e "outside_provider=$WORK/outside.py" "$@"
PEERAGE_ALLOW_ANY_PROVIDER_PATH=true ansible localhost -m ansible.builtin.debug \
    -a "msg={{ query('peerage.peerage.peers', via='$WORK/outside.py', app_name='x') }}" | tee "$WORK/outside.out"
grep -F 'x@HOST-A.example' "$WORK/outside.out"

# Option sources, lowest first: ansible.cfg [peerage], PEERAGE_* environment
# variables, Ansible variables (peerage_*), the lookup call.
ini="$WORK/ini.cfg"
printf '[peerage]\napp_name = fromini\nnode_list = i@10.0.0.2, i@10.0.0.1\nvia = list\n' >"$ini"
none="$WORK/none.cfg"
: >"$none"
ini_nodes='["i@10.0.0.1", "i@10.0.0.2"]'
env_nodes='["e@10.0.0.1", "e@10.0.0.3"]'

# with_env COMMAND...: run COMMAND with options in the environment.
with_env() {
    PEERAGE_APP_NAME=fromenv PEERAGE_NODE_LIST='e@10.0.0.3 e@10.0.0.1' PEERAGE_VIA=list "$@"
}

# precedence CONFIG WANT_APP WANT_NODES WANT_VIA TASK_APP [ansible-playbook args...]
precedence() {
    local config=$1 app=$2 nodes=$3 via=$4 task_app=$5
    shift 5
    ANSIBLE_CONFIG=$config playbook precedence.yml -e "want_app=$app" -e "{\"want_nodes\": $nodes}" \
        -e "want_via=$via" -e "task_app=$task_app" "$@"
}

precedence "$none" nonode '[]' dns fromtask
precedence "$ini" fromini "$ini_nodes" list fromtask
with_env precedence "$none" fromenv "$env_nodes" list fromtask
with_env precedence "$ini" fromenv "$env_nodes" list fromtask
# Extra vars beat task vars too.
with_env precedence "$ini" fromvars "$env_nodes" list fromvars -e peerage_app_name=fromvars
precedence "$none" fromvars '[]' dns fromvars -e peerage_app_name=fromvars

# The short names, with the one setting that puts them on the lookup path.
collections_dir=$(ansible-galaxy collection list peerage.peerage --format json |
    "$PYTHON" -c 'import json, sys; print(next(iter(json.load(sys.stdin))))')
shims="$collections_dir/peerage/peerage/legacy/lookup_plugins"
printf '[defaults]\nlookup_plugins = %s\n' "$shims" >"$WORK/short.cfg"
ANSIBLE_CONFIG="$WORK/short.cfg" playbook short_names.yml
# Or the environment's equivalent.
ANSIBLE_CONFIG="$none" ANSIBLE_LOOKUP_PLUGINS="$shims" playbook short_names.yml

# Without that setting the short names are not found.
if ANSIBLE_CONFIG="$none" playbook short_names.yml >"$WORK/no-short.out" 2>&1; then
    echo "peerage.dns resolved without lookup_plugins" >&2
    exit 1
fi
# ansible-core 2.16 to 2.18 say "lookup plugin (peerage.dns) not found".
grep -E "lookup plugin ('peerage\.dns' was not found|\(peerage\.dns\) not found)" "$WORK/no-short.out"
