#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# The ABI of libpinwheel.so against its checked-in description (doc/abi.md).
#
#   test/abi/check.sh             build the shared library (gcc, -g -O2, in
#                                 build-abi/), describe it with abidw and compare
#                                 it with abi/libpinwheel.so.<major>.abi
#   test/abi/check.sh --update    write that description anew (after a release,
#                                 or once a change of the soname's major is made)
#   test/abi/check.sh --selftest  show that the comparison catches what it must:
#                                 in a copy of the tree, a removed function and a
#                                 struct whose layout changed fail it; an added
#                                 function and a field added at the end of an
#                                 options struct pass
#
# A change fails the check when abidiff, told to ignore additions and given
# abi/suppressions.abignore, still reports something: a function or variable
# removed, or a type used by one changed (abidiff's exit bit 8,
# ABIDIFF_ABI_INCOMPATIBLE_CHANGE, is set only for removals, so its bit 4 is
# what catches a layout change). Additions are listed and pass. A library whose
# soname differs from the description's is a new ABI: it passes with a note.
#
# Needs gcc, cmake and abigail-tools (abidw, abidiff).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
supp=$top/abi/suppressions.abignore
mode=check
case "${1:-}" in
"") ;;
--update) mode=update ;;
--selftest) mode=selftest ;;
*) echo "usage: $0 [--update | --selftest]" >&2; exit 2 ;;
esac

