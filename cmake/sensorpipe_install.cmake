# Installs the library, its public headers under include/sensorpipe/, a
# pkg-config file and a CMake package config (find_package(sensorpipe)).
install(TARGETS sensorpipe sensorpipe_static EXPORT sensorpipeTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sensorpipe)
install(FILES ${SP_PUBLIC_HEADERS} ${SP_UMBRELLA_HEADER}
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sensorpipe)
install(EXPORT sensorpipeTargets NAMESPACE sensorpipe::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sensorpipe)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sensorpipeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sensorpipeConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sensorpipe)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sensorpipeConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sensorpipeConfig.cmake
  ${PROJECT_BINARY_DIR}/sensorpipeConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sensorpipe)

# hwloc is named in Libs.private, not Requires.private: its own .pc lists
# -ludev among its private libraries, and Debian's libhwloc-dev does not
# bring libudev-dev, so `pkg-config --static --libs sensorpipe` would ask
# for a library that is not there. -lhwloc alone links: against the shared
# libhwloc, which names libudev itself (a fully static program, -static,
# needs a static libudev that Debian does not ship in any case).
set(SP_PC_REQUIRES_PRIVATE "libpng liblz4 libzstd sqlite3 libjpeg yaml-0.1 zlib libxxhash libdeflate jansson")
set(SP_PC_LIBS_PRIVATE "-lhwloc -llzf -lbz2 -lpthread -lm")
if(SP_HAVE_ISAL)
  string(APPEND SP_PC_REQUIRES_PRIVATE " libisal")
endif()
if(SP_HAVE_OPENCL)
  string(APPEND SP_PC_REQUIRES_PRIVATE " OpenCL")
endif()
# Relocatable: the prefix is found from where the .pc file sits.
file(RELATIVE_PATH SP_PC_RELPREFIX
  ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" SP_PC_RELPREFIX "${SP_PC_RELPREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/sensorpipe.pc.in
  ${PROJECT_BINARY_DIR}/sensorpipe.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sensorpipe.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
