/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 *
 * The JSON configuration loader (spdk_subsystem_load_config()).
 *
 * A configuration is {"subsystems": [{"subsystem": NAME, "config": [ENTRY,
 * ...] or null}, ...]} where each ENTRY is {"method": M, "params": {...}}, an
 * RPC call. The loader copies the text, parses it once, and walks it on the
 * app thread: each entry whose method is allowed in the current RPC state is
 * called in-process with pw_rpc_call() (no socket, unlike SPDK, which starts
 * a temporary server and connects to it), and the next entry waits for the
 * answer, which arrives by a message whoever answered; entries of the other
 * state are skipped. The app framework runs the loader twice, in the STARTUP
 * state and then in the RUNTIME state; a method allowed in both runs in the
 * first pass only.
 *
 * What SPDK refuses is refused here, with the same return codes: a text that
 * is not JSON, a top level that is not an object, "subsystems" that is not an
 * array, a subsystem or entry with a missing, unknown or mistyped member
 * (-EINVAL whatever stop_on_error says); a method that is not registered
 * (-ENOENT with stop_on_error, unless its subsystem is not linked into the
 * application: then the entry is skipped with a notice, as SPDK does, so that
 * a configuration saved by a bigger application loads in a smaller one); a
 * call answered with an error (stop_on_error: the load ends). Every message
 * names the line and column of the offending value in the text, the
 * subsystem and the method. A missing "subsystems" key is only a warning, as
 * in SPDK. An entry may also be a batch, an array of calls (what
 * spdk_json_write_batch_begin() writes): it runs in the one state all its
 * methods allow, its calls one after the other (run_batch()).
 */

#include "init/init_internal.h"

#include "common/pw_common.h"

#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/log.h"
#include "spdk/rpc.h"
#include "spdk/string.h"
#include "spdk/thread.h"
#include "pinwheel/rpc.h"

#define WHERE_MAX	512

SPDK_LOG_REGISTER_COMPONENT(app_config)

struct load_ctx {
	spdk_subsystem_init_fn		cb_fn;
	void				*cb_arg;
	bool				stop_on_error;

	/* The caller's text, as given (for line and column numbers), and a
	 * copy parsed in place (strings decoded). Both NUL-terminated. */
	char				*text;
	char				*json;
	size_t				size;
	struct spdk_json_val		*values;

	struct spdk_json_val		*next_subsystem;	/* NULL: no more subsystems */
	uint32_t			subsystem_index;	/* of the current one, from 0 */
	char				*subsystem;		/* its name; NULL before the first */
	struct spdk_json_val		*next_entry;		/* NULL: current subsystem done */
	struct spdk_json_val		*batch_next;		/* next element of the batch being run */
	struct spdk_json_val		*entry;			/* the call waited for */
	char				*method;		/* its method */

	/* The last position where() counted lines to (pos_line, pos_col). */
	size_t				pos_off;
	size_t				pos_line;
	size_t				pos_col;
};

/* ---------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------- */

/* "JSON configuration, line L, column C[, subsystem "S"][, method "M"]" for
 * the value \p at (NULL: no position). */
static const char *
where(struct load_ctx *ctx, const struct spdk_json_val *at, const char *method,
      char *buf, size_t size)
{
	size_t off, i;
	int n = snprintf(buf, size, "JSON configuration");

	if (at != NULL && n >= 0 && (size_t)n < size) {
		off = (size_t)((const char *)at->start - ctx->json);
		if ((at->type == SPDK_JSON_VAL_STRING || at->type == SPDK_JSON_VAL_NAME) && off > 0) {
			off--;	/* the opening quote */
		}
		if (off > ctx->size) {
			off = ctx->size;
		}
		/* Messages mostly go forward in the text: count from the last one. */
		if (off < ctx->pos_off) {
			ctx->pos_off = 0;
			ctx->pos_line = 1;
			ctx->pos_col = 1;
		}
		for (i = ctx->pos_off; i < off; i++) {
			if (ctx->text[i] == '\n') {
				ctx->pos_line++;
				ctx->pos_col = 1;
			} else {
				ctx->pos_col++;
			}
		}
		ctx->pos_off = off;
		n += snprintf(buf + n, size - (size_t)n, ", line %zu, column %zu", ctx->pos_line,
			      ctx->pos_col);
	}
	if (ctx->subsystem != NULL && n >= 0 && (size_t)n < size) {
		n += snprintf(buf + n, size - (size_t)n, ", subsystem \"%s\"", ctx->subsystem);
	}
	if (method != NULL && n >= 0 && (size_t)n < size) {
		snprintf(buf + n, size - (size_t)n, ", method \"%s\"", method);
	}
	return buf;
}

