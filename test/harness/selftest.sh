#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
# Checks the harness's verdicts: good_* must pass (or skip), bad_* must fail.
set -u
bin=$1
status=0
for t in $("$bin" --list); do
	"$bin" "$t" >/dev/null 2>&1
	rc=$?
	case $t in
	good_skip) want=77 ;;
	good_*) want=0 ;;
	bad_*) want=1 ;;
	esac
	if [ "$rc" -ne "$want" ]; then
		echo "harness verdict for $t: exit $rc, expected $want"
		status=1
	fi
done
exit $status
