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

# Inventory cannot choose code to run on the controller. A provider file
# outside the playbook's folder leaves a file when it is loaded; a pipe
# lookup as provider would run its terms as a shell command.
mkdir "$WORK/elsewhere"
cat >"$WORK/elsewhere/evil.py" <<PROVIDER
import pathlib

pathlib.Path("$WORK/evil-ran").write_text("loaded")


def poll(options):
    return ["evil@10.6.6.6"]
PROVIDER
local_host="ansible_connection=local ansible_python_interpreter=$PYTHON"
cat >"$WORK/trust.ini" <<INVENTORY
h1 $local_host
h2 $local_host peerage_via=$WORK/elsewhere/evil.py peerage_allow_any_provider_path=true
h3 $local_host peerage_via=ansible.builtin.pipe
INVENTORY
ansible-playbook -i "$WORK/trust.ini" trust.yml -e "work=$WORK" "$@"
[ ! -e "$WORK/evil-ran" ]
[ ! -e "$WORK/pipe-ran" ]
# The operator's own choice, on the command line, runs the same file.
ansible -i "$WORK/trust.ini" h1 -m ansible.builtin.debug -e "peerage_via=$WORK/elsewhere/evil.py" \
    -e peerage_allow_any_provider_path=true -a "msg={{ query('peerage.peerage.peers') }}" | tee "$WORK/operator.out"
grep -F 'evil@10.6.6.6' "$WORK/operator.out"
[ "$(cat "$WORK/evil-ran")" = loaded ]
