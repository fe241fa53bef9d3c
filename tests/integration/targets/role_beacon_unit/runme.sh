#!/usr/bin/env bash
# The role's beacon unit as a real systemd reads it. unit.yml renders the
# role's template for a state_dir with a space, quotes, '$' and '%' in it and
# checks it with systemd-analyze verify; then a systemd user manager, in a
# private mount namespace of its own, runs the unit's ExecStart= line, and
# the launcher it starts records its arguments: they must be exactly the
# command the beacon module returned. systemd expands ${NAME} and reads $$
# and %% as one character, so a shell's quoting would pass other paths.
set -eux -o pipefail

HERE="$(pwd)"
COLLECTIONS="${ANSIBLE_COLLECTIONS_PATH%%:*}"
ROOT="${COLLECTIONS}/ansible_collections/peerage/peerage"
WORK="$(mktemp -d /tmp/peerage-beacon-unit.XXXXXX)"
trap 'rm -rf "${WORK}"' EXIT
# shellcheck disable=SC2016 # the '$' are meant literally: they are what systemd must not expand
STATE_DIR="${WORK}/"'state dir/it'"'"'s "${HOME}" $$ 100%'
mkdir -p "${STATE_DIR}/program"
# The launcher that records its arguments, and a config for it to be given.
cp "${HERE}/files/record_argv.py" "${STATE_DIR}/program/launcher.py"
echo '{}' >"${STATE_DIR}/myapp-45901.service.json"

extra="$(python3 -c 'import json, sys; print(json.dumps(dict(zip(["work", "state_dir", "unit_template"], sys.argv[1:]))))' \
    "${WORK}" "${STATE_DIR}" "${ROOT}/roles/peerage/templates/peerage-beacon.service.j2")"
ansible-playbook "${HERE}/unit.yml" -i "${INVENTORY_PATH}" -e "${extra}" "$@"

# The unit's ExecStart= in a unit of its own: the role's sandboxing needs the system manager.
units="${WORK}/units"
mkdir "${units}"
{
    printf '[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\n'
    grep '^ExecStart=' "${WORK}/peerage-beacon.service"
} >"${units}/record-argv.service"
printf '[Unit]\nDescription=Nothing else starts\n' >"${units}/default.target"
cat "${units}/record-argv.service"

unshare -m "${HERE}/files/user_manager.sh" "${units}" record-argv.service | tee "${WORK}/show.txt"
grep -qx 'Result=success' "${WORK}/show.txt"
python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
    "${STATE_DIR}/program/argv.json" "${WORK}/expected.json"
