# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Sourced by the example tests (examples/tests/*.sh; CMake registers the *.sh
# files only, so this one is not a test):
#
#   failures         the number of failed checks (0 when sourced)
#   fail <what>      one failed check: counted, said, and the last run's stdout
#                    and stderr ($out, $err) shown
#   allowed          the cpus this process may run on, Cpus_allowed_list
#                    ("0-1,4") expanded; has_cpu <cpu> tells whether one is
#   temp_files       $out and $err (files) and $rpcdir (a folder for the RPC
#                    server's socket: tests run in parallel and must not share
#                    SPDK's default one), all removed at exit
#   exit_if_failed   exits 1, saying how many checks failed, if any did

failures=0

fail() {
	echo "FAIL: $*"
	echo "--- stdout"; cat "$out"
	echo "--- stderr"; cat "$err"
	failures=$((failures + 1))
}

allowed=()
IFS=, read -r -a ranges <<< "$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)"
for r in "${ranges[@]}"; do
	for ((c = ${r%-*}; c <= ${r#*-}; c++)); do allowed+=("$c"); done
done
has_cpu() { [[ " ${allowed[*]} " == *" $1 "* ]]; }

temp_files() {
	out=$(mktemp)
	err=$(mktemp)
	rpcdir=$(mktemp -d)
	trap 'rm -rf "$out" "$err" "$rpcdir"' EXIT
}

exit_if_failed() {
	if [[ $failures -gt 0 ]]; then
		echo "$failures check(s) failed"
		exit 1
	fi
}
