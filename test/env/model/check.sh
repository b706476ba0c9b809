#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Model-check the mempool's index orders with Spin (see mempool_index.pml):
# the orders of lib/env/mempool.c must pass, all-relaxed orders (the code
# before the fix) must fail each check. Exit 0 when all came out as expected,
# 1 otherwise, 77 when spin or cc is missing. Needs ~0.5 GB and ~15 s.
#
#   test/env/model/check.sh [-v]     -v: print the failing interleavings

set -u
here=$(cd "$(dirname "$0")" && pwd)
verbose=${1:-}
command -v spin >/dev/null 2>&1 || { echo "spin not installed (apt-get install spin)"; exit 77; }
command -v cc >/dev/null 2>&1 || { echo "no C compiler"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/mempool_index.pml" "$work/"
cd "$work" || exit 1
status=0

# run EXPECT DEFINES...: EXPECT is pass or fail.
run() {
	expect=$1
	shift
	rm -f pan pan.* ./*.trail
	if ! spin -a "$@" mempool_index.pml >/dev/null ||
	   ! cc -O2 -w -DSAFETY -DCOLLAPSE -o pan pan.c; then
		echo "could not build the verifier for $*"
		status=1
		return
	fi
	./pan -m1000000 >out.txt 2>&1
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' out.txt)
	states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' out.txt)
	if [ "${errors:-x}" = 0 ] && ! grep -q "max search depth too small" out.txt; then
		got=pass
	else
		got=fail
	fi
	printf '%-40s %-4s (expected %s), %s states\n' "$*" "$got" "$expect" "${states:-?}"
	if [ "$got" = fail ] && [ "$verbose" = -v ] && [ -f mempool_index.pml.trail ]; then
		grep "assertion violated" out.txt
		spin -t "$@" mempool_index.pml | grep -E "T[0-9]"
	fi
	[ "$got" = "$expect" ] || status=1
}

run pass -DORDERED=1 -DNTHR=3 -DITER=2
run pass -DORDERED=1 -DNTHR=4 -DITER=1
run pass -DORDERED=1 -DNTHR=3 -DITER=1 -DCOUNT=3 -DSIZE=4
run fail -DORDERED=0 -DCHECK=1 -DNTHR=4 -DITER=1
run fail -DORDERED=0 -DCHECK=2 -DNTHR=3 -DITER=1
exit $status
