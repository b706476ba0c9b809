/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Where RPC servers listen: the Unix socket, its lock file, and who may use
 * them (spdk/rpc.h's spdk_rpc_server_*, spdk/init.h's spdk_rpc_initialize()
 * and friends, pinwheel/rpc.h).
 *
 * The default path is in /var/tmp, a folder every user may write to, so
 * nothing found at the socket path or the lock path is trusted: before use,
 * each is lstat()ed and refused, with a message, if it is a symbolic link,
 * not of the expected type (socket, regular file), or owned by another user.
 * The lock file is opened with O_NOFOLLOW and checked again through its
 * descriptor, so it cannot be swapped between the check and the use. Only
 * with the lock held is a socket left at the path (ours, by the checks)
 * taken as stale and replaced. The socket is created with mode 0600 at most
 * (without touching the process-wide umask) and set to mode 0600 (0660 with
 * pw_rpc_set_socket_group()), so only the app's
 * user (and root) can connect; at the end, the socket and the lock file are
 * removed only if they are still the very files this server created.
 */

#include "rpc/rpc_internal.h"

#include "pinwheel/rpc_init.h"
#include "spdk/log.h"
#include "spdk/string.h"
#include "pinwheel/rpc.h"

#include <sys/file.h>

#define SUN_PATH_SIZE sizeof(((struct sockaddr_un *)0)->sun_path)

struct spdk_rpc_server {
	struct sockaddr_un		addr;
	char				lock_path[SUN_PATH_SIZE + sizeof(".lock")];
	int				lock_fd;
	dev_t				sock_dev;	/* the socket this server created */
	ino_t				sock_ino;
	struct spdk_jsonrpc_server	*jsonrpc;
};

/* A server started by spdk_rpc_initialize(). */
struct init_server {
	struct spdk_rpc_server		*server;
	TAILQ_ENTRY(init_server)	link;
};

static TAILQ_HEAD(, init_server) g_init_servers = TAILQ_HEAD_INITIALIZER(g_init_servers);
/* A setting read when a server starts; no other memory depends on it: relaxed. */
static atomic_uint g_socket_group = (unsigned)-1;

PW_EXPORT void
pw_rpc_set_socket_group(gid_t gid)
{
	/* Relaxed: pairs with the relaxed load of socket_mode(); a plain setting. */
	atomic_store_explicit(&g_socket_group, (unsigned)gid, memory_order_relaxed);
}

PW_EXPORT gid_t
pw_rpc_get_socket_group(void)
{
	/* Relaxed: pairs with the relaxed store of pw_rpc_set_socket_group(). */
	return (gid_t)atomic_load_explicit(&g_socket_group, memory_order_relaxed);
}

/* ---------------------------------------------------------------------------
 * Checks of what is found at a path
 * ------------------------------------------------------------------------- */

static const char *
type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFLNK: return "a symbolic link";
	case S_IFSOCK: return "a socket";
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	default: return "a file of unknown type";
	}
}

/* Whether \p st, found at \p path (the socket or its lock, \p what), may be used. */
static int
check_found(const char *path, const char *what, const struct stat *st, mode_t type)
{
	if ((st->st_mode & S_IFMT) != type) {
		SPDK_ERRLOG("RPC %s %s is %s, not %s: refusing it%s\n", what, path,
			    type_name(st->st_mode), type == S_IFSOCK ? "a socket" : "a regular file",
			    S_ISLNK(st->st_mode) ? " (a symbolic link is never followed)" : "");
		return -EPERM;
	}
	if (st->st_uid != geteuid()) {
		SPDK_ERRLOG("RPC %s %s belongs to uid %u, not to this process (uid %u): refusing it"
			    " (another user may have planted it; remove it or choose another path with -r)\n",
			    what, path, (unsigned)st->st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	return 0;
}

/* 0 if nothing is at \p path, 1 if a usable file is, a negative errno otherwise. */
static int
check_path(const char *path, const char *what, mode_t type)
{
	struct stat st;
	int rc;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT) {
			return 0;
		}
		rc = -errno;
		SPDK_ERRLOG("RPC %s %s: %s\n", what, path, spdk_strerror(-rc));
		return rc;
	}
	rc = check_found(path, what, &st, type);
	return rc != 0 ? rc : 1;
}

