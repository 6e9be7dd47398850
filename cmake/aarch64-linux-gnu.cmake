# Cross-build for 64-bit ARM on a Debian x86 machine (scripts/install-deps.sh
# with SP_CROSS=aarch64 installs what it needs):
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
#   cmake --build build-arm64 && (cd build-arm64 && ctest)
#
# The libraries are Debian's arm64 multiarch packages: headers in /usr/include
# (shared with the host), libraries and .pc files in /usr/lib/aarch64-linux-gnu.
# CTest runs each test binary through qemu-aarch64-static; the dynamic loader
# and libc it needs are the multiarch ones in /lib/aarch64-linux-gnu, which
# qemu finds on the host's paths.
#
# Not `qemu-aarch64-static -L /usr/aarch64-linux-gnu`: that takes the dynamic
# loader from libc6-arm64-cross (Debian 12: glibc 2.36-8cross1) while libc
# itself still comes from the multiarch libc6:arm64 (2.36-9+deb12u*) through
# /etc/ld.so.cache; with the two builds mixed, the first pthread_create()
# spins before its clone() and every threaded suite times out (test_pool in
# test_acquire_waits_for_release). With the multiarch loader they all pass.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# find_library and find_path look in the multiarch folders before the plain
# ones; never pick up an x86 library by accident.
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)

# pkg-config (pkg_check_modules) must read the arm64 .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

find_program(SP_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(SP_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${SP_QEMU_AARCH64}")
endif()
