/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Where the RPC server listens and who may use it (lib/rpc/rpc_listen.c):
 * the lock file held by a second server, a stale socket replaced, planted
 * symlinks, regular files, directories and files of another user refused,
 * TCP-like and abstract addresses refused, mode 0600 whatever the umask,
 * files removed at the end (only if still ours), and a second, unprivileged
 * user (nobody) who cannot connect, unless the socket is opened to its group.
 *
 * The folder stands for /var/tmp: mode 01777, so that only the socket's own
 * mode keeps other users out. Tests that need another user run as root only
 * (they chown files and setuid a child); otherwise they are skipped.
 */

#include "harness.h"
#include "log_capture.h"
#include "ut_rpc.h"

#include "spdk/init.h"
#include "spdk/rpc.h"
#include "pinwheel/rpc.h"

#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/syscall.h>

static char g_sock[128];
static char g_lock[140];

/* Every umask() of the process (the library's too) goes through here, so a
 * test can see whether starting a server touched the process-wide umask. */
static int g_umask_calls;

mode_t
umask(mode_t mask)
{
	g_umask_calls++;
	return (mode_t)syscall(SYS_umask, mask);
}

static void
setup(void)
{
	ut_srv_init();
	ut_tmpdir();
	/* Like /var/tmp: anyone may create files, only owners remove them. */
	ASSERT_EQ(chmod(g_ut_dir, 01777), 0);
	ut_path(g_sock, sizeof(g_sock), "spdk.sock");
	ut_path(g_lock, sizeof(g_lock), "spdk.sock.lock");
}

static void
teardown(void)
{
	spdk_rpc_finish();
	ut_srv_idle(4);
	ut_srv_fini();
	ut_rmtree();
	ut_leak_check();
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	ASSERT_EQ(lstat(path, &st), 0);
	return st.st_mode;
}

/* A socket file at path with no process behind it (what a crashed app leaves). */
static void
make_dead_socket(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ASSERT_GE(fd, 0);
	ut_sockaddr(&sa, path);
	ASSERT_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
}

static void
make_file(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static bool
file_has(const char *path, const char *content)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ASSERT_GE(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n == (ssize_t)strlen(content) && strcmp(buf, content) == 0;
}

static void
expect_works(const char *path)
{
	struct ut_cli *c = ut_cli_connect(path);
	char *line;

	ut_cli_send(c, "{\"method\":\"spdk_get_version\",\"id\":1}");
	line = ut_cli_line(c);
	ASSERT_NOT_NULL(line);
	ASSERT_STR_CONTAINS(line, "\"result\":{\"version\":\"Pinwheel v");
	free(line);
	ut_cli_close(c);
}

TEST(mode_0600_whatever_the_umask_and_files_removed_at_finish)
{
	mode_t old = umask(0);

	setup();
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	umask(old);
	ASSERT_TRUE(S_ISSOCK(mode_of(g_sock)));
	ASSERT_EQ(mode_of(g_sock) & 07777, 0600);
	ASSERT_TRUE(S_ISREG(mode_of(g_lock)));
	ASSERT_EQ(mode_of(g_lock) & 07777, 0600);
	expect_works(g_sock);
	spdk_rpc_finish();
	ASSERT_EQ(access(g_sock, F_OK), -1);
	ASSERT_EQ(access(g_lock, F_OK), -1);
	teardown();
}

TEST(listening_leaves_the_process_umask_alone)
{
	mode_t old = umask(0022);

	setup();
	/* The umask is the process's: another pthread creating a file (or
	 * starting another server) meanwhile must not see it change. */
	g_umask_calls = 0;
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	ASSERT_EQ(g_umask_calls, 0);
	ASSERT_EQ(mode_of(g_sock) & 07777, 0600);
	ASSERT_EQ(umask(old), 0022);
	expect_works(g_sock);
	teardown();
}

TEST(second_server_on_the_same_path_refused)
{
	struct spdk_rpc_server *second;
	int fd;

	setup();
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	log_capture_start();
	/* A second server of this process (its own open of the lock file). */
	second = spdk_rpc_server_listen(g_sock);
	ASSERT_NULL(second);
	ASSERT_TRUE(log_capture_contains("is in use: another process holds its lock"));
	ASSERT_TRUE(log_capture_contains(g_lock));
	log_capture_stop();
	/* The first one is untouched. */
	expect_works(g_sock);
	spdk_rpc_finish();

	/* A lock held by "another app" (another open file description) and a live-looking socket. */
	make_dead_socket(g_sock);
	fd = open(g_lock, O_RDWR | O_CREAT, 0600);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
	log_capture_start();
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EADDRINUSE);
	ASSERT_TRUE(log_capture_contains(g_sock));
	log_capture_stop();
	/* Neither its socket nor its lock file was removed. */
	ASSERT_TRUE(S_ISSOCK(mode_of(g_sock)));
	ASSERT_TRUE(S_ISREG(mode_of(g_lock)));
	close(fd);
	/* Once that app is gone, its socket is stale and replaced. */
	log_capture_start();
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	ASSERT_TRUE(log_capture_contains("replacing a stale socket"));
	log_capture_stop();
	expect_works(g_sock);
	teardown();
}

