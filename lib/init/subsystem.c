/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The subsystem registry (spdk/init.h): registration from constructors, the
 * dependency check and ordering, the init chain and the fini chain.
 *
 * The chains run on the app thread. A subsystem's init/fini usually reports
 * from inside the call (spdk_subsystem_init_next() before init returns);
 * then the report is only recorded and the loop of advance_init() /
 * advance_fini() goes on, so that a long chain of synchronous subsystems does
 * not recurse once per subsystem. A report from another spdk_thread arrives
 * as a message on the app thread.
 *
 * The subsystems initialised so far are always a prefix of the sorted list
 * (the chain stops at the first failure), so g_last_inited is all the
 * teardown needs: fini walks back from it.
 */

#include "init/init_internal.h"
#include "common/pw_common.h"

#include "spdk/json.h"
#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/thread.h"

#define REG_ERROR_LEN	256

enum chain_state {
	CHAIN_IDLE,		/* nothing initialised; init may start */
	CHAIN_INITIALISING,	/* g_cur's init is running */
	CHAIN_DONE,		/* init ended (success or failure); fini next */
	CHAIN_FINISHING,	/* g_cur's fini is running */
};

TAILQ_HEAD(subsystem_list, spdk_subsystem);
TAILQ_HEAD(depend_list, spdk_subsystem_depend);

static struct subsystem_list g_subsystems = TAILQ_HEAD_INITIALIZER(g_subsystems);
static struct depend_list g_depends = TAILQ_HEAD_INITIALIZER(g_depends);

/* Registrations refused (spdk_subsystem_init() fails while there are any). */
static unsigned int g_reg_errors;
static char g_first_reg_error[REG_ERROR_LEN];

static enum chain_state g_state = CHAIN_IDLE;
static struct spdk_subsystem *g_cur;		/* whose init/fini is running */
static struct spdk_subsystem *g_last_inited;	/* end of the initialised prefix */
static spdk_subsystem_init_fn g_init_cb;
static void *g_init_arg;
static spdk_subsystem_fini_fn g_fini_cb;
static void *g_fini_arg;
static bool g_fini_requested;			/* fini called during init */

/* Synchronous reports: set while the loop is inside an init()/fini() call. */
static bool g_in_call;
static bool g_reported;
static int g_reported_rc;

static void advance_init(void);
static void advance_fini(void);

static bool
on_app_thread(void)
{
	struct spdk_thread *app = spdk_thread_get_app_thread();

	return app != NULL && spdk_get_thread() == app;
}

static struct spdk_subsystem *
find(const char *name)
{
	struct spdk_subsystem *s;

	if (name == NULL) {
		return NULL;
	}
	TAILQ_FOREACH(s, &g_subsystems, tailq) {
		if (strcmp(s->name, name) == 0) {
			return s;
		}
	}
	return NULL;
}