/* Strings that are no Unix socket path: refuse them rather than create odd files. */
static int
check_address(const char *path)
{
	if (path == NULL || path[0] == '\0') {
		SPDK_ERRLOG("RPC listen address is empty\n");
		return -EINVAL;
	}
	if (path[0] == '@') {
		SPDK_ERRLOG("RPC listen address %s: abstract Unix sockets have no permissions,"
			    " anyone could connect: use a path\n", path);
		return -EINVAL;
	}
	if (strchr(path, '/') == NULL && strchr(path, ':') != NULL) {
		SPDK_ERRLOG("RPC listen address %s looks like a TCP address: Pinwheel listens only on"
			    " Unix socket paths, never on TCP\n", path);
		return -EINVAL;
	}
	if (strlen(path) >= SUN_PATH_SIZE) {
		SPDK_ERRLOG("RPC listen address %s is longer than a Unix socket path may be (%zu)\n",
			    path, SUN_PATH_SIZE - 1);
		return -ENAMETOOLONG;
	}
	return 0;
}

static mode_t
socket_mode(gid_t *gid)
{
	/* Relaxed: pairs with the relaxed store of pw_rpc_set_socket_group(). */
	*gid = (gid_t)atomic_load_explicit(&g_socket_group, memory_order_relaxed);
	return *gid == (gid_t)-1 ? 0600 : 0660;
}

/* Open, check and lock \p server's lock file. */
static int
take_lock(struct spdk_rpc_server *server, mode_t mode, gid_t gid)
{
	const char *path = server->lock_path;
	struct stat st;
	int rc, fd;

	rc = check_path(path, "lock file", S_IFREG);
	if (rc < 0) {
		return rc;
	}
	/* O_NONBLOCK: a FIFO swapped in after the check must not block the open. */
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0) {
		rc = -errno;
		SPDK_ERRLOG("RPC lock file %s: cannot open it: %s%s\n", path, spdk_strerror(-rc),
			    rc == -ELOOP ? " (a symbolic link: never followed)" :
			    rc == -EACCES ? " (a file of another user in a shared folder?)" : "");
		return rc;
	}
	server->lock_fd = fd;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		SPDK_ERRLOG("RPC lock file %s: fstat: %s\n", path, spdk_strerror(-rc));
		return rc;
	}
	rc = check_found(path, "lock file", &st, S_IFREG);
	if (rc != 0) {
		return rc;
	}
	if (st.st_nlink != 1) {
		/* Another name of one of our files, linked here (possible with
		 * fs.protected_hardlinks=0): the fchown/fchmod below would change it. */
		SPDK_ERRLOG("RPC lock file %s has %ju names (a hard link to another file?): refusing it"
			    " (remove it or choose another path with -r)\n", path,
			    (uintmax_t)st.st_nlink);
		return -EPERM;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rc = -errno;
		if (rc == -EWOULDBLOCK) {
			SPDK_ERRLOG("RPC socket %s is in use: another process holds its lock %s."
				    " Stop that process or choose another path with -r.\n",
				    server->addr.sun_path, path);
			return -EADDRINUSE;
		}
		SPDK_ERRLOG("RPC lock file %s: flock: %s\n", path, spdk_strerror(-rc));
		return rc;
	}
	if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) != 0) {
		rc = -errno;
		SPDK_ERRLOG("RPC lock file %s: cannot give it to group %u: %s\n", path,
			    (unsigned)gid, spdk_strerror(-rc));
		return rc;
	}
	if (fchmod(fd, mode) != 0) {
		rc = -errno;
		SPDK_ERRLOG("RPC lock file %s: fchmod: %s\n", path, spdk_strerror(-rc));
		return rc;
	}
	return 0;
}

/* Give the new socket its mode and group, and remember which file it is. */
static int
set_up_socket(struct spdk_rpc_server *server, mode_t mode, gid_t gid)
{
	const char *path = server->addr.sun_path;
	struct stat st;
	int rc;

	if (lstat(path, &st) != 0) {
		rc = -errno;
		SPDK_ERRLOG("RPC socket %s: %s\n", path, spdk_strerror(-rc));
		return rc;
	}
	rc = check_found(path, "socket", &st, S_IFSOCK);
	if (rc != 0) {
		return rc;
	}
	server->sock_dev = st.st_dev;
	server->sock_ino = st.st_ino;
	if (gid != (gid_t)-1 && lchown(path, (uid_t)-1, gid) != 0) {
		rc = -errno;
		SPDK_ERRLOG("RPC socket %s: cannot give it to group %u: %s\n", path, (unsigned)gid,
			    spdk_strerror(-rc));
		return rc;
	}
	/* lstat() above showed our socket; nobody else can replace it in a
	 * sticky folder such as /var/tmp. */
	if (chmod(path, mode) != 0) {
		rc = -errno;
		SPDK_ERRLOG("RPC socket %s: chmod: %s\n", path, spdk_strerror(-rc));
		return rc;
	}
	return 0;
}