TEST(planted_symlinks_refused_and_never_followed)
{
	char target[128];

	setup();
	ut_path(target, sizeof(target), "target");
	make_file(target, "keep");
	log_capture_start();
	/* At the socket path. */
	ASSERT_EQ(symlink(target, g_sock), 0);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EPERM);
	ASSERT_TRUE(log_capture_contains("is a symbolic link, not a socket"));
	ASSERT_TRUE(S_ISLNK(mode_of(g_sock)));
	ASSERT_EQ(unlink(g_sock), 0);
	/* At the lock path: the target is neither created, truncated nor locked. */
	ASSERT_EQ(symlink(target, g_lock), 0);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EPERM);
	ASSERT_TRUE(log_capture_contains("lock file"));
	ASSERT_TRUE(S_ISLNK(mode_of(g_lock)));
	ASSERT_EQ(access(g_sock, F_OK), -1);
	/* A dangling symlink at the lock path does not create its target. */
	ASSERT_EQ(unlink(g_lock), 0);
	ASSERT_EQ(symlink("/tmp/pw_rpc_never_created", g_lock), 0);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EPERM);
	ASSERT_EQ(access("/tmp/pw_rpc_never_created", F_OK), -1);
	log_capture_stop();
	ASSERT_TRUE(file_has(target, "keep"));
	ASSERT_EQ(mode_of(target) & 07777, 0644);
	teardown();
}

TEST(files_of_the_wrong_type_refused)
{
	setup();
	log_capture_start();
	make_file(g_sock, "data");
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EPERM);
	ASSERT_TRUE(log_capture_contains("is a regular file, not a socket"));
	ASSERT_TRUE(file_has(g_sock, "data"));
	ASSERT_EQ(unlink(g_sock), 0);
	ASSERT_EQ(mkdir(g_lock, 0700), 0);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EPERM);
	ASSERT_TRUE(log_capture_contains("is a directory, not a regular file"));
	ASSERT_EQ(rmdir(g_lock), 0);
	ASSERT_EQ(mkfifo(g_lock, 0600), 0);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EPERM);
	ASSERT_TRUE(log_capture_contains("is a FIFO"));
	ASSERT_EQ(unlink(g_lock), 0);
	log_capture_stop();
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	teardown();
}

TEST(lock_file_that_is_a_hard_link_refused)
{
	char other[160];

	setup();
	/* A file of this user's elsewhere, linked at the lock path by someone
	 * who could (fs.protected_hardlinks=0): its mode and group must not
	 * become the socket's. */
	ut_path(other, sizeof(other), "private");
	make_file(other, "data");
	ASSERT_EQ(chmod(other, 0644), 0);
	ASSERT_EQ(link(other, g_lock), 0);
	log_capture_start();
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EPERM);
	ASSERT_TRUE(log_capture_contains("hard link"));
	log_capture_stop();
	ASSERT_EQ(mode_of(other) & 07777, 0644);
	ASSERT_TRUE(file_has(g_lock, "data"));
	ASSERT_EQ(access(g_sock, F_OK), -1);
	ASSERT_EQ(unlink(g_lock), 0);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	teardown();
}

TEST(addresses_that_are_no_unix_path_refused)
{
	char longp[200];

	setup();
	log_capture_start();
	ASSERT_EQ(spdk_rpc_initialize("127.0.0.1:5260", NULL), -EINVAL);
	ASSERT_TRUE(log_capture_contains("looks like a TCP address"));
	ASSERT_EQ(spdk_rpc_initialize("localhost:5260", NULL), -EINVAL);
	ASSERT_EQ(spdk_rpc_initialize("[::1]:5260", NULL), -EINVAL);
	ASSERT_EQ(spdk_rpc_initialize("@abstract", NULL), -EINVAL);
	ASSERT_TRUE(log_capture_contains("abstract Unix sockets have no permissions"));
	ASSERT_EQ(spdk_rpc_initialize("", NULL), -EINVAL);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	ASSERT_EQ(spdk_rpc_initialize(longp, NULL), -ENAMETOOLONG);
	log_capture_stop();
	ASSERT_EQ(access("127.0.0.1:5260", F_OK), -1);
	teardown();
}