/* Line and column of byte \p off of the text, for parse errors. */
static const char *
where_offset(struct load_ctx *ctx, size_t off, char *buf, size_t size)
{
	struct spdk_json_val at = { .start = ctx->json + off, .type = SPDK_JSON_VAL_NUMBER };

	return where(ctx, &at, NULL, buf, size);
}

static const char *
type_name(enum spdk_json_val_type type)
{
	switch (type) {
	case SPDK_JSON_VAL_NULL:
		return "null";
	case SPDK_JSON_VAL_TRUE:
	case SPDK_JSON_VAL_FALSE:
		return "a boolean";
	case SPDK_JSON_VAL_NUMBER:
		return "a number";
	case SPDK_JSON_VAL_STRING:
		return "a string";
	case SPDK_JSON_VAL_ARRAY_BEGIN:
		return "an array";
	case SPDK_JSON_VAL_OBJECT_BEGIN:
		return "an object";
	default:
		return "not a value";
	}
}

/* ---------------------------------------------------------------------------
 * The end
 * ------------------------------------------------------------------------- */

static void
ctx_free(struct load_ctx *ctx)
{
	free(ctx->method);
	free(ctx->subsystem);
	free(ctx->values);
	free(ctx->json);
	free(ctx->text);
	free(ctx);
}

static void
finish(struct load_ctx *ctx, int rc)
{
	spdk_subsystem_init_fn cb_fn = ctx->cb_fn;
	void *cb_arg = ctx->cb_arg;

	SPDK_DEBUGLOG(app_config, "JSON configuration loaded with rc %d\n", rc);
	ctx_free(ctx);
	cb_fn(rc, cb_arg);
}

/* ---------------------------------------------------------------------------
 * Parsing the text
 * ------------------------------------------------------------------------- */

/* After the value: white space, NUL bytes (a C string's terminator) and
 * comments only. Returns the offset of anything else, or ctx->size. */
static size_t
trailing_text(const struct load_ctx *ctx, size_t off)
{
	const char *t = ctx->text;
	const char *stop;

	while (off < ctx->size) {
		char c = t[off];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0') {
			off++;
		} else if (c == '/' && off + 1 < ctx->size && t[off + 1] == '/') {
			while (off < ctx->size && t[off] != '\n') {
				off++;
			}
		} else if (c == '/' && off + 1 < ctx->size && t[off + 1] == '*') {
			stop = memmem(t + off + 2, ctx->size - off - 2, "*/", 2);
			if (stop == NULL) {
				return off;
			}
			off = (size_t)(stop - t) + 2;
		} else {
			return off;
		}
	}
	return ctx->size;
}