for tool in abidw abidiff gcc cmake; do
	command -v "$tool" >/dev/null || { echo "abi: $tool is missing (abigail-tools, gcc, cmake)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# build SRC BUILD: the shared library of the tree SRC, built in BUILD with the
# flags the description was made with (the DWARF abidw reads depends on them).
build() {
	CC=gcc cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPW_BUILD_TESTS=OFF \
		-DPW_BUILD_BENCH=OFF -DPW_BUILD_EXAMPLES=OFF >"$work/cmake.log" 2>&1 ||
		{ cat "$work/cmake.log" >&2; return 1; }
	cmake --build "$2" -j "$(nproc 2>/dev/null || echo 2)" --target pinwheel >"$work/build.log" 2>&1 ||
		{ cat "$work/build.log" >&2; return 1; }
}

# describe SRC BUILD OUT: abidw's description of BUILD's library, with the
# types of the public headers only and no path of this machine in it; every
# exported function with its type (--exported-interfaces-only: without it
# abidw 2.2 records about half of them as bare ELF symbols, whose parameters
# and return types are then never compared).
describe() {
	local src=$1 lib
	lib=$(readlink -f "$2/libpinwheel.so")
	abidw --no-corpus-path --no-show-locs --exported-interfaces-only --drop-private-types \
		--headers-dir "$src/include/spdk" --headers-dir "$src/include/spdk_internal" \
		--headers-dir "$src/include/pinwheel" "$lib" |
		sed -e "s|$src/||g" -e "s|$src|.|g" >"$3"
}

soname() {
	sed -n "s/^<abi-corpus [^>]*soname='\([^']*\)'.*/\1/p" "$1" | head -n 1
}

# run_abidiff OLD NEW [OPTION...]: abidiff with the suppressions, its report in
# $work/diff.txt and its exit status in $diff_rc; returns 2 when abidiff failed.
run_abidiff() {
	local old=$1 new=$2
	shift 2
	diff_rc=0
	abidiff "$@" --suppressions "$supp" "$old" "$new" >"$work/diff.txt" 2>&1 || diff_rc=$?
	if ((diff_rc & 1)); then
		cat "$work/diff.txt" >&2
		echo "abi: abidiff failed (exit $diff_rc)" >&2
		return 2
	fi
}

# compare OLD NEW: 0 when NEW keeps OLD's ABI (additions are listed), 1 when
# it breaks it (the report is printed), 2 when abidiff fails.
compare() {
	local old=$1 new=$2
	if [ "$(soname "$old")" != "$(soname "$new")" ]; then
		echo "abi: the soname moved from $(soname "$old") to $(soname "$new"): a new ABI," \
			"not compared; record it with test/abi/check.sh --update"
		return 0
	fi
	run_abidiff "$old" "$new" --no-added-syms || return 2
	if ((diff_rc & 12)); then
		cat "$work/diff.txt"
		echo "abi: INCOMPATIBLE change to $(soname "$old") (abidiff exit $diff_rc): a function or" \
			"variable was removed or a type it uses changed. Keep the ABI (doc/abi.md), or" \
			"bump the major version (the soname) and run test/abi/check.sh --update."
		return 1
	fi
	run_abidiff "$old" "$new" || return 2
	if ((diff_rc & 4)); then
		cat "$work/diff.txt"
		echo "abi: compatible additions to $(soname "$old") (listed above): not a failure;" \
			"the description is brought up to date with --update when they are released"
	else
		echo "abi: $(soname "$old") unchanged"
	fi
	return 0
}

# ---- check and update ---------------------------------------------------------------
if [ "$mode" != selftest ]; then
	build "$top" "$top/build-abi"
	describe "$top" "$top/build-abi" "$work/new.abi"
	so=$(soname "$work/new.abi")
	if [ "$mode" = update ]; then
		rm -f "$top"/abi/libpinwheel.so.*.abi
		cp "$work/new.abi" "$top/abi/$so.abi"
		echo "abi: wrote abi/$so.abi ($(grep -c '<elf-symbol ' "$top/abi/$so.abi") symbols)"
		exit 0
	fi
	shopt -s nullglob
	baselines=("$top"/abi/libpinwheel.so.*.abi)
	if [ ${#baselines[@]} -ne 1 ]; then
		echo "abi: want exactly one abi/libpinwheel.so.*.abi, found ${#baselines[@]}" >&2
		exit 2
	fi
	echo "abi: comparing $so with ${baselines[0]#"$top"/}"
	compare "${baselines[0]}" "$work/new.abi"
	exit $?
fi

# ---- self-test -------------------------------------------------------------------
# A copy of the tree (as committed plus the working tree's changes to the files
# copied), the reference built once, then each alteration built and compared
# with it; the file altered is put back before the next one.
src=$work/src
mkdir -p "$src"
(cd "$top" && tar -cf - CMakeLists.txt cmake include lib abi doc/man scripts) | (cd "$src" && tar -xf -)
build "$src" "$work/build"
describe "$src" "$work/build" "$work/ref.abi"

failed=0
# case NAME WANT(pass|fail) FILES SCRIPT: apply the python SCRIPT to FILES (one
# path, or several separated by spaces) of the copy (it must change them),
# rebuild, compare, restore.
case_() {
	local name=$1 want=$2 script=$4 rc i
	local -a files
	read -r -a files <<<"$3"
	for i in "${!files[@]}"; do
		cp "$src/${files[$i]}" "$work/saved.$i"
	done
	python3 -c "$script" "${files[@]/#/$src/}"
	for i in "${!files[@]}"; do
		if cmp -s "$src/${files[$i]}" "$work/saved.$i"; then
			echo "abi selftest: $name: the alteration did not apply to ${files[$i]}" >&2
			exit 1
		fi
	done
	build "$src" "$work/build"
	describe "$src" "$work/build" "$work/alt.abi"
	rc=0
	compare "$work/ref.abi" "$work/alt.abi" >"$work/case.txt" || rc=$?
	for i in "${!files[@]}"; do
		cp "$work/saved.$i" "$src/${files[$i]}"
	done
	if { [ "$want" = fail ] && [ $rc -eq 1 ]; } || { [ "$want" = pass ] && [ $rc -eq 0 ]; }; then
		if [ "$want" = fail ]; then
			echo "abi selftest: $name: fails, as it must"
		else
			echo "abi selftest: $name: passes, as it must"
		fi
		grep -E 'changes summary|INCOMPATIBLE|compatible additions|unchanged' "$work/case.txt" |
			sed 's/^/    /'
	else
		cat "$work/case.txt"
		echo "abi selftest: $name: wanted $want, compare returned $rc" >&2
		failed=1
	fi
}

# Python edits (sys.argv[1] is the file), so that each is exact or visibly fails.
edit='import sys; p = sys.argv[1]; s = open(p).read()'
case_ "exported function removed" fail lib/util/version.c \
	"$edit; open(p, 'w').write(s.replace('PW_EXPORT const char *\npw_version_string', 'const char *\npw_version_string'))"
# A parameter added to a function (its callers in the library changed with it):
# abidw describes every exported function's type only with
# --exported-interfaces-only; without it, half of them (pw_version_string among
# them) were bare symbols, whose signature changes passed unseen.
case_ "parameter added to pw_version_string" fail \
	"lib/util/version.c include/pinwheel/version.h lib/rpc/rpc.c lib/event/app_args.c" \
	"import sys
for p in sys.argv[1:]:
    s = open(p).read()
    t = s.replace('pw_version_string(void)\n{\n', 'pw_version_string(int abi_selftest)\n{\n\t(void)abi_selftest;\n')
    t = t.replace('pw_version_string(void)', 'pw_version_string(int abi_selftest)').replace('pw_version_string()', 'pw_version_string(0)')
    assert t != s, p
    open(p, 'w').write(t)"
# (Not struct spdk_thread_stats: it sits in the thread's hot cache line, whose
# fit a static assertion checks, so the altered tree would not build.)
case_ "field inserted at the front of struct spdk_cpuset" fail include/spdk/cpuset.h \
	"$edit; open(p, 'w').write(s.replace('struct spdk_cpuset {', 'struct spdk_cpuset {\n\tuint64_t abi_selftest;', 1))"
case_ "field inserted at the front of struct spdk_app_opts" fail include/spdk/event.h \
	"$edit; open(p, 'w').write(s.replace('struct spdk_app_opts {', 'struct spdk_app_opts {\n\tuint64_t abi_selftest;', 1))"
case_ "exported function added" pass lib/util/version.c \
	"$edit; open(p, 'w').write(s + '\nPW_EXPORT int pw_abi_selftest(void);\nPW_EXPORT int\npw_abi_selftest(void)\n{\n\treturn 1;\n}\n')"
case_ "field added at the end of struct spdk_app_opts" pass include/spdk/event.h \
	"$edit; i = s.index('struct spdk_app_opts {'); j = s.index('\n};', i); open(p, 'w').write(s[:j] + '\n\tuint64_t abi_selftest;' + s[j:])"
[ $failed -eq 0 ] || exit 1
echo "abi selftest: passed"
