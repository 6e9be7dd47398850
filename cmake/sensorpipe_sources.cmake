# The library: every .c under the layer folders, globbed so that a new file
# is picked up without editing a list. SIMD translation units are recognised
# by their suffix and get their instruction-set flags here, and only here.
set(SP_LAYERS core mem io kernels pipeline)
set(SP_SOURCES)
set(SP_PUBLIC_HEADERS)
set(SP_INCLUDE_DIRS)
foreach(layer ${SP_LAYERS})
  file(GLOB_RECURSE layer_src CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${layer}/*.c)
  file(GLOB_RECURSE layer_hdr CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${layer}/sp_*.h)
  list(APPEND SP_SOURCES ${layer_src})
  list(APPEND SP_PUBLIC_HEADERS ${layer_hdr})
  list(APPEND SP_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/${layer})
  file(GLOB_RECURSE layer_dirs LIST_DIRECTORIES true CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${layer}/*)
  foreach(d ${layer_dirs})
    if(IS_DIRECTORY ${d})
      list(APPEND SP_INCLUDE_DIRS ${d})
    endif()
  endforeach()
endforeach()
# The umbrella header sits above every layer (include/), not in any of them.
set(SP_UMBRELLA_HEADER ${PROJECT_SOURCE_DIR}/include/sensorpipe.h)
# The public headers, and only they, in one folder laid out like the
# install's include/sensorpipe/ (links to the sources): the include path the
# library gives its users (cli/, samples/, python/'s public side). The layer
# folders, with the private *_int.h headers, are the library's own path
# (PRIVATE); the white-box tests and benchmarks add SP_INCLUDE_DIRS
# themselves. So a private header is private to the build: cli/ including
# one does not compile.
set(SP_PUBLIC_INCLUDE_DIR ${PROJECT_BINARY_DIR}/include/sensorpipe)
file(REMOVE_RECURSE ${SP_PUBLIC_INCLUDE_DIR})
file(MAKE_DIRECTORY ${SP_PUBLIC_INCLUDE_DIR})
foreach(h ${SP_PUBLIC_HEADERS} ${SP_UMBRELLA_HEADER})
  get_filename_component(hname ${h} NAME)
  file(CREATE_LINK ${h} ${SP_PUBLIC_INCLUDE_DIR}/${hname} SYMBOLIC COPY_ON_ERROR)
endforeach()
if(NOT SP_HAVE_OPENCL)
  list(FILTER SP_SOURCES EXCLUDE REGEX "/kernels/opencl/.*\\.c$")
endif()

set(SP_X86 OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|i[3-6]86")
  set(SP_X86 ON)
endif()
set(SP_ARM OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64|ARM64")
  set(SP_ARM ON)
endif()
foreach(src ${SP_SOURCES})
  if(src MATCHES "_avx2\\.c$")
    if(SP_X86)
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mbmi2")
    else()
      list(REMOVE_ITEM SP_SOURCES ${src})
    endif()
  elseif(src MATCHES "_sse41\\.c$")
    if(SP_X86)
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "-msse4.1")
    else()
      list(REMOVE_ITEM SP_SOURCES ${src})
    endif()
  elseif(src MATCHES "_neon\\.c$")
    if(NOT SP_ARM)
      list(REMOVE_ITEM SP_SOURCES ${src})
    endif()
  endif()
endforeach()

# OpenCL kernel sources are embedded as C strings at build time.
set(SP_CL_EMBED_C ${PROJECT_BINARY_DIR}/generated/cl_sources.c)
file(GLOB SP_CL_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernels/opencl/*.cl)
file(GLOB SP_CL_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernels/opencl/*.h)
if(SP_HAVE_OPENCL)
  # A list would reach the shell with ';' (a command separator): pass it
  # joined with '|' and quoted (VERBATIM); embed_cl.cmake splits it again.
  string(REPLACE ";" "|" SP_CL_FILES_ARG "${SP_CL_FILES}")
  add_custom_command(
    OUTPUT ${SP_CL_EMBED_C}
    COMMAND ${CMAKE_COMMAND} -DOUT=${SP_CL_EMBED_C} "-DFILES=${SP_CL_FILES_ARG}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_cl.cmake
    DEPENDS ${SP_CL_FILES} ${SP_CL_HEADERS} ${PROJECT_SOURCE_DIR}/cmake/embed_cl.cmake
    COMMENT "Embedding OpenCL kernel sources"
    VERBATIM)
  list(APPEND SP_SOURCES ${SP_CL_EMBED_C})
endif()

# The stage-class and file-format registries are written from the sources
# (cmake/gen_registry.cmake): defining `const sp_stage_class sp__stage_x` or
# `const sp__format sp__format_x` at the start of a line registers it.
set(SP_GEN_DIR ${PROJECT_BINARY_DIR}/generated)
set(SP_GEN_STAGES ${SP_GEN_DIR}/sp_stages_list.h)
set(SP_GEN_FORMATS ${SP_GEN_DIR}/sp_formats_list.h)
# Only the sources in the tree: generated files (cl_sources.c) do not exist
# yet when cmake runs, and register nothing.
set(SP_GEN_SCAN ${SP_SOURCES})
list(REMOVE_ITEM SP_GEN_SCAN ${SP_CL_EMBED_C})
string(REPLACE ";" "|" SP_GEN_FILES_ARG "${SP_GEN_SCAN}")
execute_process(COMMAND ${CMAKE_COMMAND} -DOUT_STAGES=${SP_GEN_STAGES}
  -DOUT_FORMATS=${SP_GEN_FORMATS} "-DFILES=${SP_GEN_FILES_ARG}"
  -P ${PROJECT_SOURCE_DIR}/cmake/gen_registry.cmake)
add_custom_target(sp_registry_lists
  COMMAND ${CMAKE_COMMAND} -DOUT_STAGES=${SP_GEN_STAGES}
          -DOUT_FORMATS=${SP_GEN_FORMATS} "-DFILES=${SP_GEN_FILES_ARG}"
          -P ${PROJECT_SOURCE_DIR}/cmake/gen_registry.cmake
  BYPRODUCTS ${SP_GEN_STAGES} ${SP_GEN_FORMATS}
  COMMENT "Registries: stage classes and file formats from the sources"
  VERBATIM)
list(APPEND SP_INCLUDE_DIRS ${SP_GEN_DIR})

set(SP_PRIVATE_DEFS SP_HAVE_OPENCL=${SP_HAVE_OPENCL} SP_HAVE_ISAL=${SP_HAVE_ISAL})

function(sp_configure_lib target)
  target_include_directories(${target} PRIVATE ${SP_INCLUDE_DIRS})
  target_include_directories(${target} PUBLIC
    "$<BUILD_INTERFACE:${SP_PUBLIC_INCLUDE_DIR}>"
    "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/sensorpipe>")
  target_compile_definitions(${target} PRIVATE ${SP_PRIVATE_DEFS})
  # The version the library names itself with (the MCAP writer's Header).
  target_compile_definitions(${target} PRIVATE SP_LIB_VERSION="${PROJECT_VERSION}")
  target_link_libraries(${target} PRIVATE PkgConfig::HWLOC PNG::PNG ${LZF_LIBRARY}
    PkgConfig::LZ4 PkgConfig::ZSTD PkgConfig::SQLITE3 PkgConfig::JPEG PkgConfig::YAML
    PkgConfig::XXHASH PkgConfig::DEFLATE PkgConfig::JANSSON
    BZip2::BZip2 ZLIB::ZLIB)
  target_include_directories(${target} PRIVATE ${LZF_INCLUDE_DIR})
  target_link_libraries(${target} PUBLIC Threads::Threads m)
  if(SP_HAVE_ISAL)
    target_link_libraries(${target} PRIVATE PkgConfig::ISAL)
  endif()
  if(SP_HAVE_OPENCL)
    target_link_libraries(${target} PRIVATE OpenCL::OpenCL)
    target_compile_definitions(${target} PRIVATE CL_TARGET_OPENCL_VERSION=120)
  endif()
endfunction()

# One object library compiled once, packaged as both static and shared.
add_library(sensorpipe_obj OBJECT ${SP_SOURCES})
add_dependencies(sensorpipe_obj sp_registry_lists)
sp_configure_lib(sensorpipe_obj)
add_library(sensorpipe_static STATIC $<TARGET_OBJECTS:sensorpipe_obj>)
add_library(sensorpipe SHARED $<TARGET_OBJECTS:sensorpipe_obj>)
foreach(t sensorpipe sensorpipe_static)
  sp_configure_lib(${t})
  set_target_properties(${t} PROPERTIES OUTPUT_NAME sensorpipe)
endforeach()
set_target_properties(sensorpipe PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
add_library(sensorpipe::sensorpipe ALIAS sensorpipe)
add_library(sensorpipe::sensorpipe_static ALIAS sensorpipe_static)
