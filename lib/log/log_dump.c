/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_log_dump(): a hex dump, formatted whole and written with one fwrite()
 * so that it stays in one piece when several pthreads share the stream.
 *
 * Line layout (the same for every line, including the last, unlike SPDK's
 * whose last line carries one more space):
 *   "00000010  2e 2f 30 31 32 33 34 35  36 37 38 39 3a 3b 3c 3d  ./0123456789:;<="
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"

#include "common/pw_common.h"
#include "log/log_internal.h"

/* Dumps up to this size are built on the stack. */
#define DUMP_STACK_BUF	1024

/* Longest dump line: offset (up to 16 digits) + " " + 2 group spaces +
 * 16 * "xx " + " " + 16 characters + "\n". */
#define DUMP_LINE_MAX	(16 + 1 + 2 + 48 + 1 + 16 + 1)

/* Appends one dump line for bytes [off, off + n) of buf; returns its length. */
static size_t
dump_line(char *out, const uint8_t *buf, size_t off, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0, i;

	pos += (size_t)sprintf(out, "%08zx ", off);
	for (i = 0; i < 16; i++) {
		if (i % 8 == 0) {
			out[pos++] = ' ';
		}
		if (i < n) {
			out[pos++] = hex[buf[off + i] >> 4];
			out[pos++] = hex[buf[off + i] & 0xf];
		} else {
			out[pos++] = ' ';
			out[pos++] = ' ';
		}
		out[pos++] = ' ';
	}
	out[pos++] = ' ';
	for (i = 0; i < n; i++) {
		out[pos++] = isprint(buf[off + i]) ? (char)buf[off + i] : '.';
	}
	out[pos++] = '\n';
	return pos;
}

PW_EXPORT void
spdk_log_dump(FILE *fp, const char *label, const void *buf, size_t len)
{
	const uint8_t *bytes = buf;
	char stack[DUMP_STACK_BUF];
	size_t label_len, lines, cap, pos, off;
	char *out = stack;

	if (fp == NULL || (buf == NULL && len > 0)) {
		SPDK_ERRLOG("spdk_log_dump: %s is NULL\n", fp == NULL ? "fp" : "buf");
		return;
	}
	label = label != NULL ? label : "";
	label_len = strlen(label);
	lines = len / 16 + (len % 16 != 0);
	if (lines > (SIZE_MAX - label_len - 2) / DUMP_LINE_MAX) {
		SPDK_ERRLOG("spdk_log_dump: length %zu is too large\n", len);
		return;
	}
	cap = label_len + 2 + lines * DUMP_LINE_MAX;

	flockfile(fp);
	if (cap > sizeof(stack)) {
		out = pw__log_malloc(cap);
	}
	if (out == NULL) {
		/* Out of memory: write the dump one line at a time instead. */
		char one[DUMP_LINE_MAX + 1];

		fprintf(fp, "%s\n", label);
		for (off = 0; off < len; off += 16) {
			size_t n = dump_line(one, bytes, off, len - off < 16 ? len - off : 16);

			fwrite(one, 1, n, fp);
		}
	} else {
		memcpy(out, label, label_len);
		pos = label_len;
		out[pos++] = '\n';
		for (off = 0; off < len; off += 16) {
			pos += dump_line(out + pos, bytes, off, len - off < 16 ? len - off : 16);
		}
		fwrite(out, 1, pos, fp);
		if (out != stack) {
			free(out);
		}
	}
	fflush(fp);
	funlockfile(fp);
}
