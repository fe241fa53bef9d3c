#!/usr/bin/env bash
# Run in a private mount namespace (unshare -m): start a systemd user manager
# that knows only the units of $1, start the unit $2 and wait until it ends.
# /run is a tmpfs of this namespace, where /run/systemd/system tells the
# manager it runs on a systemd system; the manager is killed on the way out.
set -eu -o pipefail
units="$1"
unit="$2"
mount --make-rprivate /
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/system /run/user/0
export XDG_RUNTIME_DIR=/run/user/0 SYSTEMD_UNIT_PATH="${units}"
/lib/systemd/systemd --user >"${units}/manager.log" 2>&1 &
manager=$!
# A user manager takes SIGTERM as a request to stop its units, not to exit.
trap 'kill -KILL "${manager}"; wait "${manager}" || true' EXIT
for _ in $(seq 50); do
    if timeout 5 systemctl --user is-system-running >/dev/null 2>&1; then
        break
    fi
    sleep 0.2
done
timeout 10 systemctl --user show --property ExecStart "${unit}"
timeout 30 systemctl --user start "${unit}"
timeout 10 systemctl --user show --property Result,ExecMainStatus "${unit}"
