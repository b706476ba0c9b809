# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# -DPW_FUZZ=ON: the whole tree is built with ASan + UBSan and libFuzzer's
# coverage instrumentation (-fsanitize=fuzzer-no-link); test/fuzz adds one
# libFuzzer executable per target. Needs clang and its libFuzzer runtime
# (Debian: packages clang and libclang-rt-14-dev, or libclang-rt-dev).

if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "PW_FUZZ=ON needs clang (libFuzzer is part of clang's runtime), "
    "but the C compiler is ${CMAKE_C_COMPILER_ID} (${CMAKE_C_COMPILER}). Configure a "
    "fresh build directory with CC=clang, e.g.\n"
    "  CC=clang cmake -S . -B build-fuzz -DPW_FUZZ=ON")
endif()
if(PW_SANITIZE AND NOT PW_SANITIZE STREQUAL "address,undefined")
  message(FATAL_ERROR "PW_FUZZ=ON builds with PW_SANITIZE=address,undefined; "
    "PW_SANITIZE=${PW_SANITIZE} cannot be combined with it")
endif()

include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer,address,undefined")
check_c_source_compiles("
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { (void)data; (void)size; return 0; }
" PW_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
if(NOT PW_HAVE_LIBFUZZER)
  message(FATAL_ERROR "PW_FUZZ=ON: ${CMAKE_C_COMPILER} cannot link a program with "
    "-fsanitize=fuzzer,address,undefined. On Debian install clang's runtime: "
    "apt-get install libclang-rt-dev (libclang-rt-14-dev for clang 14); see "
    "CMakeFiles/CMakeError.log for the compiler's answer.")
endif()

set(PW_SANITIZE address,undefined)
# Coverage for libFuzzer in every object; the fuzzer's main() is linked into
# the targets only (test/fuzz/CMakeLists.txt).
add_compile_options(-fsanitize=fuzzer-no-link)