static void
registration_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
registration_error(const char *fmt, ...)
{
	char msg[REG_ERROR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	SPDK_ERRLOG("%s\n", msg);
	if (g_reg_errors++ == 0) {
		snprintf(g_first_reg_error, sizeof(g_first_reg_error), "%s", msg);
	}
}

/* ---------------------------------------------------------------------------
 * Dependency check and ordering
 * ------------------------------------------------------------------------- */

struct sort_ctx {
	size_t			n;
	struct spdk_subsystem	**subs;		/* registration order */
	uint32_t		*unmet;		/* dependencies not placed yet */
	uint32_t		*out_start;	/* CSR: dependents of i are */
	uint32_t		*out;		/* out[out_start[i] .. out_start[i + 1]) */
	uint32_t		*dep_of;	/* per depend entry: index of name */
	uint32_t		*dep_on;	/* per depend entry: index of depends_on */
	size_t			ndeps;
	bool			*placed;
};

static void
sort_ctx_free(struct sort_ctx *c)
{
	free(c->subs);
	free(c->unmet);
	free(c->out_start);
	free(c->out);
	free(c->dep_of);
	free(c->dep_on);
	free(c->placed);
}

static uint32_t
index_of(const struct sort_ctx *c, const char *name)
{
	for (uint32_t i = 0; i < c->n; i++) {
		if (strcmp(c->subs[i]->name, name) == 0) {
			return i;
		}
	}
	return UINT32_MAX;
}

/* Every dependency names two registered subsystems; logs every one that
 * does not. */
static int
check_depends(void)
{
	struct spdk_subsystem_depend *d;
	int rc = 0;

	TAILQ_FOREACH(d, &g_depends, tailq) {
		if (find(d->name) == NULL) {
			SPDK_ERRLOG("subsystem '%s' is not registered, but a dependency of it "
				    "on '%s' is (SPDK_SUBSYSTEM_DEPEND without SPDK_SUBSYSTEM_REGISTER?)\n",
				    d->name, d->depends_on);
			rc = -EINVAL;
		} else if (find(d->depends_on) == NULL) {
			SPDK_ERRLOG("subsystem '%s' depends on '%s', which is not registered "
				    "(not linked into the application?)\n", d->name, d->depends_on);
			rc = -EINVAL;
		}
	}
	return rc;
}

/* Log one cycle among the subsystems left unplaced: from an unplaced one,
 * follow unplaced dependencies until a subsystem repeats. */
static void
report_cycle(struct sort_ctx *c, size_t left)
{
	uint32_t *step = calloc(c->n, sizeof(*step));
	uint32_t *path = calloc(c->n + 1, sizeof(*path));
	uint32_t u = 0, len = 0, start;
	size_t msg_len = 0, off = 0;
	char *msg;

	if (step == NULL || path == NULL) {
		SPDK_ERRLOG("subsystem dependencies form a cycle (%zu subsystems cannot be "
			    "ordered; out of memory naming them)\n", left);
		free(step);
		free(path);
		return;
	}
	while (c->placed[u]) {
		u++;
	}
	/* step[i]: 1 + position of i on the walk, 0 if not visited. */
	while (step[u] == 0) {
		step[u] = ++len;
		path[len - 1] = u;
		for (size_t k = 0; k < c->ndeps; k++) {
			if (c->dep_of[k] == u && !c->placed[c->dep_on[k]]) {
				u = c->dep_on[k];
				break;
			}
		}
	}
	start = step[u] - 1;
	for (uint32_t i = start; i < len; i++) {
		msg_len += strlen(c->subs[path[i]]->name) + 4;
	}
	msg_len += strlen(c->subs[u]->name) + 1;
	msg = malloc(msg_len);
	if (msg != NULL) {
		for (uint32_t i = start; i < len; i++) {
			off += (size_t)snprintf(msg + off, msg_len - off, "%s -> ",
						c->subs[path[i]]->name);
		}
		snprintf(msg + off, msg_len - off, "%s", c->subs[u]->name);
	}
	SPDK_ERRLOG("subsystem dependencies form a cycle: %s (\"a -> b\": a depends on b); "
		    "%zu subsystems cannot be ordered\n", msg != NULL ? msg : "(out of memory)",
		    left);
	free(msg);
	free(step);
	free(path);
}

/*
 * Sort g_subsystems so that every subsystem comes after those it depends on.
 * The order is SPDK's: repeated passes over the remaining subsystems in list
 * order, each moving a subsystem as soon as all its dependencies are placed.
 * Returns 0, -EINVAL for a cycle (the list is then unchanged) or -ENOMEM.
 */
static int
sort_subsystems(void)
{
	struct sort_ctx c = { 0 };
	struct spdk_subsystem *s;
	struct spdk_subsystem_depend *d;
	uint32_t *order = NULL, *fill = NULL;
	size_t placed = 0, k;
	int rc = -ENOMEM;

	TAILQ_FOREACH(s, &g_subsystems, tailq) {
		c.n++;
	}
	TAILQ_FOREACH(d, &g_depends, tailq) {
		c.ndeps++;
	}
	c.subs = calloc(c.n + 1, sizeof(*c.subs));
	c.unmet = calloc(c.n + 1, sizeof(*c.unmet));
	c.out_start = calloc(c.n + 2, sizeof(*c.out_start));
	c.out = calloc(c.ndeps + 1, sizeof(*c.out));
	c.dep_of = calloc(c.ndeps + 1, sizeof(*c.dep_of));
	c.dep_on = calloc(c.ndeps + 1, sizeof(*c.dep_on));
	c.placed = calloc(c.n + 1, sizeof(*c.placed));
	order = calloc(c.n + 1, sizeof(*order));
	fill = calloc(c.n + 1, sizeof(*fill));
	if (c.subs == NULL || c.unmet == NULL || c.out_start == NULL || c.out == NULL ||
	    c.dep_of == NULL || c.dep_on == NULL || c.placed == NULL || order == NULL ||
	    fill == NULL) {
		SPDK_ERRLOG("out of memory ordering %zu subsystems\n", c.n);
		goto out;
	}

	k = 0;
	TAILQ_FOREACH(s, &g_subsystems, tailq) {
		c.subs[k++] = s;
	}
	/* check_depends() ran first: both names resolve. */
	k = 0;
	TAILQ_FOREACH(d, &g_depends, tailq) {
		c.dep_of[k] = index_of(&c, d->name);
		c.dep_on[k] = index_of(&c, d->depends_on);
		assert(c.dep_of[k] < c.n && c.dep_on[k] < c.n);
		c.unmet[c.dep_of[k]]++;
		c.out_start[c.dep_on[k] + 1]++;
		k++;
	}
	for (size_t i = 0; i < c.n; i++) {
		c.out_start[i + 1] += c.out_start[i];
	}
	for (k = 0; k < c.ndeps; k++) {
		uint32_t on = c.dep_on[k];

		c.out[c.out_start[on] + fill[on]++] = c.dep_of[k];
	}

	while (placed < c.n) {
		bool progress = false;

		for (uint32_t i = 0; i < c.n; i++) {
			if (c.placed[i] || c.unmet[i] != 0) {
				continue;
			}
			c.placed[i] = true;
			order[placed++] = i;
			progress = true;
			for (uint32_t e = c.out_start[i]; e < c.out_start[i + 1]; e++) {
				c.unmet[c.out[e]]--;
			}
		}
		if (!progress) {
			report_cycle(&c, c.n - placed);
			rc = -EINVAL;
			goto out;
		}
	}

	TAILQ_INIT(&g_subsystems);
	for (size_t i = 0; i < c.n; i++) {
		TAILQ_INSERT_TAIL(&g_subsystems, c.subs[order[i]], tailq);
	}
	rc = 0;
out:
	sort_ctx_free(&c);
	free(order);
	free(fill);
	return rc;
}

/* ---------------------------------------------------------------------------
 * The chains
 * ------------------------------------------------------------------------- */

static void
init_done(int rc)
{
	spdk_subsystem_init_fn cb = g_init_cb;
	void *arg = g_init_arg;

	g_cur = NULL;
	g_state = g_last_inited != NULL ? CHAIN_DONE : CHAIN_IDLE;
	if (g_fini_requested) {
		/* spdk_subsystem_fini() was called meanwhile: as SPDK, the init
		 * callback is not called; the teardown starts now. */
		g_fini_requested = false;
		advance_fini();
		return;
	}
	cb(rc, arg);
}

/* g_cur's init reported rc: go on with the next subsystem (or end). */
static void
init_reported(int rc)
{
	if (rc != 0) {
		SPDK_ERRLOG("Init subsystem %s failed: %s (%d)\n", g_cur->name,
			    spdk_strerror(-rc), rc);
		init_done(rc);
		return;
	}
	g_last_inited = g_cur;
	advance_init();
}

/* Start the init of the subsystems after g_last_inited, one by one, until one
 * reports later (asynchronously) or the list ends. */
static void
advance_init(void)
{
	struct spdk_subsystem *s;

	for (;;) {
		if (g_fini_requested) {
			init_done(0);
			return;
		}
		s = g_last_inited == NULL ? TAILQ_FIRST(&g_subsystems) :
		    TAILQ_NEXT(g_last_inited, tailq);
		if (s == NULL) {
			init_done(0);
			return;
		}
		g_cur = s;
		if (s->init == NULL) {
			g_last_inited = s;
			continue;
		}
		g_reported = false;
		g_in_call = true;
		s->init();
		g_in_call = false;
		if (!g_reported) {
			return;		/* spdk_subsystem_init_next() comes later */
		}
		if (g_reported_rc != 0) {
			init_reported(g_reported_rc);
			return;
		}
		g_last_inited = s;
	}
}

static void
fini_done(void)
{
	spdk_subsystem_fini_fn cb = g_fini_cb;
	void *arg = g_fini_arg;

	g_cur = NULL;
	g_last_inited = NULL;
	g_state = CHAIN_IDLE;
	g_fini_cb = NULL;
	g_fini_arg = NULL;
	cb(arg);
}

/* Tear down from g_last_inited backwards; g_last_inited moves back as each
 * subsystem's fini reports. */
static void
advance_fini(void)
{
	struct spdk_subsystem *s;

	g_state = CHAIN_FINISHING;
	for (;;) {
		s = g_last_inited;
		if (s == NULL) {
			fini_done();
			return;
		}
		g_cur = s;
		if (s->fini == NULL) {
			g_last_inited = TAILQ_PREV(s, subsystem_list, tailq);
			continue;
		}
		g_reported = false;
		g_in_call = true;
		s->fini();
		g_in_call = false;
		if (!g_reported) {
			return;		/* spdk_subsystem_fini_next() comes later */
		}
		g_last_inited = TAILQ_PREV(s, subsystem_list, tailq);
	}
}

static void
init_next_msg(void *ctx)
{
	spdk_subsystem_init_next((int)(intptr_t)ctx);
}

static void
fini_next_msg(void *ctx)
{
	(void)ctx;
	spdk_subsystem_fini_next();
}

/* ---------------------------------------------------------------------------
 * Internal interface (init_internal.h)
 * ------------------------------------------------------------------------- */

struct spdk_subsystem *
pw__subsystem_find(const char *name)
{
	return find(name);
}

struct spdk_subsystem *
pw__subsystem_get_first(void)
{
	return TAILQ_FIRST(&g_subsystems);
}

struct spdk_subsystem *
pw__subsystem_get_next(struct spdk_subsystem *cur)
{
	return cur == NULL ? NULL : TAILQ_NEXT(cur, tailq);
}

struct spdk_subsystem_depend *
pw__subsystem_get_first_depend(void)
{
	return TAILQ_FIRST(&g_depends);
}

struct spdk_subsystem_depend *
pw__subsystem_get_next_depend(struct spdk_subsystem_depend *cur)
{
	return cur == NULL ? NULL : TAILQ_NEXT(cur, tailq);
}

void
pw__subsystem_config_json(struct spdk_json_write_ctx *w, struct spdk_subsystem *subsystem)
{
	if (subsystem != NULL && subsystem->write_config_json != NULL) {
		subsystem->write_config_json(w);
	} else {
		spdk_json_write_null(w);
	}
}

void
pw__subsystem_reset_for_tests(void)
{
	TAILQ_INIT(&g_subsystems);
	TAILQ_INIT(&g_depends);
	g_reg_errors = 0;
	g_first_reg_error[0] = '\0';
	g_state = CHAIN_IDLE;
	g_cur = NULL;
	g_last_inited = NULL;
	g_init_cb = NULL;
	g_init_arg = NULL;
	g_fini_cb = NULL;
	g_fini_arg = NULL;
	g_fini_requested = false;
	g_in_call = false;
	g_reported = false;
	g_reported_rc = 0;
}

/* ---------------------------------------------------------------------------
 * Registration
 * ------------------------------------------------------------------------- */

PW_EXPORT void
spdk_add_subsystem(struct spdk_subsystem *subsystem)
{
	struct spdk_subsystem *s;

	if (subsystem == NULL) {
		registration_error("spdk_add_subsystem: NULL subsystem refused");
		return;
	}
	if (subsystem->name == NULL || subsystem->name[0] == '\0') {
		registration_error("spdk_add_subsystem: subsystem without a name refused");
		return;
	}
	if (g_state != CHAIN_IDLE) {
		/* Adding to the list under a running chain would skip its
		 * dependency check; not counted against the next start. */
		SPDK_ERRLOG("subsystem '%s' registered while subsystems are initialised; "
			    "refused (register subsystems from constructors)\n", subsystem->name);
		return;
	}
	TAILQ_FOREACH(s, &g_subsystems, tailq) {
		if (s == subsystem) {
			registration_error("subsystem '%s' registered twice", subsystem->name);
			return;
		}
		if (strcmp(s->name, subsystem->name) == 0) {
			registration_error("two subsystems are named '%s'; the second is refused",
					   subsystem->name);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&g_subsystems, subsystem, tailq);
}

PW_EXPORT void
spdk_add_subsystem_depend(struct spdk_subsystem_depend *depend)
{
	struct spdk_subsystem_depend *d;

	if (depend == NULL) {
		registration_error("spdk_add_subsystem_depend: NULL dependency refused");
		return;
	}
	if (depend->name == NULL || depend->depends_on == NULL) {
		registration_error("spdk_add_subsystem_depend: dependency with a NULL name "
				   "refused ('%s' on '%s')",
				   depend->name != NULL ? depend->name : "(null)",
				   depend->depends_on != NULL ? depend->depends_on : "(null)");
		return;
	}
	if (g_state != CHAIN_IDLE) {
		SPDK_ERRLOG("dependency of '%s' on '%s' registered while subsystems are "
			    "initialised; refused\n", depend->name, depend->depends_on);
		return;
	}
	TAILQ_FOREACH(d, &g_depends, tailq) {
		if (d == depend) {
			registration_error("dependency of '%s' on '%s' registered twice",
					   depend->name, depend->depends_on);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&g_depends, depend, tailq);
}

/* ---------------------------------------------------------------------------
 * Init and fini
 * ------------------------------------------------------------------------- */

PW_EXPORT void
spdk_subsystem_init(spdk_subsystem_init_fn cb_fn, void *cb_arg)
{
	int rc;

	if (cb_fn == NULL) {
		SPDK_ERRLOG("spdk_subsystem_init: NULL callback refused\n");
		return;
	}
	if (!on_app_thread()) {
		SPDK_ERRLOG("spdk_subsystem_init must be called on the app thread; refused\n");
		cb_fn(-EINVAL, cb_arg);
		return;
	}
	if (g_state != CHAIN_IDLE) {
		SPDK_ERRLOG("spdk_subsystem_init: subsystems are %s; refused\n",
			    g_state == CHAIN_FINISHING ? "being finished" :
			    g_state == CHAIN_INITIALISING ? "being initialised" :
			    "initialised (call spdk_subsystem_fini first)");
		cb_fn(-EBUSY, cb_arg);
		return;
	}
	pw__subsystem_rpc_link();
	if (g_reg_errors != 0) {
		SPDK_ERRLOG("%u subsystem registration(s) were refused (the first: %s); "
			    "not starting\n", g_reg_errors, g_first_reg_error);
		cb_fn(-EINVAL, cb_arg);
		return;
	}
	rc = check_depends();
	if (rc == 0) {
		rc = sort_subsystems();
	}
	if (rc != 0) {
		cb_fn(rc, cb_arg);
		return;
	}
	g_init_cb = cb_fn;
	g_init_arg = cb_arg;
	g_last_inited = NULL;
	g_fini_requested = false;
	g_state = CHAIN_INITIALISING;
	advance_init();
}

PW_EXPORT void
spdk_subsystem_init_next(int rc)
{
	struct spdk_thread *app = spdk_thread_get_app_thread();
	int send_rc;

	if (!on_app_thread()) {
		if (app == NULL) {
			SPDK_ERRLOG("spdk_subsystem_init_next: there is no app thread\n");
			return;
		}
		send_rc = spdk_thread_send_msg(app, init_next_msg, (void *)(intptr_t)rc);
		if (send_rc != 0) {
			SPDK_ERRLOG("spdk_subsystem_init_next: cannot reach the app thread (%s); "
				    "the subsystem chain is stuck\n", spdk_strerror(-send_rc));
		}
		return;
	}
	if (g_state != CHAIN_INITIALISING || g_cur == NULL || g_cur == g_last_inited ||
	    (g_in_call && g_reported)) {
		SPDK_ERRLOG("spdk_subsystem_init_next(%d) while no subsystem init is waiting "
			    "for it; ignored\n", rc);
		return;
	}
	if (g_in_call) {
		g_reported = true;
		g_reported_rc = rc;
		return;
	}
	init_reported(rc);
}

PW_EXPORT void
spdk_subsystem_fini(spdk_subsystem_fini_fn cb_fn, void *cb_arg)
{
	if (cb_fn == NULL) {
		SPDK_ERRLOG("spdk_subsystem_fini: NULL callback refused\n");
		return;
	}
	if (!on_app_thread()) {
		SPDK_ERRLOG("spdk_subsystem_fini must be called on the app thread; refused\n");
		return;
	}
	if (g_state == CHAIN_FINISHING || g_fini_requested) {
		SPDK_ERRLOG("spdk_subsystem_fini: a teardown is already running; refused\n");
		return;
	}
	g_fini_cb = cb_fn;
	g_fini_arg = cb_arg;
	if (g_state == CHAIN_INITIALISING) {
		/* The subsystem being initialised is finished too if its init
		 * succeeds: wait for its report. */
		g_fini_requested = true;
		return;
	}
	advance_fini();
}

PW_EXPORT void
spdk_subsystem_fini_next(void)
{
	struct spdk_thread *app = spdk_thread_get_app_thread();
	int send_rc;

	if (!on_app_thread()) {
		if (app == NULL) {
			SPDK_ERRLOG("spdk_subsystem_fini_next: there is no app thread\n");
			return;
		}
		send_rc = spdk_thread_send_msg(app, fini_next_msg, NULL);
		if (send_rc != 0) {
			SPDK_ERRLOG("spdk_subsystem_fini_next: cannot reach the app thread (%s); "
				    "the subsystem teardown is stuck\n", spdk_strerror(-send_rc));
		}
		return;
	}
	if (g_state != CHAIN_FINISHING || g_cur == NULL || (g_in_call && g_reported)) {
		SPDK_ERRLOG("spdk_subsystem_fini_next() while no subsystem fini is waiting "
			    "for it; ignored\n");
		return;
	}
	if (g_in_call) {
		g_reported = true;
		return;
	}
	g_last_inited = TAILQ_PREV(g_cur, subsystem_list, tailq);
	advance_fini();
}

PW_EXPORT bool
spdk_subsystem_exists(const char *name)
{
	if (!on_app_thread()) {
		SPDK_ERRLOG("spdk_subsystem_exists must be called on the app thread; refused\n");
		return false;
	}
	return find(name) != NULL;
}
