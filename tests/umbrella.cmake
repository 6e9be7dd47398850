# The umbrella header include/sensorpipe.h names every public header of the
# layers (core mem io kernels pipeline): a header added without its line
# there fails here, with its name.
# usage: cmake -DSRC=SOURCE_DIR -P umbrella.cmake
file(READ ${SRC}/include/sensorpipe.h umbrella)
set(missing)
foreach(layer core mem io kernels pipeline)
  file(GLOB_RECURSE hdrs ${SRC}/${layer}/sp_*.h)
  foreach(h ${hdrs})
    get_filename_component(name ${h} NAME)
    string(FIND "${umbrella}" "#include \"${name}\"" at)
    if(at EQUAL -1)
      file(RELATIVE_PATH rel ${SRC} ${h})
      list(APPEND missing ${rel})
    endif()
  endforeach()
endforeach()
if(missing)
  list(JOIN missing ", " missing)
  message(FATAL_ERROR "include/sensorpipe.h lacks #include lines for: ${missing}")
endif()
message(STATUS "include/sensorpipe.h names every public header")
