#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# A tool's manual page and its --help name the same options: every option the
# --help lists is in the page, and every option the page's OPTIONS section
# describes is in the --help (the rest of the page may name other programs'
# options or a method's parameters).
#
# Usage: test/package/man_options.sh TOOL PAGE   (PAGE may be gzipped)
set -euo pipefail

tool=${1:?usage: $0 TOOL PAGE}
page=${2:?usage: $0 TOOL PAGE}

# options: the -x and --long-name words of standard input, one a line.
options() {
	grep -oE '(^|[][ ,(|])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[][ ,(|]//' | sort -u
}
# roff: the page as text, \- and font changes removed.
roff() { zcat -f "$page" | sed 's/\\-/-/g; s/\\f[BIRP]//g'; }

help_opts=$("$tool" --help 2>&1 | options)
page_opts=$(roff | options)
section_opts=$(roff | sed -n '/^\.SH OPTIONS/,/^\.SH /p' | options)
[ -n "$section_opts" ] || { echo "man_options: $page has no option in an OPTIONS section" >&2; exit 1; }

bad=0
missing=$(comm -23 <(echo "$help_opts") <(echo "$page_opts"))
if [ -n "$missing" ]; then
	echo "man_options: $(basename "$tool") --help has options its page does not name: $(echo "$missing" | xargs)" >&2
	bad=1
fi
unknown=$(comm -23 <(echo "$section_opts") <(echo "$help_opts"))
if [ -n "$unknown" ]; then
	echo "man_options: the OPTIONS of $(basename "$page") name options $(basename "$tool") --help does not have: $(echo "$unknown" | xargs)" >&2
	bad=1
fi
exit $bad