TEST(a_socket_replaced_while_running_is_not_removed)
{
	setup();
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	/* Someone (the same user) replaces the socket by another file. */
	ASSERT_EQ(unlink(g_sock), 0);
	make_dead_socket(g_sock);
	log_capture_start();
	spdk_rpc_finish();
	ASSERT_TRUE(log_capture_contains("was replaced by another file: leaving it in place"));
	log_capture_stop();
	ASSERT_TRUE(S_ISSOCK(mode_of(g_sock)));
	ASSERT_EQ(access(g_lock, F_OK), -1);
	teardown();
}

/* ---------------------------------------------------------------------------
 * A second user (root only)
 * ------------------------------------------------------------------------- */

static void
need_root(uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		TEST_SKIP("needs root: chowns files to nobody and runs a client as nobody");
	}
	pw = getpwnam("nobody");
	if (pw == NULL) {
		TEST_SKIP("no user nobody");
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
}

TEST(files_planted_by_another_user_refused)
{
	uid_t uid;
	gid_t gid;

	need_root(&uid, &gid);
	setup();
	log_capture_start();
	/* Another user's socket at the path: refused, and not removed. */
	make_dead_socket(g_sock);
	ASSERT_EQ(lchown(g_sock, uid, gid), 0);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EPERM);
	ASSERT_TRUE(log_capture_contains("belongs to uid"));
	ASSERT_TRUE(log_capture_contains("another user may have planted it"));
	ASSERT_TRUE(S_ISSOCK(mode_of(g_sock)));
	ASSERT_EQ(access(g_lock, F_OK), -1);
	ASSERT_EQ(unlink(g_sock), 0);
	/* Another user's lock file: refused, not removed. */
	make_file(g_lock, "");
	ASSERT_EQ(lchown(g_lock, uid, gid), 0);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EPERM);
	ASSERT_TRUE(S_ISREG(mode_of(g_lock)));
	ASSERT_EQ(access(g_sock, F_OK), -1);
	ASSERT_EQ(unlink(g_lock), 0);
	/* Another user's symlink. */
	ASSERT_EQ(symlink("/etc/passwd", g_lock), 0);
	ASSERT_EQ(lchown(g_lock, uid, gid), 0);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EPERM);
	ASSERT_EQ(unlink(g_lock), 0);
	log_capture_stop();
	teardown();
}

/*
 * In a child, become uid/gid, connect and (if it connects) ask for the
 * version; the exit status says what happened: 10 refused with EACCES,
 * 20 answered, anything else a failure.
 */
static pid_t
client_as(uid_t uid, gid_t gid)
{
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		const char *req = "{\"method\":\"spdk_get_version\",\"id\":1}";
		char buf[512];
		ssize_t n;
		int fd;

		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
			_exit(1);
		}
		if (geteuid() != uid) {
			_exit(2);
		}
		fd = ut_connect_fd(g_sock);
		if (fd == -EACCES) {
			_exit(10);
		}
		if (fd < 0) {
			_exit(3);
		}
		if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
			_exit(4);
		}
		n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0) {
			_exit(5);
		}
		buf[n] = '\0';
		_exit(strstr(buf, "Pinwheel v") != NULL ? 20 : 6);
	}
	return pid;
}

/* Run the server until the child ends; its exit status. */
static int
wait_child(pid_t pid)
{
	uint64_t deadline = ut_ms_now() + UT_WAIT_MS;
	int status;
	pid_t rc;

	for (;;) {
		rc = waitpid(pid, &status, WNOHANG);
		ASSERT_GE(rc, 0);
		if (rc == pid) {
			ASSERT_TRUE(WIFEXITED(status));
			return WEXITSTATUS(status);
		}
		ASSERT_LT(ut_ms_now(), deadline);
		ut_srv_poll(10);
	}
}

TEST(another_user_cannot_connect)
{
	uid_t uid;
	gid_t gid;

	need_root(&uid, &gid);
	setup();
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	/* The folder lets nobody in (01777); the socket's mode does not. */
	ASSERT_EQ(wait_child(client_as(uid, gid)), 10);
	/* The owner can. */
	expect_works(g_sock);
	teardown();
}

TEST(socket_opened_to_a_group)
{
	uid_t uid;
	gid_t gid;
	struct stat st;

	need_root(&uid, &gid);
	setup();
	pw_rpc_set_socket_group(gid);
	ASSERT_EQ(pw_rpc_get_socket_group(), gid);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	ASSERT_EQ(lstat(g_sock, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0660);
	ASSERT_EQ(st.st_gid, gid);
	ASSERT_EQ(lstat(g_lock, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0660);
	ASSERT_EQ(st.st_gid, gid);
	/* A member of the group connects and is answered. */
	ASSERT_EQ(wait_child(client_as(uid, gid)), 20);
	spdk_rpc_finish();
	/* Back to 0600: the same user is refused again. */
	pw_rpc_set_socket_group((gid_t)-1);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	ASSERT_EQ(mode_of(g_sock) & 07777, 0600);
	ASSERT_EQ(wait_child(client_as(uid, gid)), 10);
	teardown();
}
