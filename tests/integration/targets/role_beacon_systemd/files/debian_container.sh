#!/usr/bin/env bash
# A Debian bookworm container booted with systemd as PID 1 (systemd-nspawn, private network).
#
#   debian_container.sh boot ROOT [BIND...]   unpack the cached root file system into ROOT, boot it,
#                                             print the container's PID 1 (BIND: a host path shown read-only)
#   debian_container.sh run PID1 COMMAND...   run COMMAND inside
#   debian_container.sh stop PID1             power it off and wait until systemd-nspawn has exited
#
# The root file system is made once with debootstrap (about a minute) from the mirror apt uses and
# kept as a tarball in PEERAGE_CONTAINER_CACHE (default /var/cache/peerage-tests), named by what it
# holds; every boot unpacks a fresh copy, so each test starts on a new host.
set -eu -o pipefail
CACHE="${PEERAGE_CONTAINER_CACHE:-/var/cache/peerage-tests}"
PACKAGES="systemd,systemd-sysv,dbus,libnss-systemd,python3,iproute2,procps"
TARBALL="${CACHE}/bookworm-$(echo "${PACKAGES}" | sha256sum | cut -c1-12).tar"

mirror() {
    sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1
}

enter() {
    local pid1=$1
    shift
    nsenter -t "${pid1}" -m -u -i -n -p -C -r -w "$@"
}

case "$1" in
boot)
    root=$2
    shift 2
    if [ ! -s "${TARBALL}" ]; then
        mkdir -p "${CACHE}"
        building="$(mktemp -d "${CACHE}/build.XXXXXX")"
        trap 'rm -rf "${building}"' EXIT
        debootstrap --variant=minbase --include="${PACKAGES}" bookworm "${building}/root" "$(mirror)" >"${building}/log" 2>&1 ||
            { tail -20 "${building}/log" >&2; exit 1; }
        tar -C "${building}/root" -cf "${building}/root.tar" .
        mv "${building}/root.tar" "${TARBALL}"
        rm -rf "${building}"
        trap - EXIT
    fi
    mkdir -p "${root}"
    tar -C "${root}" -xf "${TARBALL}"
    binds=()
    for path in "$@"; do binds+=("--bind-ro=${path}"); done
    # --keep-unit --register=no: no host systemd or D-Bus to register with.
    systemd-nspawn -D "${root}" -b --private-network --register=no --keep-unit --console=passive "${binds[@]}" \
        >"${root}.log" 2>&1 &
    nspawn=$!
    # A container that does not come up is not left running.
    trap 'kill -KILL "${nspawn}" 2>/dev/null || true' EXIT
    # systemd-nspawn's first child sets the container up and is replaced by (or forks) its init.
    pid1=""
    for _ in $(seq 100); do
        for child in $(pgrep -P "${nspawn}" || true); do
            if [ "$(cat "/proc/${child}/comm" 2>/dev/null)" = systemd ]; then
                pid1=${child}
            fi
        done
        [ -n "${pid1}" ] && break
        sleep 0.1
    done
    [ -n "${pid1}" ] || { cat "${root}.log" >&2; exit 1; }
    # Right after boot the bus may not answer yet.
    for _ in $(seq 50); do
        if enter "${pid1}" systemctl is-system-running --wait >/dev/null 2>&1; then
            trap - EXIT
            echo "${pid1}"
            exit 0
        fi
        sleep 0.2
    done
    enter "${pid1}" systemctl --failed >&2 || true
    echo "the container did not boot: $(enter "${pid1}" systemctl is-system-running 2>&1)" >&2
    exit 1
    ;;
run)
    pid1=$2
    shift 2
    enter "${pid1}" "$@"
    ;;
stop)
    pid1=$2
    nspawn="$(ps -o ppid= -p "${pid1}" | tr -d ' ')"
    enter "${pid1}" systemctl poweroff || kill -TERM "${nspawn}" || true
    for _ in $(seq 100); do
        kill -0 "${nspawn}" 2>/dev/null || exit 0
        sleep 0.1
    done
    kill -KILL "${nspawn}" 2>/dev/null || true
    ;;
*)
    sed -n '2,11s/^# \{0,1\}//p' "$0" >&2
    exit 2
    ;;
esac