/* Remove \p path only if it is still the file (dev, ino) this server made. */
static void
remove_own(const char *path, dev_t dev, ino_t ino, const char *what)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		return;
	}
	if (st.st_dev != dev || st.st_ino != ino) {
		SPDK_WARNLOG("RPC %s %s was replaced by another file: leaving it in place\n", what, path);
		return;
	}
	if (unlink(path) != 0) {
		SPDK_WARNLOG("RPC %s %s: cannot remove it: %s\n", what, path, spdk_strerror(errno));
	}
}

static void
server_free(struct spdk_rpc_server *server, bool remove_lock)
{
	struct stat st;

	if (server->lock_fd >= 0) {
		if (remove_lock && fstat(server->lock_fd, &st) == 0) {
			remove_own(server->lock_path, st.st_dev, st.st_ino, "lock file");
		}
		close(server->lock_fd);
	}
	free(server);
}

/* ---------------------------------------------------------------------------
 * spdk/rpc.h
 * ------------------------------------------------------------------------- */

int
pw__rpc_server_listen(const char *path, struct spdk_rpc_server **out)
{
	struct spdk_rpc_server *server;
	mode_t mode;
	gid_t gid;
	int rc;

	*out = NULL;
	if (spdk_get_thread() == NULL) {
		SPDK_ERRLOG("RPC server: call on the spdk_thread that will run it\n");
		return -EINVAL;
	}
	rc = check_address(path);
	if (rc != 0) {
		return rc;
	}
	server = calloc(1, sizeof(*server));
	if (server == NULL) {
		SPDK_ERRLOG("RPC server %s: no memory\n", path);
		return -ENOMEM;
	}
	server->lock_fd = -1;
	server->addr.sun_family = AF_UNIX;
	snprintf(server->addr.sun_path, sizeof(server->addr.sun_path), "%s", path);
	snprintf(server->lock_path, sizeof(server->lock_path), "%s.lock", path);
	mode = socket_mode(&gid);

	/* Refuse a planted socket or symlink before touching anything. */
	rc = check_path(path, "socket", S_IFSOCK);
	if (rc < 0) {
		goto fail;
	}
	rc = take_lock(server, mode, gid);
	if (rc != 0) {
		/* Never remove a lock file that is not ours (or that another process holds). */
		server_free(server, false);
		return rc;
	}
	/* With the lock held, a socket left at the path is a previous run's: replace it. */
	rc = check_path(path, "socket", S_IFSOCK);
	if (rc < 0) {
		goto fail;
	}
	if (rc == 1) {
		SPDK_NOTICELOG("RPC socket %s: replacing a stale socket (its lock was free)\n", path);
		if (unlink(path) != 0 && errno != ENOENT) {
			rc = -errno;
			SPDK_ERRLOG("RPC socket %s: cannot remove the stale socket: %s\n", path,
				    spdk_strerror(-rc));
			goto fail;
		}
	}
	/* Created 0600 at most, so that the socket is never open to others, even
	 * for a moment, whatever the umask (which is the process's: not changed). */
	server->jsonrpc = pw__jsonrpc_server_listen_mode(AF_UNIX, 0, (struct sockaddr *)&server->addr,
			  sizeof(server->addr), pw__rpc_handle_request, 0600);
	if (server->jsonrpc == NULL) {
		rc = -EIO;
		goto fail;
	}
	rc = set_up_socket(server, mode, gid);
	if (rc != 0) {
		spdk_jsonrpc_server_shutdown(server->jsonrpc);
		if (server->sock_ino != 0) {
			remove_own(path, server->sock_dev, server->sock_ino, "socket");
		}
		goto fail;
	}
	*out = server;
	return 0;
fail:
	server_free(server, server->lock_fd >= 0);
	return rc;
}

PW_EXPORT struct spdk_rpc_server *
spdk_rpc_server_listen(const char *listen_addr)
{
	struct spdk_rpc_server *server;

	pw__rpc_server_listen(listen_addr, &server);
	return server;
}

PW_EXPORT void
spdk_rpc_server_accept(struct spdk_rpc_server *server)
{
	if (server == NULL) {
		SPDK_ERRLOG("spdk_rpc_server_accept: NULL server\n");
		return;
	}
	spdk_jsonrpc_server_poll(server->jsonrpc);
}

PW_EXPORT void
spdk_rpc_server_close(struct spdk_rpc_server *server)
{
	if (server == NULL) {
		return;
	}
	if (spdk_get_thread() != server->jsonrpc->thread) {
		SPDK_ERRLOG("spdk_rpc_server_close: call on the server's thread\n");
		return;
	}
	remove_own(server->addr.sun_path, server->sock_dev, server->sock_ino, "socket");
	spdk_jsonrpc_server_shutdown(server->jsonrpc);
	server_free(server, true);
}

