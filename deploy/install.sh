#!/usr/bin/env bash
# Installs copilot-gateway as a systemd service (see "Run as a systemd service" in the README).
# Run it from a clone of the repository; --help lists the options. Running it again is safe:
# it replaces the binary and the unit, and never touches an existing settings file or state.
set -euo pipefail

service=copilot-gateway
service_user=copilot-gateway
conf_dir=/etc/copilot-gateway
env_file=$conf_dir/copilot-gateway.env
state_dir=/var/lib/copilot-gateway
unit_dir=/etc/systemd/system
prefix=${PREFIX:-/usr/local}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<EOF
Usage: deploy/install.sh [--binary PATH] [--root DIR]
       deploy/install.sh --uninstall [--purge] [--root DIR]

Installs copilot-gateway as a systemd service, as root:
  - the binary as \$PREFIX/bin/copilot-gateway (PREFIX=${prefix}): --binary PATH, else the
    self-contained dist/copilot-gateway (built by scripts/build-release if it is missing; it
    needs no Swift toolchain on this machine);
  - the system user $service_user;
  - $env_file (from .env.example, with a new API key), only if it does not exist yet;
  - $state_dir (mode 0700) for the token cache and conversations.sqlite;
  - $unit_dir/$service.service, then 'systemctl daemon-reload' and 'systemctl enable'
    (the service is not started: sign in first, as the next steps printed at the end say).

Options:
  --binary PATH  install this binary instead of building one
  --root DIR     install into DIR instead of / (for packaging and tests; also DESTDIR=DIR);
                 systemctl is not run then
  --uninstall    stop and disable the service, remove the unit and the binary (under the same
                 PREFIX); keep the settings, the sign-in and the conversations
  --purge        with --uninstall: also remove $conf_dir, $state_dir and the user
  -h, --help     show this help
EOF
}

die() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}

note() {
    printf '%s\n' "$*"
}

root=${DESTDIR:-/}
binary=""
action=install
purge=no
while [ $# -gt 0 ]; do
    case $1 in
        --binary)
            [ $# -ge 2 ] || die "--binary needs a path"
            binary=$2
            shift 2
            ;;
        --binary=*)
            binary=${1#--binary=}
            shift
            ;;
        --root)
            [ $# -ge 2 ] || die "--root needs a directory"
            root=$2
            shift 2
            ;;
        --root=*)
            root=${1#--root=}
            shift
            ;;
        --uninstall)
            action=uninstall
            shift
            ;;
        --purge)
            purge=yes
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            usage >&2
            die "unknown argument: $1"
            ;;
    esac
done

