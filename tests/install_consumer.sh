#!/bin/sh
# Installs the build into a scratch prefix, then builds samples/consumer
# against it: with find_package(sensorpipe) (shared and static), with
# pkg-config, and linked statically with `pkg-config --static --libs`
# (libsensorpipe.a and the private libraries it needs).
# usage: install_consumer.sh BUILD_DIR SOURCE_DIR SCRATCH [EXTRA_CFLAGS]
# A cross-build (tests/CMakeLists.txt) sets SP_CONSUMER_TOOLCHAIN (the CMake
# toolchain file), SP_CONSUMER_CC (the cross compiler) and SP_TEST_EMULATOR
# (what runs the consumer); PKG_CONFIG_LIBDIR then names the target's .pc
# folders.
set -eu
build=$1 src=$2 scratch=$3 extra=${4:-}
toolchain=""
[ -n "${SP_CONSUMER_TOOLCHAIN:-}" ] && toolchain="-DCMAKE_TOOLCHAIN_FILE=$SP_CONSUMER_TOOLCHAIN"
cc=${SP_CONSUMER_CC:-cc}
emu=${SP_TEST_EMULATOR:-}
rm -rf "$scratch"
mkdir -p "$scratch"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

echo "== find_package(sensorpipe) =="
# shellcheck disable=SC2086
cmake -S "$src/samples/consumer" -B "$scratch/cmake" -DCMAKE_PREFIX_PATH="$prefix" $toolchain \
      -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" >/dev/null
cmake --build "$scratch/cmake" >/dev/null
# shellcheck disable=SC2086
LD_LIBRARY_PATH=$prefix/lib $emu "$scratch/cmake/consumer"
# shellcheck disable=SC2086
$emu "$scratch/cmake/consumer_static"

echo "== pkg-config --cflags --libs sensorpipe =="
libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n1)
export PKG_CONFIG_PATH=$libdir
# shellcheck disable=SC2046,SC2086
"$cc" -std=c11 -Wall -Werror $extra -o "$scratch/consumer_pc" "$src/samples/consumer/consumer.c" \
   $(pkg-config --cflags --libs sensorpipe)
# shellcheck disable=SC2086
LD_LIBRARY_PATH=$(dirname "$libdir") $emu "$scratch/consumer_pc"

echo "== pkg-config --static --libs sensorpipe (libsensorpipe.a) =="
# Linked the way a program that ships without libsensorpipe.so is: the
# archive in place of -lsensorpipe (which would pick the .so), then every
# private library the .pc lists. A library missing from that list, or one
# listed that is not installed (-ludev through hwloc once), fails here.
static_libs=$(pkg-config --static --libs sensorpipe | sed 's/-lsensorpipe\( \|$\)/-l:libsensorpipe.a\1/')
case "$static_libs" in *-l:libsensorpipe.a*) ;; *)
    echo "pkg-config --static --libs sensorpipe: no -lsensorpipe in '$static_libs'" >&2; exit 1 ;;
esac
# shellcheck disable=SC2046,SC2086
"$cc" -std=c11 -Wall -Werror $extra -o "$scratch/consumer_pc_static" "$src/samples/consumer/consumer.c" \
   $(pkg-config --cflags sensorpipe) $static_libs
if readelf -d "$scratch/consumer_pc_static" | grep -q 'NEEDED.*libsensorpipe'; then
    echo "consumer_pc_static needs libsensorpipe.so: not a static link of it" >&2
    exit 1
fi
# shellcheck disable=SC2086
env -u LD_LIBRARY_PATH $emu "$scratch/consumer_pc_static"
echo "consumer built and ran against the installed copy"
