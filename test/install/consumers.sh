#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Build a user's program against an installed Pinwheel in each way the README
# gives, run it, and check how it was linked:
#   CMake       test/install/cmake_consumer: find_package(pinwheel 0.1 REQUIRED),
#               pinwheel::pinwheel (needs libpinwheel.so.0) and
#               pinwheel::pinwheel_static (does not); find_package(pinwheel 1.0)
#               must be refused (pinwheelConfigVersion.cmake: same major)
#   pkg-config  `pkg-config --cflags --libs pinwheel` (shared), and
#               `pkg-config --static --cflags --libs pinwheel` with -static: a
#               fully static program, so every library libpinwheel.a needs must
#               be in the .pc's Libs.private
#
# Usage: test/install/consumers.sh PREFIX   an installed or extracted tree
#        test/install/consumers.sh --system what the Debian packages put in /usr,
#                                           found with no search path given
# Needs gcc, cmake, pkg-config and file.
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
arg=${1:?usage: $0 PREFIX | --system}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
	echo "test/install/consumers: $*" >&2
	exit 1
}

cmake_args=()
if [ "$arg" = --system ]; then
	unset PKG_CONFIG_PATH CMAKE_PREFIX_PATH
	where="the system"
else
	prefix=$(cd "$arg" && pwd)
	cmake_args=(-DCMAKE_PREFIX_PATH="$prefix")
	export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib/$(gcc -print-multiarch 2>/dev/null)/pkgconfig
	where=$prefix
fi

# needs_libpinwheel PROGRAM: whether it asks the dynamic loader for libpinwheel.
needs_libpinwheel() {
	readelf -d "$1" | grep -q 'NEEDED.*\[libpinwheel\.so\.'
}

echo "test/install/consumers: CMake find_package against $where"
cmake -S "$src/cmake_consumer" -B "$work/cmake" "${cmake_args[@]}" \
	-DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >"$work/cmake.log" 2>&1 ||
	{ cat "$work/cmake.log" >&2; fail "the CMake consumer did not configure"; }
grep -- '-- pinwheel ' "$work/cmake.log"
cmake --build "$work/cmake" >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; fail "the CMake consumer did not build"; }
needs_libpinwheel "$work/cmake/consumer_shared" || fail "pinwheel::pinwheel did not link libpinwheel.so"
! needs_libpinwheel "$work/cmake/consumer_static" || fail "pinwheel::pinwheel_static linked libpinwheel.so"
"$work/cmake/consumer_shared"
"$work/cmake/consumer_static"
if cmake -S "$src/cmake_consumer" -B "$work/cmake1" "${cmake_args[@]}" \
	-DPW_WANT_VERSION=1.0 >"$work/cmake1.log" 2>&1; then
	fail "find_package(pinwheel 1.0) accepted version 0.x"
fi
grep -q 'compatible with requested version "1.0"' "$work/cmake1.log" ||
	{ cat "$work/cmake1.log" >&2; fail "find_package(pinwheel 1.0) failed for another reason"; }
echo "test/install/consumers: find_package(pinwheel 1.0) refused, as it must"

echo "test/install/consumers: pkg-config against $where"
# shellcheck disable=SC2046
gcc -Wall -Wextra -Werror -o "$work/pc_shared" "$src/cmake_consumer/consumer.c" \
	$(pkg-config --cflags --libs pinwheel)
needs_libpinwheel "$work/pc_shared" || fail "pkg-config --libs did not link libpinwheel.so"
LD_LIBRARY_PATH=$(pkg-config --variable=libdir pinwheel) "$work/pc_shared"
echo "pkg-config --static --libs pinwheel: $(pkg-config --static --libs pinwheel)"
# shellcheck disable=SC2046
gcc -Wall -Wextra -Werror -static -o "$work/pc_static" "$src/cmake_consumer/consumer.c" \
	$(pkg-config --static --cflags --libs pinwheel) 2>"$work/static.err" ||
	{ cat "$work/static.err" >&2; fail "a -static program did not link with pkg-config --static"; }
file "$work/pc_static" | grep -q 'statically linked' || fail "not static: $(file "$work/pc_static")"
"$work/pc_static"
echo "test/install/consumers: passed"
