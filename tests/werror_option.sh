#!/bin/sh
# -Werror only where asked for (SP_WERROR): a user's configure leaves it
# off, so another compiler or optimisation level that warns still builds;
# -DSP_WERROR=ON and the environment's SP_WERROR=ON (what .ci/run exports)
# turn it on. Configures a scratch tree three times (no build) and reads
# the compile commands.
# usage: werror_option.sh SOURCE_DIR SCRATCH C_COMPILER
set -eu
src=$1 scratch=$2 cc=$3
rm -rf "$scratch"
mkdir -p "$scratch"
configure() { # $1: the name of the case; the rest: cmake arguments
    name=$1
    shift
    cmake -S "$src" -B "$scratch/$name" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release \
          -DSP_BUILD_TESTS=OFF -DSP_BUILD_BENCH=OFF -DSP_WITH_OPENCL=OFF \
          -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" >"$scratch/$name.log" 2>&1 || {
        cat "$scratch/$name.log" >&2
        echo "$name: cmake failed" >&2
        exit 1
    }
    grep -c -e '-Werror' "$scratch/$name/compile_commands.json" || true
}
# a user's Release build: no -Werror
n=$(unset SP_WERROR; configure default)
if [ "$n" -ne 0 ]; then
    echo "default configure: -Werror in $n compile commands, expected none" >&2
    exit 1
fi
grep -q 'warnings as errors: OFF' "$scratch/default.log" || {
    echo "default configure does not say 'warnings as errors: OFF'" >&2
    exit 1
}
# -DSP_WERROR=ON
n=$(unset SP_WERROR; configure option -DSP_WERROR=ON)
if [ "$n" -eq 0 ]; then
    echo "-DSP_WERROR=ON: no -Werror in the compile commands" >&2
    exit 1
fi
# the environment, as .ci/run sets it
n=$(SP_WERROR=ON configure env)
if [ "$n" -eq 0 ]; then
    echo "SP_WERROR=ON in the environment: no -Werror in the compile commands" >&2
    exit 1
fi
echo "SP_WERROR: off by default, on with -DSP_WERROR=ON and with SP_WERROR=ON in the environment ($n compile commands with -Werror)"
rm -rf "$scratch"
