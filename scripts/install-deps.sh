#!/bin/sh
# Installs the Debian packages sensorpipe needs that are missing. As root it
# runs apt-get; with password-less sudo it uses sudo; otherwise it prints the
# exact command to run and fails.
set -eu
PKGS="cmake make gcc pkg-config libhwloc-dev libpng-dev libcmocka-dev \
liblzf-dev ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo \
liblz4-dev libbz2-dev libzstd-dev libsqlite3-dev libturbojpeg0-dev libyaml-dev \
zlib1g-dev libxxhash-dev python3-numpy python3-rosbag"
[ -n "${SP_EXTRA_PKGS:-}" ] && PKGS="$PKGS $SP_EXTRA_PKGS"

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
else
    echo "sensorpipe: these packages are missing and I cannot install them (not root, no password-less sudo)." >&2
    echo "Run this, then try again:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "sensorpipe: installing missing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
