#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# The Debian packages, end to end:
#   1. configure for /usr, build, `cpack`: libpinwheel0, libpinwheel-dev and
#      pinwheel-tools (cmake/Packaging.cmake)
#   2. their fields: Depends (computed libc6 for the library, libpinwheel0 (= the
#      version) for -dev, python3 for the tools), the shlibs file, the files each
#      one holds, a manual page for every tool and a tool for every page
#   3. `dpkg -x` of all three into an empty directory: programs built against
#      the extracted tree with CMake (shared, static) and pkg-config (shared,
#      -static) and run (test/install/consumers.sh; the tree is not at /usr, so
#      this also shows the CMake package and the .pc are relocatable); every
#      manual page read with `man -l` and checked by groff with all warnings;
#      the tools' --help, and the options it lists are those of the tool's
#      page (test/package/man_options.sh)
#   4. unless PW_PACKAGE_SYSTEM=0: `apt-get install ./*.deb` into this system,
#      the same programs built with no search path (find_package and pkg-config
#      find /usr), `man pinwheel-rpc` by name, then `apt-get purge` and a check
#      that no file of the packages is left. Done only as root (or with sudo)
#      and when no Pinwheel package is installed already; otherwise skipped,
#      with a message.
#
# Usage: test/package/run.sh [BUILD_DIR]   (default build-package)
# Needs cmake, gcc, dpkg-dev (dpkg-shlibdeps), file, pkg-config, man-db,
# groff-base; apt-get for step 4.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-package}
work=$(mktemp -d)
system_installed=0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
pkgs=(libpinwheel0 libpinwheel-dev pinwheel-tools)

cleanup() {
	if [ $system_installed -eq 1 ]; then
		echo "test/package: removing the packages after a failure" >&2
		$SUDO apt-get purge -y -qq "${pkgs[@]}" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "test/package: $*" >&2
	exit 1
}
say() { echo "test/package: $*"; }

# ---- 1. build the packages --------------------------------------------------------
say "building the packages in $build"
cmake -S "$top" -B "$build" -DCMAKE_INSTALL_PREFIX=/usr -DPW_WERROR=ON -DPW_BUILD_TESTS=OFF \
	-DPW_BUILD_BENCH=OFF -DPW_BUILD_EXAMPLES=OFF >"$work/cmake.log" 2>&1 ||
	{ cat "$work/cmake.log" >&2; fail "configure failed"; }
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; fail "build failed"; }
debs=$work/debs
(cd "$build" && cpack -B "$debs") >"$work/cpack.log" 2>&1 ||
	{ cat "$work/cpack.log" >&2; fail "cpack failed"; }
rm -rf "$debs/_CPack_Packages"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
lib=$debs/libpinwheel0_${version}_$arch.deb
dev=$debs/libpinwheel-dev_${version}_$arch.deb
tools=$debs/pinwheel-tools_${version}_all.deb
for deb in "$lib" "$dev" "$tools"; do
	[ -f "$deb" ] || fail "no $(basename "$deb") among: $(ls "$debs")"
done
[ "$(find "$debs" -name '*.deb' | wc -l)" -eq 3 ] || fail "more packages than three: $(ls "$debs")"
ls -l "$debs"

# ---- 2. fields and contents ----------------------------------------------------------
field() { dpkg-deb -f "$1" "$2"; }
has() { dpkg-deb -c "$1" | awk '{print $6}' | grep -qx -- "$2" || fail "$(basename "$1") lacks $2"; }
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=./usr/lib/$multiarch

[[ "$(field "$lib" Depends)" == *"libc6 (>="* ]] ||
	fail "libpinwheel0 Depends is '$(field "$lib" Depends)', not computed by dpkg-shlibdeps"
[ "$(field "$dev" Depends)" = "libpinwheel0 (= $version)" ] ||
	fail "libpinwheel-dev Depends is '$(field "$dev" Depends)'"
[[ "$(field "$tools" Depends)" == python3* ]] || fail "pinwheel-tools Depends is '$(field "$tools" Depends)'"
[ "$(field "$tools" Architecture)" = all ] || fail "pinwheel-tools is not Architecture: all"
dpkg-deb -e "$lib" "$work/ctl"
grep -qx "libpinwheel 0 libpinwheel0 (>= $version)" "$work/ctl/shlibs" ||
	fail "libpinwheel0's shlibs: $(cat "$work/ctl/shlibs" 2>/dev/null)"
grep -q ldconfig "$work/ctl/postinst" || fail "libpinwheel0 does not run ldconfig"
for pkg in "$lib" "$dev" "$tools"; do
	say "$(field "$pkg" Package) $(field "$pkg" Version) $(field "$pkg" Architecture): Depends: $(field "$pkg" Depends)"
	has "$pkg" "./usr/share/doc/$(field "$pkg" Package)/copyright"
done
has "$lib" "$libdir/libpinwheel.so.$version"
has "$lib" "$libdir/libpinwheel.so.0"
has "$dev" "$libdir/libpinwheel.so"
has "$dev" "$libdir/libpinwheel.a"
has "$dev" "$libdir/pkgconfig/pinwheel.pc"
has "$dev" "$libdir/cmake/pinwheel/pinwheelConfig.cmake"
has "$dev" "$libdir/cmake/pinwheel/pinwheelConfigVersion.cmake"
has "$dev" "./usr/include/pinwheel/spdk/thread.h"
has "$dev" "./usr/share/man/man7/pinwheel.7.gz"
# Headers: exactly those of include/.
diff <(cd "$top/include" && find . -name '*.h' | sort) \
	<(dpkg-deb -c "$dev" | awk '{print $6}' | sed -n 's|^\./usr/include/pinwheel/\(.*\.h\)$|./\1|p' | sort) ||
	fail "libpinwheel-dev's headers are not include/'s"
