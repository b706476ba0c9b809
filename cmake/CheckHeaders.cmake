# SPDX-License-Identifier: BSD-3-Clause
# Compile every public header on its own, once as C and once as C++, so that
# each one includes what it needs and stays usable from C++ programs.
enable_language(CXX)
file(GLOB_RECURSE pw_public_headers RELATIVE ${PROJECT_SOURCE_DIR}/include
     CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/*.h)
set(pw_hdr_sources "")
foreach(hdr ${pw_public_headers})
  string(MAKE_C_IDENTIFIER ${hdr} id)
  foreach(lang c cpp)
    set(src ${PROJECT_BINARY_DIR}/hdrcheck/${id}.${lang})
    file(WRITE ${src}.tmp "#include \"${hdr}\"\n#include \"${hdr}\"\nint hdrcheck_${id}_${lang}(void);\nint hdrcheck_${id}_${lang}(void) { return 0; }\n")
    configure_file(${src}.tmp ${src} COPYONLY)
    list(APPEND pw_hdr_sources ${src})
  endforeach()
endforeach()
add_library(pw_header_check OBJECT ${pw_hdr_sources})
target_include_directories(pw_header_check PRIVATE ${PROJECT_SOURCE_DIR}/include)
set_target_properties(pw_header_check PROPERTIES CXX_STANDARD 11)
target_compile_options(pw_header_check PRIVATE -Werror)
