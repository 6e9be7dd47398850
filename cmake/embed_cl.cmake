# Writes OUT: a C file with every .cl in FILES as a string, and a table
# sp__cl_sources[] of {name, source} ending with {NULL, NULL}. A line
# '#include "NAME.h"' in a .cl file is replaced by kernels/opencl/NAME.h, so
# that a list both the host C and the kernel need (e.g. lidardec_lay.h) is
# written once.
set(body "/* generated from the .cl files in kernels/opencl; do not edit */\n#include <stddef.h>\n")
set(table "")
string(REPLACE "|" ";" FILES "${FILES}")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME_WE)
  get_filename_component(dir ${f} DIRECTORY)
  file(READ ${f} text)
  string(REGEX MATCHALL "#include \"[A-Za-z0-9_]+\\.h\"" incs "${text}")
  foreach(inc ${incs})
    string(REGEX REPLACE "#include \"([A-Za-z0-9_]+\\.h)\"" "\\1" h "${inc}")
    file(READ ${dir}/${h} htext)
    string(REPLACE "${inc}" "${htext}" text "${text}")
  endforeach()
  string(HEX "${text}" text)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," text "${text}")
  string(APPEND body "static const char cl_${name}[] = {${text}0x00};\n")
  string(APPEND table "    {\"${name}\", cl_${name}},\n")
endforeach()
string(APPEND body "struct sp__cl_source { const char *name; const char *source; };\n")
string(APPEND body "const struct sp__cl_source sp__cl_sources[] = {\n${table}    {NULL, NULL}};\n")
file(WRITE ${OUT}.tmp "${body}")
file(RENAME ${OUT}.tmp ${OUT})