# Every tool has its page and every page its tool; every script of scripts/ is packaged.
tool_list=$(dpkg-deb -c "$tools" | awk '{print $6}' | sed -n 's|^\./usr/bin/\(..*\)$|\1|p' | sort | xargs)
page_list=$(dpkg-deb -c "$tools" | awk '{print $6}' | sed -n 's|^\./usr/share/man/man1/\(.*\)\.1\.gz$|\1|p' | sort | xargs)
[ "$tool_list" = "$page_list" ] || fail "tools ($tool_list) and man1 pages ($page_list) differ"
[ "$tool_list" = "$(cd "$top/scripts" && ls pinwheel-* | sort | xargs)" ] ||
	fail "pinwheel-tools holds $tool_list, scripts/ has $(cd "$top/scripts" && ls pinwheel-* | xargs)"

# ---- 3. extracted into an empty directory ----------------------------------------------
root=$work/root
for deb in "$lib" "$dev" "$tools"; do
	dpkg -x "$deb" "$root"
done
say "extracted into $root"
"$top/test/install/consumers.sh" "$root/usr"

# man_page PAGE: rendered by man without a warning, and groff with every
# warning on says nothing.
man_page() {
	local out
	out=$(MANWIDTH=80 man -l -Tutf8 "$1" 2>&1 >/dev/null) || fail "man -l $1 failed: $out"
	[ -z "$out" ] || fail "man -l $1 warns: $out"
	out=$(zcat "$1" | groff -ww -z -man 2>&1) || fail "groff failed on $1: $out"
	[ -z "$out" ] || fail "groff warns on $1: $out"
	MANWIDTH=80 man -l "$1" 2>/dev/null | grep -q '^NAME' || fail "man -l $1 shows no NAME section"
}
for page in "$root"/usr/share/man/man*/*.gz; do
	man_page "$page"
	say "man -l ${page#"$root"/}: $(MANWIDTH=200 man -l "$page" 2>/dev/null | sed -n '/^NAME/{n;p;q}' | sed 's/^ *//')"
done
for tool in $tool_list; do
	"$root/usr/bin/$tool" --help >/dev/null || fail "$tool --help failed"
	"$top/test/package/man_options.sh" "$root/usr/bin/$tool" "$root/usr/share/man/man1/$tool.1.gz" ||
		fail "the manual page of $tool and its --help differ"
done
say "the tools start: $tool_list"

# ---- 4. installed into this system, then removed ---------------------------------------
if [ "${PW_PACKAGE_SYSTEM:-1}" = 0 ]; then
	say "PW_PACKAGE_SYSTEM=0: not installing into this system"
	exit 0
fi
if [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; then
	say "not root and no sudo: apt-get install / purge skipped (the dpkg -x tree above stands in)"
	exit 0
fi
if dpkg-query -W -f '${Package} ${Status}\n' "${pkgs[@]}" 2>/dev/null | grep -q ' installed$'; then
	say "a Pinwheel package is already installed on this system: apt-get install / purge skipped"
	exit 0
fi
say "apt-get install ${debs}/*.deb"
export DEBIAN_FRONTEND=noninteractive
system_installed=1
$SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
	"$lib" "$dev" "$tools" >"$work/apt.log" 2>&1 ||
	{ cat "$work/apt.log" >&2; fail "apt-get install failed"; }
dpkg-query -L "${pkgs[@]}" | sort -u >"$work/files"
for pkg in "${pkgs[@]}"; do
	[ "$(dpkg-query -W -f '${Status}' "$pkg")" = "install ok installed" ] || fail "$pkg is not installed"
done
"$top/test/install/consumers.sh" --system
for tool in $tool_list; do
	command -v "$tool" >/dev/null || fail "$tool is not on PATH after the install"
	[ "$(man -w "$tool")" = "/usr/share/man/man1/$tool.1.gz" ] || fail "man -w $tool: $(man -w "$tool" 2>&1)"
	"$tool" --help >/dev/null
done
[ "$(man -w 7 pinwheel)" = /usr/share/man/man7/pinwheel.7.gz ] || fail "man -w 7 pinwheel: $(man -w 7 pinwheel 2>&1)"
say "installed: $(wc -l <"$work/files") paths; find_package, pkg-config and man find them in /usr"

$SUDO apt-get purge -y -qq -o DPkg::Lock::Timeout=300 "${pkgs[@]}" >"$work/apt.log" 2>&1 ||
	{ cat "$work/apt.log" >&2; fail "apt-get purge failed"; }
system_installed=0
if dpkg-query -W -f '${Package} ${Status}\n' "${pkgs[@]}" 2>/dev/null | grep -qv ' not-installed$'; then
	fail "still known to dpkg after the purge: $(dpkg-query -W -f '${Package} ${Status}\n' "${pkgs[@]}" 2>&1)"
fi
# Files of the packages left behind (the shared directories such as /usr/bin stay).
left=$(while read -r path; do
	if [ -L "$path" ] || [ -f "$path" ]; then
		echo "$path"
	elif [ -d "$path" ] && [[ "$path" == *pinwheel* ]]; then
		echo "$path/"
	fi
done <"$work/files")
[ -z "$left" ] || fail "left after apt-get purge: $left"
say "apt-get purge removed every file and directory of the packages"
say "passed"
