#!/bin/sh
# Installs the build into a scratch prefix, then builds samples/consumer
# against it twice: with find_package(sensorpipe) and with pkg-config.
# usage: install_consumer.sh BUILD_DIR SOURCE_DIR SCRATCH [EXTRA_CFLAGS]
set -eu
build=$1 src=$2 scratch=$3 extra=${4:-}
rm -rf "$scratch"
mkdir -p "$scratch"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

echo "== find_package(sensorpipe) =="
cmake -S "$src/samples/consumer" -B "$scratch/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" >/dev/null
cmake --build "$scratch/cmake" >/dev/null
LD_LIBRARY_PATH=$prefix/lib "$scratch/cmake/consumer"
"$scratch/cmake/consumer_static"

echo "== pkg-config --cflags --libs sensorpipe =="
libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n1)
export PKG_CONFIG_PATH=$libdir
# shellcheck disable=SC2046,SC2086
cc -std=c11 -Wall -Werror $extra -o "$scratch/consumer_pc" "$src/samples/consumer/consumer.c" \
   $(pkg-config --cflags --libs sensorpipe)
LD_LIBRARY_PATH=$(dirname "$libdir") "$scratch/consumer_pc"
echo "consumer built and ran against the installed copy"