[ "$purge" = no ] || [ "$action" = uninstall ] || die "--purge only goes with --uninstall"
[ -n "$root" ] || root=/
case $root in
    /*) ;;
    *) root=$(pwd)/$root ;;
esac
root=${root%/}
# Paths below are written as on the target system; "$root$path" is where they are on this machine.
bin_path=$prefix/bin/copilot-gateway

if [ "$(id -u)" -ne 0 ]; then
    [ -n "$root" ] || die "run as root (sudo deploy/install.sh ...), or use --root DIR to install into a scratch directory"
    note "Not running as root: files are installed into $root with your own ownership, and no user is created."
fi
is_root() { [ "$(id -u)" -eq 0 ]; }

# systemctl acts on the running system only: never with --root, and only where systemd runs.
systemctl_usable() {
    if [ -n "$root" ]; then
        note "Skipping 'systemctl $*': installing into $root, not into /."
        return 1
    fi
    if ! command -v systemctl >/dev/null 2>&1; then
        note "Skipping 'systemctl $*': systemctl is not installed."
        return 1
    fi
    if [ ! -d /run/systemd/system ]; then
        note "Skipping 'systemctl $*': this system was not booted with systemd."
        return 1
    fi
    return 0
}

# The uid and gid of the service user, from the target's account files (or NSS on the running system).
user_ids() {
    if [ -z "$root" ]; then
        getent passwd "$service_user" | awk -F: '{ print $3 " " $4 }' || true
    elif [ -f "$root/etc/passwd" ]; then
        awk -F: -v user="$service_user" '$1 == user { print $3 " " $4 }' "$root/etc/passwd"
    fi
}

group_exists() {
    if [ -z "$root" ]; then
        getent group "$service_user" >/dev/null
    else
        [ -f "$root/etc/group" ] && awk -F: -v group="$service_user" '$1 == group { found = 1 } END { exit !found }' "$root/etc/group"
    fi
}

ensure_user() {
    if ! is_root; then
        return 0
    fi
    if [ -n "$(user_ids)" ]; then
        note "User $service_user exists."
        return 0
    fi
    local shell=/usr/sbin/nologin
    [ -x "$root$shell" ] || [ -n "$root" ] || shell=/bin/false
    local prefix_args=()
    if [ -n "$root" ]; then
        # useradd --prefix edits DIR/etc/passwd and friends, which must exist.
        mkdir -p "$root/etc"
        local file
        for file in passwd group; do
            [ -e "$root/etc/$file" ] || install -m 0644 /dev/null "$root/etc/$file"
        done
        for file in shadow gshadow; do
            [ -e "$root/etc/$file" ] || install -m 0640 /dev/null "$root/etc/$file"
        done
        prefix_args=(--prefix "$root")
    fi
    local group_args=(--user-group)
    if group_exists; then
        group_args=(--gid "$service_user")
    fi
    useradd "${prefix_args[@]}" --system "${group_args[@]}" --home-dir "$state_dir" --no-create-home \
        --shell "$shell" --comment "copilot-gateway service" "$service_user"
    note "Created the system user $service_user."
}

# An API key for GATEWAY_API_KEYS: 48 hex digits.
new_api_key() {
    if command -v openssl >/dev/null 2>&1; then
        openssl rand -hex 24
    else
        od -An -N24 -tx1 /dev/urandom | tr -d ' \n'
        echo
    fi
}

resolve_binary() {
    if [ -n "$binary" ]; then
        if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then
            die "--binary $binary is not an executable file"
        fi
        return 0
    fi
    if [ -x "$repo/dist/copilot-gateway" ]; then
        binary=$repo/dist/copilot-gateway
        note "Installing the self-contained $binary ($("$binary" --version))."
        return 0
    fi
    command -v swift >/dev/null 2>&1 ||
        die "no dist/copilot-gateway and no swift on PATH (sudo may reset PATH): build the self-contained binary with scripts/build-release on any machine with the toolchain and pass --binary PATH, or install the Debian package (scripts/package-deb)"
    [ -f "$repo/Package.swift" ] || die "no Package.swift in $repo: run deploy/install.sh from a clone of the repository"
    note "Building the self-contained release binary with scripts/build-release (10 to 15 minutes the first time)..."
    (cd "$repo" && scripts/build-release)
    binary=$repo/dist/copilot-gateway
    [ -x "$binary" ] || die "the build did not produce $binary"
}

# The service runs with ProtectHome=yes: a Swift runtime under /home or /root cannot be loaded.
check_runtime_libraries() {
    command -v ldd >/dev/null 2>&1 || return 0
    local libraries
    libraries=$(ldd "$binary" 2>/dev/null || true)
    if printf '%s\n' "$libraries" | grep -q 'not found'; then
        note "Warning: $binary needs libraries that are not found here:"
        printf '%s\n' "$libraries" | grep 'not found' >&2
    fi
    if printf '%s\n' "$libraries" | grep -Eq '=> (/home/|/root/|/run/user/)'; then
        note "Warning: $binary loads the Swift runtime from a home directory, which the service cannot"
        note "  read (ProtectHome=yes). Install the toolchain under /opt or /usr (as swift.org's tarballs"
        note "  suggest), or build with --static-swift-stdlib."
    fi
}

install_binary() {
    local target=$root$bin_path
    mkdir -p "$(dirname "$target")"
    # A new file renamed over the old one: a running service keeps its binary until it restarts.
    install -m 0755 "$binary" "$target.new"
    mv -f "$target.new" "$target"
    note "Installed $bin_path."
}

install_settings() {
    local ids gid=""
    ids=$(user_ids)
    [ -z "$ids" ] || gid=${ids#* }
    local owner_args=()
    if is_root && [ -n "$gid" ]; then
        owner_args=(-o 0 -g "$gid")
    fi
    install -d -m 0750 "${owner_args[@]}" "$root$conf_dir"
    if [ -e "$root$env_file" ]; then
        note "Keeping $env_file as it is."
        if ! grep -Eq "^[[:space:]]*STATE_DIR=[\"']?${state_dir}[\"']?[[:space:]]*\$" "$root$env_file"; then
            note "Warning: $env_file does not set STATE_DIR=$state_dir. The service uses that directory"
            note "  (StateDirectory=), so 'copilot-gateway login --env-file $env_file' must too: add the line."
        fi
        return 0
    fi
    [ -f "$repo/.env.example" ] || die "$repo/.env.example is missing"
    local key
    key=$(new_api_key)
    [ ${#key} -ge 32 ] || die "could not generate an API key"
    local tmp
    tmp=$(mktemp "$root$conf_dir/.copilot-gateway.env.XXXXXX")
    "$repo/deploy/new-settings" "$repo/.env.example" "$state_dir" "$key" "deploy/install.sh" >"$tmp"
    chmod 0640 "$tmp"
    local readers="only you"
    if is_root && [ -n "$gid" ]; then
        chown "0:$gid" "$tmp"
        readers="root and $service_user"
    fi
    mv "$tmp" "$root$env_file"
    note "Created $env_file (mode 0640, readable by $readers) with a new API key."
    note ""
    note "  API key for your bots (shown only now; it is also in $env_file):"
    note "    $key"
    note ""
}

install_state_dir() {
    local ids owner_args=()
    ids=$(user_ids)
    if is_root && [ -n "$ids" ]; then
        owner_args=(-o "${ids% *}" -g "${ids#* }")
    fi
    mkdir -p "$(dirname "$root$state_dir")"
    install -d -m 0700 "${owner_args[@]}" "$root$state_dir"
    note "State directory $state_dir is ready (mode 0700)."
}

install_unit() {
    local unit=$root$unit_dir/$service.service
    mkdir -p "$root$unit_dir"
    # The unit names /usr/local/bin; follow PREFIX when it differs.
    sed "s#/usr/local/bin/copilot-gateway#$bin_path#g" "$repo/deploy/$service.service" >"$unit.new"
    chmod 0644 "$unit.new"
    mv -f "$unit.new" "$unit"
    note "Installed $unit_dir/$service.service."
    if systemctl_usable "daemon-reload; systemctl enable $service"; then
        systemctl daemon-reload
        systemctl enable "$service.service"
        if systemctl is-active --quiet "$service.service"; then
            note "The service is running the old binary: 'systemctl restart $service' switches to the new one."
        fi
    fi
}

next_steps() {
    local run_as
    if command -v sudo >/dev/null 2>&1; then
        run_as="sudo -u $service_user"
    else
        run_as="runuser -u $service_user --"
    fi
    cat <<EOF

Next steps:
  1. Set TENANT_ID and CLIENT_ID (your Entra app registration) in $env_file,
     and HOST=0.0.0.0 if bots on other machines or in Docker must reach the gateway.
  2. Sign in as the service user, so the tokens land where the service reads them
     ($state_dir/token-cache.json):
       $run_as $bin_path login --env-file $env_file
  3. Start the service and follow its log:
       systemctl start $service
       journalctl -u $service -f
  4. Check the set-up (settings, sign-in, clock, time zone, Graph):
       $run_as $bin_path doctor --env-file $env_file
EOF
}

uninstall() {
    if systemctl_usable disable --now; then
        systemctl disable --now "$service.service" 2>/dev/null || true
    fi
    local unit=$root$unit_dir/$service.service
    if [ -e "$unit" ]; then
        rm -f "$unit"
        note "Removed $unit_dir/$service.service."
    fi
    if systemctl_usable daemon-reload; then
        systemctl daemon-reload
        systemctl reset-failed "$service.service" 2>/dev/null || true
    fi
    if [ -e "$root$bin_path" ]; then
        rm -f "$root$bin_path"
        note "Removed $bin_path."
    fi
    if [ "$purge" = no ]; then
        note "Kept $conf_dir (settings, API key) and $state_dir (sign-in, conversations),"
        note "and the user $service_user; --uninstall --purge removes them too."
        return 0
    fi
    local dir
    for dir in "$conf_dir" "$state_dir"; do
        if [ -e "$root$dir" ]; then
            rm -rf -- "$root${dir:?}"
            note "Removed $dir."
        fi
    done
    is_root || return 0
    local prefix_args=()
    [ -z "$root" ] || prefix_args=(--prefix "$root")
    if [ -n "$(user_ids)" ]; then
        userdel "${prefix_args[@]}" "$service_user"
        note "Removed the user $service_user."
    fi
    # userdel keeps the user's group where login.defs lacks USERGROUPS_ENAB.
    if group_exists; then
        groupdel "${prefix_args[@]}" "$service_user"
        note "Removed the group $service_user."
    fi
}

if [ "$action" = uninstall ]; then
    uninstall
    exit 0
fi

[ -f "$repo/deploy/$service.service" ] || die "$repo/deploy/$service.service is missing"
resolve_binary
check_runtime_libraries
ensure_user
install_binary
install_settings
install_state_dir
install_unit
next_steps
