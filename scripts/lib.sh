# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this file
# Shared by scripts/bootstrap, scripts/test and scripts/demo: paths, messages,
# set-up steps whose output goes to a log.

PEERAGE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERAGE_BUILD="$PEERAGE_ROOT/.build"
PEERAGE_VENV="$PEERAGE_BUILD/venv"
# ansible-test only works on a checkout at .../ansible_collections/NAMESPACE/NAME/.
PEERAGE_COLLECTIONS="$PEERAGE_BUILD/collections"
PEERAGE_LAYOUT="$PEERAGE_COLLECTIONS/ansible_collections/peerage/peerage"

say() {
    printf '==> %s\n' "$*" >&2
}

die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

# Where set-up steps (pip, apt) write their output; a script may point it
# at a log of its own (scripts/demo does).
PEERAGE_STEP_LOG=${PEERAGE_STEP_LOG:-$PEERAGE_BUILD/logs/setup.log}

# logged WHAT COMMAND...: run COMMAND with its output appended to
# PEERAGE_STEP_LOG; when it fails, say so and print the end of the log and
# the log's path.
logged() {
    local what=$1 status=0
    shift
    mkdir -p "$(dirname "$PEERAGE_STEP_LOG")"
    printf '\n### %s: %s\n' "$what" "$*" >>"$PEERAGE_STEP_LOG"
    "$@" >>"$PEERAGE_STEP_LOG" 2>&1 </dev/null || status=$?
    if [[ $status -ne 0 ]]; then
        say "$what: FAILED; the end of its output:"
        tail -n 25 "$PEERAGE_STEP_LOG" | sed 's/^/    /' >&2
        say "full output: ${PEERAGE_STEP_LOG#"$PEERAGE_ROOT"/}"
    fi
    return $status
}

# step WHAT COMMAND...: the same, and one line when it succeeds: WHAT and
# its seconds.
step() {
    local what=$1 started=$SECONDS
    logged "$@" || return
    say "$what: done ($((SECONDS - started))s)"
}