static int
parse(struct load_ctx *ctx)
{
	const uint32_t flags = SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS;
	char buf[WHERE_MAX];
	void *end = NULL;
	ssize_t count, rc;
	size_t off;

	count = spdk_json_parse(ctx->json, ctx->size, NULL, 0, &end, flags);
	off = end != NULL ? (size_t)((char *)end - ctx->json) : 0;
	if (count == SPDK_JSON_PARSE_INCOMPLETE) {
		SPDK_ERRLOG("%s: the text is truncated: it ends before the configuration is complete\n",
			    where_offset(ctx, ctx->size, buf, sizeof(buf)));
		return -EINVAL;
	}
	if (count == SPDK_JSON_PARSE_MAX_DEPTH_EXCEEDED) {
		SPDK_ERRLOG("%s: values nested too deeply\n", where_offset(ctx, off, buf, sizeof(buf)));
		return -EINVAL;
	}
	if (count <= 0) {
		SPDK_ERRLOG("%s: not valid JSON (unexpected '%c')\n",
			    where_offset(ctx, off, buf, sizeof(buf)),
			    off < ctx->size && ctx->text[off] >= ' ' && ctx->text[off] < 0x7f ?
			    ctx->text[off] : '?');
		return -EINVAL;
	}
	off = trailing_text(ctx, off);
	if (off != ctx->size) {
		SPDK_ERRLOG("%s: unexpected text after the configuration's closing '}'\n",
			    where_offset(ctx, off, buf, sizeof(buf)));
		return -EINVAL;
	}
	ctx->values = calloc((size_t)count, sizeof(*ctx->values));
	if (ctx->values == NULL) {
		SPDK_ERRLOG("JSON configuration: no memory for its %zd values\n", count);
		return -ENOMEM;
	}
	rc = spdk_json_parse(ctx->json, ctx->size, ctx->values, (size_t)count, NULL,
			     flags | SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
	if (rc != count) {
		SPDK_ERRLOG("JSON configuration: parsed differently the second time (%zd, %zd)\n",
			    rc, count);
		return -EINVAL;
	}
	return 0;
}

/* The top level: {"subsystems": [...]} (other keys are ignored, as in SPDK). */
static int
find_subsystems(struct load_ctx *ctx)
{
	struct spdk_json_val *subsystems = NULL;
	char buf[WHERE_MAX];
	int rc;

	if (ctx->values[0].type != SPDK_JSON_VAL_OBJECT_BEGIN) {
		SPDK_ERRLOG("%s: the configuration must be an object {\"subsystems\": [...]}, not %s\n",
			    where(ctx, &ctx->values[0], NULL, buf, sizeof(buf)),
			    type_name(ctx->values[0].type));
		return -EINVAL;
	}
	rc = spdk_json_find(ctx->values, "subsystems", NULL, &subsystems, SPDK_JSON_VAL_ANY);
	if (rc == -ENOENT) {
		SPDK_WARNLOG("%s: no \"subsystems\" key: nothing to load\n",
			     where(ctx, &ctx->values[0], NULL, buf, sizeof(buf)));
		return 0;
	}
	if (rc != 0) {
		SPDK_ERRLOG("%s: \"subsystems\" appears more than once\n",
			    where(ctx, &ctx->values[0], NULL, buf, sizeof(buf)));
		return -EINVAL;
	}
	if (subsystems->type != SPDK_JSON_VAL_ARRAY_BEGIN) {
		SPDK_ERRLOG("%s: \"subsystems\" must be an array, not %s\n",
			    where(ctx, subsystems, NULL, buf, sizeof(buf)), type_name(subsystems->type));
		return -EINVAL;
	}
	ctx->next_subsystem = spdk_json_array_first(subsystems);
	if (ctx->next_subsystem == NULL) {
		SPDK_NOTICELOG("JSON configuration: \"subsystems\" is empty\n");
	}
	return 0;
}

/* Members of a subsystem or entry object: each of \p names at most once
 * (\p vals[i] receives it, or stays NULL); any other name is an error. */
static int
members(struct load_ctx *ctx, struct spdk_json_val *obj, const char *what,
	const char *const *names, struct spdk_json_val **vals, size_t count, bool quiet)
{
	struct spdk_json_val *name;
	char buf[WHERE_MAX];
	size_t i;

	for (name = spdk_json_object_first(obj); name != NULL; name = spdk_json_next(name)) {
		for (i = 0; i < count; i++) {
			if (spdk_json_strequal(name, names[i])) {
				break;
			}
		}
		if (i == count) {
			if (!quiet) {
				SPDK_ERRLOG("%s: unknown key \"%.*s\" in %s\n",
					    where(ctx, name, NULL, buf, sizeof(buf)), (int)name->len,
					    (const char *)name->start, what);
			}
			return -EINVAL;
		}
		if (vals[i] != NULL) {
			if (!quiet) {
				SPDK_ERRLOG("%s: key \"%s\" appears twice in %s\n",
					    where(ctx, name, NULL, buf, sizeof(buf)), names[i], what);
			}
			return -EINVAL;
		}
		vals[i] = name + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Walking the subsystems and their entries (app thread)
 * ------------------------------------------------------------------------- */

/* Take the next subsystem: its name and the first entry of its "config". */
static int
open_subsystem(struct load_ctx *ctx)
{
	static const char *const names[] = { "subsystem", "config" };
	struct spdk_json_val *obj = ctx->next_subsystem, *vals[2] = {};
	char buf[WHERE_MAX];
	int rc;

	ctx->next_subsystem = spdk_json_next(obj);
	ctx->subsystem_index = ctx->subsystem != NULL ? ctx->subsystem_index + 1 : 0;
	free(ctx->subsystem);
	ctx->subsystem = NULL;
	if (obj->type != SPDK_JSON_VAL_OBJECT_BEGIN) {
		SPDK_ERRLOG("%s: subsystem #%u of \"subsystems\" must be an object "
			    "{\"subsystem\": NAME, \"config\": [...]}, not %s\n",
			    where(ctx, obj, NULL, buf, sizeof(buf)), ctx->subsystem_index,
			    type_name(obj->type));
		return -EINVAL;
	}
	rc = members(ctx, obj, "a subsystem", names, vals, 2, false);
	if (rc != 0) {
		return rc;
	}
	if (vals[0] == NULL || vals[0]->type != SPDK_JSON_VAL_STRING) {
		SPDK_ERRLOG("%s: subsystem #%u: %s\n", where(ctx, vals[0] ? vals[0] : obj, NULL, buf,
				sizeof(buf)), ctx->subsystem_index, vals[0] == NULL ?
			    "no \"subsystem\" key (its name)" : "\"subsystem\" must be a string");
		return -EINVAL;
	}
	ctx->subsystem = spdk_json_strdup(vals[0]);
	if (ctx->subsystem == NULL) {
		SPDK_ERRLOG("JSON configuration: no memory for a subsystem's name\n");
		return -ENOMEM;
	}
	if (vals[1] == NULL || (vals[1]->type != SPDK_JSON_VAL_ARRAY_BEGIN &&
				vals[1]->type != SPDK_JSON_VAL_NULL)) {
		SPDK_ERRLOG("%s: %s\n", where(ctx, vals[1] ? vals[1] : obj, NULL, buf, sizeof(buf)),
			    vals[1] == NULL ? "no \"config\" key (an array of calls, or null)" :
			    "\"config\" must be an array of calls or null");
		return -EINVAL;
	}
	SPDK_DEBUGLOG(app_config, "loading the configuration of subsystem %s\n", ctx->subsystem);
	ctx->next_entry = spdk_json_array_first(vals[1]);	/* NULL for null and [] */
	return 0;
}

/* A JSON-RPC error code as a negative errno: SPDK's handlers often send
 * -errno as the code; the protocol's own codes map to their meaning. */
static int
code_to_errno(int32_t code)
{
	if (code == SPDK_JSONRPC_ERROR_METHOD_NOT_FOUND) {
		return -ENOENT;
	}
	if (code < 0 && code >= -4095) {
		return code;
	}
	return -EINVAL;
}

static void load_next(struct load_ctx *ctx);

static void
call_done(void *arg, const struct pw_rpc_response *rsp)
{
	struct load_ctx *ctx = arg;
	char buf[WHERE_MAX];

	if (rsp->result == NULL) {
		SPDK_ERRLOG("%s: the call failed with error %d: %s%s\n",
			    where(ctx, ctx->entry, ctx->method, buf, sizeof(buf)), rsp->error_code,
			    rsp->error_message, ctx->stop_on_error ? "" : " (going on: errors are ignored)");
		if (ctx->stop_on_error) {
			finish(ctx, code_to_errno(rsp->error_code));
			return;
		}
	}
	free(ctx->method);
	ctx->method = NULL;
	ctx->entry = NULL;
	load_next(ctx);
}

/*
 * A call {"method": M, "params": {...}} (\p what: "a \"config\" entry" or "a
 * batch element"): *method (malloc'd) and *params (NULL: none). 0, or
 * -EINVAL (logged unless \p quiet) or -ENOMEM.
 */
static int
decode_call(struct load_ctx *ctx, struct spdk_json_val *obj, const char *what, bool quiet,
	    char **method, struct spdk_json_val **params)
{
	static const char *const names[] = { "method", "params" };
	struct spdk_json_val *vals[2] = {};
	char buf[WHERE_MAX];
	int rc;

	*method = NULL;
	if (obj->type != SPDK_JSON_VAL_OBJECT_BEGIN) {
		if (!quiet) {
			SPDK_ERRLOG("%s: %s must be an object {\"method\": NAME, \"params\": {...}}, "
				    "not %s\n", where(ctx, obj, NULL, buf, sizeof(buf)), what,
				    type_name(obj->type));
		}
		return -EINVAL;
	}
	rc = members(ctx, obj, what, names, vals, 2, quiet);
	if (rc != 0) {
		return rc;
	}
	if (vals[0] == NULL || vals[0]->type != SPDK_JSON_VAL_STRING) {
		if (!quiet) {
			SPDK_ERRLOG("%s: %s%s\n", where(ctx, vals[0] ? vals[0] : obj, NULL, buf,
							sizeof(buf)), vals[0] == NULL ? what : "",
				    vals[0] == NULL ? " has no \"method\" key" :
				    "\"method\" must be a string");
		}
		return -EINVAL;
	}
	*method = spdk_json_strdup(vals[0]);
	if (*method == NULL) {
		SPDK_ERRLOG("JSON configuration: no memory for a method's name\n");
		return -ENOMEM;
	}
	if (vals[1] != NULL && vals[1]->type != SPDK_JSON_VAL_OBJECT_BEGIN) {
		if (!quiet) {
			SPDK_ERRLOG("%s: \"params\" must be an object, not %s\n",
				    where(ctx, vals[1], *method, buf, sizeof(buf)),
				    type_name(vals[1]->type));
		}
		free(*method);
		*method = NULL;
		return -EINVAL;
	}
	*params = vals[1];
	return 0;
}

/*
 * A method that is not registered: 1 to skip the call, or -ENOENT. SPDK's
 * rule: skipped without stop_on_error, or when the subsystem is not linked
 * into this application either; an error otherwise.
 */
static int
unknown_method(struct load_ctx *ctx, struct spdk_json_val *obj, const char *method)
{
	char buf[WHERE_MAX];

	if (!ctx->stop_on_error) {
		SPDK_ERRLOG("%s: no such method: skipped (errors are ignored)\n",
			    where(ctx, obj, method, buf, sizeof(buf)));
		return 1;
	}
	if (!spdk_subsystem_exists(ctx->subsystem)) {
		SPDK_NOTICELOG("%s: skipped: the subsystem is not linked into this application\n",
			       where(ctx, obj, method, buf, sizeof(buf)));
		return 1;
	}
	SPDK_ERRLOG("%s: no such method\n", where(ctx, obj, method, buf, sizeof(buf)));
	return -ENOENT;
}

/* Make the call of \p obj; \p method passes to ctx. 0, or a negative errno. */
static int
issue(struct load_ctx *ctx, struct spdk_json_val *obj, char *method, struct spdk_json_val *params)
{
	char buf[WHERE_MAX];
	int rc;

	SPDK_DEBUGLOG(app_config, "calling %s\n", method);
	ctx->entry = obj;
	ctx->method = method;
	rc = pw_rpc_call(method, params, call_done, ctx);
	if (rc != 0) {
		SPDK_ERRLOG("%s: the call cannot be made: %s\n",
			    where(ctx, obj, method, buf, sizeof(buf)), spdk_strerror(-rc));
	}
	return rc;
}

/*
 * The next call of the batch being run: 0 when made, 1 when the batch is
 * done, a negative errno to end the load. The elements that its check
 * skipped (run_batch()) are skipped again, silently.
 */
static int
batch_step(struct load_ctx *ctx)
{
	struct spdk_json_val *elem, *params = NULL;
	uint32_t mask;
	char *method;
	int rc;

	while (ctx->batch_next != NULL) {
		elem = ctx->batch_next;
		ctx->batch_next = spdk_json_next(elem);
		rc = decode_call(ctx, elem, "a batch element", true, &method, &params);
		if (rc == -ENOMEM) {
			return rc;	/* not a bad element: the call would be lost */
		}
		if (rc != 0) {
			continue;
		}
		if (spdk_rpc_get_method_state_mask(method, &mask) != 0) {
			free(method);
			continue;
		}
		return issue(ctx, elem, method, params);
	}
	return 1;
}

/*
 * A batch: an array of calls, run in the one state that all its methods
 * allow (SPDK sends it as one JSON-RPC batch; here its calls run one after
 * the other). SPDK's rules: an empty batch is skipped; an element that is
 * not a well-formed call, or whose method is unknown, is skipped, except with
 * stop_on_error (an unknown method of an unlinked subsystem is still
 * skipped); a batch left with no call, or whose methods have no state in
 * common, is an error; in RUNTIME a batch that STARTUP allowed is skipped.
 * Returns as run_entry().
 */
static int
run_batch(struct load_ctx *ctx, struct spdk_json_val *array)
{
	struct spdk_json_val *elem, *params;
	uint32_t allowed = SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME, mask, count = 0;
	char buf[WHERE_MAX];
	char *method;
	int rc;

	elem = spdk_json_array_first(array);
	if (elem == NULL) {
		return 1;
	}
	for (; elem != NULL; elem = spdk_json_next(elem)) {
		rc = decode_call(ctx, elem, "a batch element", false, &method, &params);
		if (rc == -ENOMEM) {
			return rc;
		}
		if (rc != 0) {
			if (ctx->stop_on_error) {
				return rc;
			}
			continue;
		}
		if (spdk_rpc_get_method_state_mask(method, &mask) != 0) {
			rc = unknown_method(ctx, elem, method);
			free(method);
			if (rc < 0) {
				return rc;
			}
			continue;
		}
		free(method);
		allowed &= mask;
		count++;
	}
	if (count == 0) {
		SPDK_ERRLOG("%s: a batch with no call to make\n",
			    where(ctx, array, NULL, buf, sizeof(buf)));
		return -EINVAL;
	}
	if (allowed == 0) {
		SPDK_ERRLOG("%s: a batch whose methods have no RPC state in common\n",
			    where(ctx, array, NULL, buf, sizeof(buf)));
		return -EINVAL;
	}
	if (spdk_rpc_get_state() == SPDK_RPC_STARTUP ? !(allowed & SPDK_RPC_STARTUP) :
	    (allowed & SPDK_RPC_STARTUP) != 0) {
		return 1;	/* the other pass runs it (or ran it) */
	}
	ctx->batch_next = spdk_json_array_first(array);
	return batch_step(ctx);
}

/* One entry: 0 when its call was made (load_next() goes on in call_done()),
 * 1 when it is skipped, a negative errno to end the load. */
static int
run_entry(struct load_ctx *ctx, struct spdk_json_val *obj)
{
	const uint32_t both = SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME;
	struct spdk_json_val *params = NULL;
	uint32_t mask = 0, state;
	char *method;
	int rc;

	if (obj->type == SPDK_JSON_VAL_ARRAY_BEGIN) {
		return run_batch(ctx, obj);
	}
	rc = decode_call(ctx, obj, "a \"config\" entry", false, &method, &params);
	if (rc != 0) {
		return rc;
	}
	if (spdk_rpc_get_method_state_mask(method, &mask) != 0) {
		rc = unknown_method(ctx, obj, method);
		free(method);
		return rc;
	}
	state = spdk_rpc_get_state();
	if ((mask & state) != state || ((mask & both) == both && state == SPDK_RPC_RUNTIME)) {
		/* The other pass calls it (or called it, when allowed in both). */
		SPDK_DEBUGLOG(app_config, "method %s skipped in state %#x\n", method, state);
		free(method);
		return 1;
	}
	return issue(ctx, obj, method, params);
}

/* Go on from the next entry until a call is made or the end. */
static void
load_next(struct load_ctx *ctx)
{
	struct spdk_json_val *entry;
	int rc;

	for (;;) {
		if (ctx->batch_next != NULL) {
			rc = batch_step(ctx);
			if (rc == 0) {
				return;
			}
			if (rc < 0) {
				finish(ctx, rc);
				return;
			}
		}
		while (ctx->next_entry == NULL) {
			if (ctx->next_subsystem == NULL) {
				finish(ctx, 0);
				return;
			}
			rc = open_subsystem(ctx);
			if (rc != 0) {
				finish(ctx, rc);
				return;
			}
		}
		entry = ctx->next_entry;
		ctx->next_entry = spdk_json_next(entry);
		rc = run_entry(ctx, entry);
		if (rc == 0) {
			return;
		}
		if (rc < 0) {
			finish(ctx, rc);
			return;
		}
	}
}

static void
load_start(void *arg)
{
	struct load_ctx *ctx = arg;
	int rc;

	rc = parse(ctx);
	if (rc == 0) {
		rc = find_subsystems(ctx);
	}
	if (rc != 0) {
		finish(ctx, rc);
		return;
	}
	load_next(ctx);
}

PW_EXPORT void
spdk_subsystem_load_config(void *json, ssize_t json_size, spdk_subsystem_init_fn cb_fn,
			   void *cb_arg, bool stop_on_error)
{
	struct load_ctx *ctx;
	int rc;

	if (cb_fn == NULL) {
		SPDK_ERRLOG("spdk_subsystem_load_config: NULL callback\n");
		return;
	}
	if (!spdk_thread_is_app_thread(NULL)) {
		SPDK_ERRLOG("spdk_subsystem_load_config: not called on the app thread\n");
		cb_fn(-EINVAL, cb_arg);
		return;
	}
	if (json == NULL || json_size <= 0) {
		SPDK_ERRLOG("JSON configuration is empty\n");
		cb_fn(-EINVAL, cb_arg);
		return;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		goto nomem;
	}
	ctx->cb_fn = cb_fn;
	ctx->cb_arg = cb_arg;
	ctx->stop_on_error = stop_on_error;
	ctx->size = (size_t)json_size;
	ctx->pos_line = 1;
	ctx->pos_col = 1;
	ctx->text = malloc(ctx->size + 1);
	ctx->json = malloc(ctx->size + 1);
	if (ctx->text == NULL || ctx->json == NULL) {
		ctx_free(ctx);
		goto nomem;
	}
	memcpy(ctx->text, json, ctx->size);
	ctx->text[ctx->size] = '\0';
	memcpy(ctx->json, ctx->text, ctx->size + 1);
	/* The load starts from a message: cb_fn never runs inside this call. */
	rc = spdk_thread_send_msg(spdk_get_thread(), load_start, ctx);
	if (rc != 0) {
		ctx_free(ctx);
		SPDK_ERRLOG("spdk_subsystem_load_config: cannot start: %s\n", spdk_strerror(-rc));
		cb_fn(rc, cb_arg);
	}
	return;
nomem:
	SPDK_ERRLOG("JSON configuration: no memory for a copy of %zd bytes\n", json_size);
	cb_fn(-ENOMEM, cb_arg);
}
