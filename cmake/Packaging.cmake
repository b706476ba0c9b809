# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Included by CMakeLists.txt after its install rules. Adds
#   - the CMake package: <libdir>/cmake/pinwheel/pinwheelConfig.cmake,
#     pinwheelConfigVersion.cmake (same major version) and pinwheelTargets.cmake
#     (pinwheel::pinwheel, pinwheel::pinwheel_static), relocatable;
#   - the manual pages of doc/man/, gzipped, under <mandir>/man1 and man7;
#   - the Debian packages made by `cpack` in the build tree (doc/abi.md and the
#     README's "Installing" say how they are used):
#       libpinwheel0    component runtime: libpinwheel.so.<major> (+ .so.<version>)
#       libpinwheel-dev component dev:     headers, libpinwheel.a, the libpinwheel.so
#                                          link, pinwheel.pc, the CMake package,
#                                          pinwheel(7)
#       pinwheel-tools  component tools:   the Python tools and their pages
#     Every install rule that names no component belongs to tools
#     (CMAKE_INSTALL_DEFAULT_COMPONENT_NAME, set before the install rules).
# Configure with -DCMAKE_INSTALL_PREFIX=/usr for packages, so that the library
# goes to Debian's multiarch directory (/usr/lib/<triplet>).

include(CMakePackageConfigHelpers)

# ---- CMake package -----------------------------------------------------------
set(PW_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/pinwheel)
install(EXPORT pinwheelTargets NAMESPACE pinwheel::
  DESTINATION ${PW_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(cmake/pinwheelConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pinwheelConfig.cmake
  INSTALL_DESTINATION ${PW_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# 0.x and 1.x are different ABIs (the soname carries the major version).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pinwheelConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pinwheelConfig.cmake
  ${PROJECT_BINARY_DIR}/pinwheelConfigVersion.cmake
  DESTINATION ${PW_CMAKE_DIR} COMPONENT dev)

# ---- manual pages ------------------------------------------------------------
# pinwheel-trace(1) only once the tool is in the tree.
set(pw_man_pages pinwheel.7 pinwheel-rpc.1 pinwheel-top.1)
if(EXISTS ${PROJECT_SOURCE_DIR}/scripts/pinwheel-trace)
  list(APPEND pw_man_pages pinwheel-trace.1)
endif()
set(pw_man_gz "")
foreach(page ${pw_man_pages})
  set(src ${PROJECT_SOURCE_DIR}/doc/man/${page})
  set(gz ${PROJECT_BINARY_DIR}/man/${page}.gz)
  # -n: no name or time stamp in the header, so the .gz is reproducible.
  add_custom_command(OUTPUT ${gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND gzip -9n -c ${src} > ${gz}
    DEPENDS ${src} VERBATIM)
  list(APPEND pw_man_gz ${gz})
  string(REGEX MATCH "[0-9]$" section ${page})
  if(section STREQUAL "7")
    set(component dev)
  else()
    set(component tools)
  endif()
  install(FILES ${gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section}
    COMPONENT ${component})
endforeach()
add_custom_target(pw_man_pages ALL DEPENDS ${pw_man_gz})

# ---- Debian packages ------------------------------------------------------------
set(PW_DEB_MAINTAINER "Pinwheel authors <pinwheel@maintainer.invalid>" CACHE STRING
  "The Maintainer field of the Debian packages")
set(PW_DEB_RUNTIME libpinwheel${PROJECT_VERSION_MAJOR})
foreach(component runtime dev tools)
  string(TOUPPER ${component} c)
  if(component STREQUAL "runtime")
    set(pkg ${PW_DEB_RUNTIME})
  elseif(component STREQUAL "dev")
    set(pkg libpinwheel-dev)
  else()
    set(pkg pinwheel-tools)
  endif()
  set(CPACK_DEBIAN_${c}_PACKAGE_NAME ${pkg})
  install(FILES cmake/copyright DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${pkg}
    COMPONENT ${component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pinwheel)
set(CPACK_PACKAGE_VENDOR "Pinwheel authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${PW_DEB_MAINTAINER})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev tools)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)		# <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: of the ELF files computed by dpkg-shlibdeps (libc6 (>= ...)); the
# runtime package's DEBIAN/shlibs lets programs built against it compute theirs.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)		# only libpinwheel0 has one
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# libpinwheel-dev: Depends: libpinwheel0 (= <version>), the library its
# libpinwheel.so link points to.
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_COMPONENT_DEV_DEPENDS runtime)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
  "SPDK's threading model without DPDK (shared library)
Pinwheel implements SPDK's threading model and its public API (spdk/thread.h,
spdk/event.h, the threading part of spdk/env.h) as a small C library without
DPDK, hugepages or root: per-core reactors, lightweight threads that move
between them, messages, pollers, events and the app framework.
.
This package holds the shared library.")

set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION
  "SPDK's threading model without DPDK (development files)
Pinwheel implements SPDK's threading model and its public API (spdk/thread.h,
spdk/event.h, the threading part of spdk/env.h) as a small C library without
DPDK, hugepages or root.
.
This package holds the headers (under /usr/include/pinwheel, so that they
never clash with SPDK's), the static library, pinwheel.pc for pkg-config, the
CMake package (find_package(pinwheel): pinwheel::pinwheel,
pinwheel::pinwheel_static) and the pinwheel(7) manual page.")

set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_TOOLS_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "python3 (>= 3.9)")	# argparse.BooleanOptionalAction
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
  "tools to look inside a running Pinwheel or SPDK application
pinwheel-rpc calls a JSON-RPC method of a running Pinwheel or SPDK app and
pinwheel-top is a live view of its threads, pollers and cores (as SPDK's
rpc.py and spdk_top). Python 3, standard library only.")
if(EXISTS ${PROJECT_SOURCE_DIR}/scripts/pinwheel-trace)
  string(APPEND CPACK_COMPONENT_TOOLS_DESCRIPTION "
pinwheel-trace draws a trace of a Pinwheel app as an SVG picture and sums it up.")
endif()

include(CPack)