# Install the Debian packages given that are not installed yet (apt-get
# update once, then apt-get install), as root or through sudo -n; fail
# naming them when neither is possible.
ensure_debian_packages() {
    local package missing=()
    if ! command -v dpkg-query >/dev/null; then
        say "not a Debian system: make sure these are installed: $*"
        return 0
    fi
    for package in "$@"; do
        if [[ $(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null) != installed ]]; then
            missing+=("$package")
        fi
    done
    [[ ${#missing[@]} -gt 0 ]] || return 0
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        if ! sudo -n true 2>/dev/null; then
            say "missing Debian packages: ${missing[*]} (run this once as root, or install them)"
            return 1
        fi
        sudo=(sudo -n)
    fi
    step "apt-get update" "${sudo[@]}" apt-get update -q &&
        step "installing Debian packages: ${missing[*]}" "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Hold an exclusive lock on FILE for the rest of the script, so two runs
# started at once in the same checkout do not share one venv or layout (or,
# with WHO "on this machine", one lab). WHO says whose run is waited for.
hold_lock() {
    local file=$1 who=${2:-"in this checkout"} fd
    mkdir -p "$(dirname "$file")"
    exec {fd}>"$file"
    if ! flock -n "$fd"; then
        # On the terminal even when the caller's output goes to a log.
        say "waiting for another run $who ($file)" 2>&"${PEERAGE_TERMINAL_FD:-2}"
        flock "$fd"
    fi
}

# The version matrix (see tests/matrix/versions.txt): one venv per
# ansible-core minor, .build/venv-MINOR, with the pins of
# tests/matrix/ansible-core-MINOR.txt.
PEERAGE_MATRIX="$PEERAGE_ROOT/tests/matrix"

# Print "MINOR PYTHON STAGES..." for each row of the matrix table.
matrix_rows() {
    sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PEERAGE_MATRIX/versions.txt"
}

# Print the path of a working CPython X.Y interpreter, or fail naming where
# it looked. Debian's /usr/bin comes first, then pyenv's installed versions
# (called directly: pyenv's shims only run the versions made global).
find_python() {
    local version=$1 candidate pyenv_root
    pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
    for candidate in "/usr/bin/python$version" "/usr/local/bin/python$version" \
        "$pyenv_root"/versions/"$version".*/bin/"python$version"; do
        [[ -x $candidate ]] || continue
        if [[ $("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) == "$version" ]]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    say "Python $version not found in /usr/bin, /usr/local/bin or $pyenv_root/versions/$version.*"
    return 1
}

# Create VENV with PYTHON (a command or path) and install the exact pins of
# PINS, unless the stamp VENV/.peerage-pins says it already holds them for
# that Python. pip leaves packages that already match their pin alone.
venv_digest() {
    local venv=$1 pins=$2
    { cat "$pins"; "$venv/bin/python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1
}

ensure_venv() {
    local venv=$1 python=$2 pins=$3 stamp="$1/.peerage-pins" digest
    if [[ -f $stamp ]] && "$venv/bin/python" -c '' 2>/dev/null && [[ $(cat "$stamp") == "$(venv_digest "$venv" "$pins")" ]]; then
        return 0
    fi
    if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
        rm -rf "$venv"
        step "creating ${venv#"$PEERAGE_ROOT"/} with $python" "$python" -m venv "$venv" || return 1
    fi
    step "installing the pins of ${pins#"$PEERAGE_ROOT"/} into ${venv#"$PEERAGE_ROOT"/}" \
        "$venv/bin/python" -m pip install --disable-pip-version-check -r "$pins" || return 1
    digest=$(venv_digest "$venv" "$pins")
    printf '%s\n' "$digest" >"$stamp"
}

# ansible-test --venv bootstraps pip with get-pip.py from its cache, and
# downloads it from a host this network cannot reach when it is missing.
# Put the offline stand-in there under the name of every pip version the
# ansible-test of VENV asks for (one per target Python family).
ensure_get_pip() {
    local venv=$1 stand_in="$PEERAGE_ROOT/tests/utils/get_pip_offline.py" pip_version target
    for pip_version in $("$venv/bin/python" - <<'PY'
import pathlib, re
import ansible_test
source = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(" ".join(sorted(set(re.findall(r"pip='([0-9.]+)'", source.read_text())))))
PY
    ); do
        target="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
        # Keep a real get-pip.py that is already there; refresh an older copy of the stand-in.
        if [[ ! -f $target ]] || { grep -q 'Stand-in for pip' "$target" && ! cmp -s "$stand_in" "$target"; }; then
            say "writing the offline pip bootstrap script $target"
            mkdir -p "$(dirname "$target")"
            cp "$stand_in" "$target"
        fi
    done
}

# ansible-test installs each sanity test's tools from requirement files of
# its own; a release may pin one to a source archive on a code host this
# network cannot reach. Write the package index release of
# tests/matrix/ansible-test-requirements.txt in its place in the ansible-test
# of VENV; fail, naming the requirement, when that file has none for it.
ensure_index_requirements() {
    local venv=$1
    logged "ansible-test's requirements from the package index in ${venv#"$PEERAGE_ROOT"/}" \
        "$venv/bin/python" "$PEERAGE_ROOT/tests/utils/index_requirements.py" \
        "$PEERAGE_ROOT/tests/matrix/ansible-test-requirements.txt"
}

# Copy the working tree (not only committed files) to LAYOUT, a path like
# .../ansible_collections/peerage/peerage, as ansible-test and Ansible need.
# Files that .gitignore names stay out, and ansible-test's own tests/output
# in the copy is kept, since excluded files are not deleted.
lay_out_collection() {
    local layout=$1
    mkdir -p "$layout"
    rsync -a --delete \
        --exclude /.git --exclude /.build --exclude /tests/output \
        --filter=':- .gitignore' \
        "$PEERAGE_ROOT/" "$layout/"
    # ansible-test takes its file list from the nearest git repository above
    # the layout; without one of its own that is this checkout, where .build
    # is ignored, and every test would find no files. An empty repository
    # makes it list the copied files (untracked, minus .gitignore).
    if [[ ! -d $layout/.git ]]; then
        git init -q "$layout"
    fi
}