/* ---------------------------------------------------------------------------
 * spdk/init.h
 * ------------------------------------------------------------------------- */

static struct init_server *
find_init_server(const char *listen_addr)
{
	struct init_server *s;

	TAILQ_FOREACH(s, &g_init_servers, link) {
		if (strcmp(s->server->addr.sun_path, listen_addr) == 0) {
			return s;
		}
	}
	return NULL;
}

PW_EXPORT int
spdk_rpc_initialize(const char *listen_addr, const struct spdk_rpc_opts *opts)
{
	struct spdk_rpc_opts o = { .size = sizeof(o), .log_file = NULL, .log_level = SPDK_LOG_DISABLED };
	struct init_server *s;
	int rc;

	if (listen_addr == NULL) {
		SPDK_ERRLOG("spdk_rpc_initialize: NULL listen address\n");
		return -EINVAL;
	}
	if (spdk_get_thread() == NULL) {
		SPDK_ERRLOG("spdk_rpc_initialize: call on an spdk_thread (the app thread)\n");
		return -EINVAL;
	}
	if (!spdk_rpc_verify_methods()) {
		SPDK_ERRLOG("spdk_rpc_initialize: RPC methods were registered wrongly (see the errors"
			    " logged at registration)\n");
		return -EINVAL;
	}
	if (opts != NULL) {
		if (opts->size == 0) {
			SPDK_ERRLOG("spdk_rpc_initialize: opts->size is 0\n");
			return -EINVAL;
		}
		if (opts->size >= offsetof(struct spdk_rpc_opts, log_file) + sizeof(o.log_file)) {
			o.log_file = opts->log_file;
		}
		if (opts->size >= offsetof(struct spdk_rpc_opts, log_level) + sizeof(o.log_level)) {
			o.log_level = opts->log_level;
		}
	}
	if (find_init_server(listen_addr) != NULL) {
		SPDK_ERRLOG("spdk_rpc_initialize: already listening on %s\n", listen_addr);
		return -EADDRINUSE;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		SPDK_ERRLOG("spdk_rpc_initialize: no memory\n");
		return -ENOMEM;
	}
	rc = pw__rpc_server_listen(listen_addr, &s->server);
	if (rc != 0) {
		SPDK_ERRLOG("Unable to start RPC service at %s\n", listen_addr);
		free(s);
		return rc;
	}
	/* As SPDK: options given with the first server, or any later non-NULL ones. */
	if (opts != NULL || TAILQ_EMPTY(&g_init_servers)) {
		spdk_jsonrpc_set_log_file(o.log_file);
		spdk_jsonrpc_set_log_level(o.log_level);
	}
	TAILQ_INSERT_TAIL(&g_init_servers, s, link);
	return 0;
}

PW_EXPORT void
spdk_rpc_server_finish(const char *listen_addr)
{
	struct init_server *s;

	if (listen_addr == NULL) {
		SPDK_ERRLOG("spdk_rpc_server_finish: NULL listen address\n");
		return;
	}
	s = find_init_server(listen_addr);
	if (s == NULL) {
		SPDK_ERRLOG("No server listening on provided address: %s\n", listen_addr);
		return;
	}
	if (spdk_get_thread() != s->server->jsonrpc->thread) {
		SPDK_ERRLOG("spdk_rpc_server_finish: call on the thread that started the server\n");
		return;
	}
	TAILQ_REMOVE(&g_init_servers, s, link);
	spdk_rpc_server_close(s->server);
	free(s);
}

PW_EXPORT void
spdk_rpc_finish(void)
{
	struct init_server *s, *tmp;

	TAILQ_FOREACH_SAFE(s, &g_init_servers, link, tmp) {
		spdk_rpc_server_finish(s->server->addr.sun_path);
	}
}

static void
set_paused(const char *listen_addr, bool paused, const char *func)
{
	struct init_server *s;

	s = listen_addr != NULL ? find_init_server(listen_addr) : NULL;
	if (s == NULL) {
		SPDK_ERRLOG("%s: no server listening on %s\n", func,
			    listen_addr != NULL ? listen_addr : "(NULL)");
		return;
	}
	if (spdk_get_thread() != s->server->jsonrpc->thread) {
		SPDK_ERRLOG("%s: call on the thread that started the server\n", func);
		return;
	}
	pw__jsonrpc_server_set_paused(s->server->jsonrpc, paused);
}

PW_EXPORT void
spdk_rpc_server_pause(const char *listen_addr)
{
	set_paused(listen_addr, true, __func__);
}

PW_EXPORT void
spdk_rpc_server_resume(const char *listen_addr)
{
	set_paused(listen_addr, false, __func__);
}
