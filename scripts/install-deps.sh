#!/bin/sh
# Installs the Debian packages sensorpipe needs that are missing. As root it
# runs apt-get; with password-less sudo it uses sudo; otherwise it prints the
# exact command to run and fails.
set -eu
PKGS="cmake make gcc pkg-config libhwloc-dev libpng-dev libcmocka-dev \
liblzf-dev ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo \
liblz4-dev libbz2-dev libzstd-dev libsqlite3-dev libjpeg62-turbo-dev libturbojpeg0-dev libyaml-dev \
zlib1g-dev libxxhash-dev libdeflate-dev libisal-dev libjansson-dev python3-numpy python3-rosbag \
python3-dev python3-pytest python3-pip python3-setuptools python3-wheel \
python3-distributed"
[ -n "${SP_EXTRA_PKGS:-}" ] && PKGS="$PKGS $SP_EXTRA_PKGS"
# SP_CROSS=aarch64: what the cross-build (cmake/aarch64-linux-gnu.cmake)
# needs instead: the cross compiler, qemu to run the tests, and the arm64
# builds of the libraries CMakeLists.txt and tests/CMakeLists.txt link
# (Debian multiarch, so dpkg must know arm64 first). No OpenCL, Python or
# npm: the cross-build has no OpenCL and the oracles run on the host. Nor
# ISA-L (optional): Debian's libisal-dev and libisal2 are not multiarch,
# so the arm64 ones would remove the host's; the cross-build inflates
# PNGs with libdeflate, which the host build tests too.
cross_arch=""
case "${SP_CROSS:-}" in
    "") ;;
    aarch64|arm64)
        cross_arch=arm64
        PKGS="cmake make pkg-config gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
qemu-user-static"
        for p in libhwloc-dev libpng-dev libcmocka-dev liblzf-dev liblz4-dev \
                 libbz2-dev libzstd-dev libsqlite3-dev libjpeg62-turbo-dev libturbojpeg0-dev \
                 libyaml-dev zlib1g-dev libxxhash-dev libdeflate-dev libjansson-dev; do
            PKGS="$PKGS $p:arm64"
        done
        ;;
    *)
        echo "sensorpipe: SP_CROSS='$SP_CROSS' not understood (expected aarch64)" >&2
        exit 1
        ;;
esac

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
# The test oracles from the npm registry (tests/oracles/package-lock.json:
# @mcap/core, @mcap/support, @foxglove/rosmsg2-serialization,
# @foxglove/rosmsg), installed once per lock file. Tests that need them skip
# with a message when they are absent; CI sets SP_ORACLES=required so that
# a failure to install them fails the run instead.
oracles() {
    dir="$(cd "$(dirname "$0")/.." && pwd)/tests/oracles"
    stamp="$dir/node_modules/.sensorpipe-lock"
    if [ -f "$stamp" ] && cmp -s "$stamp" "$dir/package-lock.json"; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "sensorpipe: npm not found: the tests that compare with the" \
             "MCAP/CDR reference readers will skip (install Node.js and npm)" >&2
        [ "${SP_ORACLES:-}" = required ] && return 1
        return 0
    fi
    echo "sensorpipe: installing the test oracles (npm ci in tests/oracles)"
    if (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
        cp "$dir/package-lock.json" "$stamp"
        return 0
    fi
    echo "sensorpipe: npm ci in $dir failed: those tests will skip" >&2
    [ "${SP_ORACLES:-}" = required ] && return 1
    return 0
}

if [ -z "$missing" ]; then
    [ -n "$cross_arch" ] && exit 0
    oracles
    exit $?
fi

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
if [ -n "$cross_arch" ] && ! dpkg --print-foreign-architectures | grep -qx "$cross_arch"; then
    $SUDO dpkg --add-architecture "$cross_arch"
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
[ -n "$cross_arch" ] && exit 0
oracles
