# Cross-built test runs (cmake/aarch64-linux-gnu.cmake): CTest starts each
# test binary through CMAKE_CROSSCOMPILING_EMULATOR, but a test that starts
# another program of this build (test_cli runs cli/sensorpipe, which runs the
# bench programs) would exec a foreign binary directly, and that fails where
# the kernel has no binfmt_misc entry for qemu (containers, CI machines).
# Here every program of cli/ and bench/ gets a shell wrapper under
# ${PROJECT_BINARY_DIR}/emulated/ at the same relative path, which runs the
# real one through the emulator; tests/CMakeLists.txt points
# SP_TEST_BINARY_DIR there and names the emulator in SP_TEST_EMULATOR.
if(NOT CMAKE_CROSSCOMPILING OR NOT CMAKE_CROSSCOMPILING_EMULATOR)
  return()
endif()
set(SP_EMULATED_DIR ${PROJECT_BINARY_DIR}/emulated)
string(REPLACE ";" "' '" sp_emu_words "${CMAKE_CROSSCOMPILING_EMULATOR}")
get_property(sp_subdirs DIRECTORY ${PROJECT_SOURCE_DIR} PROPERTY SUBDIRECTORIES)
foreach(dir cli bench)
  if(NOT ${PROJECT_SOURCE_DIR}/${dir} IN_LIST sp_subdirs)
    continue() # not built (SP_BUILD_BENCH=OFF)
  endif()
  get_property(targets DIRECTORY ${PROJECT_SOURCE_DIR}/${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    if(NOT type STREQUAL "EXECUTABLE")
      continue()
    endif()
    get_target_property(name ${t} OUTPUT_NAME)
    if(NOT name)
      set(name ${t})
    endif()
    file(GENERATE OUTPUT ${SP_EMULATED_DIR}/${dir}/${name}
      CONTENT "#!/bin/sh\nexec '${sp_emu_words}' '$<TARGET_FILE:${t}>' \"$@\"\n"
      FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                       WORLD_READ WORLD_EXECUTE)
  endforeach()
endforeach()
