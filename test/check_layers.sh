#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# test/check_layers.sh SOURCE_DIR
#
# The layering rule of doc/conventions.md, checked on every #include "..." of
# lib/ and include/:
#
#   base < log < util < env < trace < thread < rpc < init < event
#
# - a public header (include/spdk/, include/spdk_internal/, include/pinwheel/)
#   belongs to one layer (the table below); it may include public headers of
#   its own layer and of the layers below;
# - a file of lib/<layer>/ may include public headers of its layer and below,
#   its own layer's private headers ("<layer>/..."), and lib/common/
#   ("common/..."), the layer-neutral building blocks every layer may use;
# - lib/common/ may include base headers and its own files only.
# "base" is the header-only part (macros, inline helpers) with no code in lib/.
# A public header missing from the table is an error: place it in a layer.
set -u
shopt -s nullglob
top=${1:?usage: $0 SOURCE_DIR}
cd "$top" || exit 2

rank() {
	case $1 in
	base) echo 0 ;; log) echo 1 ;; common) echo 1 ;; util) echo 2 ;; env) echo 3 ;;
	trace) echo 4 ;; thread) echo 5 ;; rpc) echo 6 ;; init) echo 7 ;; event) echo 8 ;;
	*) echo 99 ;;
	esac
}

# The layer of a public header, by its include path.
header_layer() {
	case $1 in
	spdk/stdinc.h | spdk/likely.h | spdk/assert.h | spdk/queue.h | spdk/util.h) echo base ;;
	spdk/log.h) echo log ;;
	spdk/cpuset.h | spdk/string.h | spdk/fd_group.h | pinwheel/version.h) echo util ;;
	spdk/env.h | pinwheel/env.h) echo env ;;
	spdk/trace.h | pinwheel/trace.h) echo trace ;;
	spdk/thread.h | spdk_internal/thread.h | pinwheel/thread.h | pinwheel/spinlock.h) echo thread ;;
	spdk/json.h | spdk/jsonrpc.h | spdk/rpc.h | pinwheel/rpc.h | pinwheel/rpc_init.h) echo rpc ;;
	spdk/init.h) echo init ;;
	spdk/event.h | spdk_internal/event.h | pinwheel/event.h | spdk/scheduler.h) echo event ;;
	*) echo unknown ;;
	esac
}

bad=0
complain() {
	echo "layering: $*" >&2
	bad=$((bad + 1))
}

# check FILE LAYER: every #include "..." of FILE against LAYER's rights.
check() {
	local file=$1 layer=$2 inc target trank
	local lrank
	lrank=$(rank "$layer")
	while IFS= read -r inc; do
		case $inc in
		spdk/* | spdk_internal/* | pinwheel/*)
			target=$(header_layer "$inc")
			if [[ $target == unknown ]]; then
				complain "$file includes $inc, which has no layer (add it to test/check_layers.sh)"
				continue
			fi
			trank=$(rank "$target")
			if [[ $layer == common ]]; then
				[[ $target == base ]] || complain "$file (common) includes $inc ($target): common may use base headers only"
			elif ((trank > lrank)); then
				complain "$file ($layer) includes $inc of the higher layer $target"
			fi
			;;
		common/*) ;;
		*/*)
			[[ ${inc%%/*} == "$layer" ]] ||
				complain "$file ($layer) includes $inc, a private header of layer ${inc%%/*}"
			;;
		*)
			# A file of its own directory, by bare name.
			[[ -f $(dirname "$file")/$inc ]] ||
				complain "$file includes \"$inc\": not found beside it"
			;;
		esac
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
}

for f in include/spdk/*.h include/spdk_internal/*.h include/pinwheel/*.h; do
	rel=${f#include/}
	layer=$(header_layer "$rel")
	if [[ $layer == unknown ]]; then
		complain "$f has no layer (add it to test/check_layers.sh)"
		continue
	fi
	check "$f" "$layer"
done
for d in lib/*/; do
	layer=$(basename "$d")
	if [[ $(rank "$layer") == 99 ]]; then
		complain "lib/$layer is not a known layer (add it to test/check_layers.sh and doc/conventions.md)"
		continue
	fi
	for f in "$d"*.c "$d"*.h; do
		check "$f" "$layer"
	done
done

if ((bad > 0)); then
	echo "layering: $bad violation(s)" >&2
	exit 1
fi
echo "layering: every include of lib/ and include/ keeps the layers"
