/*
 * tmpfile.c - the names of the temporary files kx_file_write_atomic()
 * writes beside its target, and the removal of those a killed process
 * left behind.
 *
 * A temporary file is DIR/.kmsxchg.PID.XXXXXX (mkstemp, PID the writer's).
 * It is renamed onto the target once written and fsync'd, so the target
 * is always the old file or the complete new one.  A process killed with
 * SIGKILL (or a machine that stops) cannot remove its temporary file, so
 * each writer first removes, from the folder it writes into, every such
 * file whose PID no longer runs (kill(PID, 0) fails with ESRCH).  A file
 * of a running PID is left alone, even if the PID was reused.  Folders
 * shared between PID namespaces can see a live writer's file removed; that
 * writer's rename then fails and it reports an error: never a partial
 * target.
 *
 * kx_file_mkdtemp() makes a folder of the same name (mkdtemp) for an
 * output folder built in place and renamed onto its target
 * (import --insecure-clear-output).  The cleanup removes such a folder of
 * a dead PID too: the files in it (unlinkat, which never follows a
 * symbolic link: a link is removed, not its target), then the folder.  A
 * folder inside it (never ours) makes the folder stay.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define TMP_PREFIX ".kmsxchg."

/* PID of a temporary file name of ours, or 0. */
static pid_t
tmp_pid(const char *name)
{
	const char *p = name + sizeof(TMP_PREFIX) - 1, *q;
	long v = 0;

	if (strncmp(name, TMP_PREFIX, sizeof(TMP_PREFIX) - 1) != 0)
		return 0;
	for (q = p; *q >= '0' && *q <= '9' && q - p < 10; q++)
		v = v * 10 + (*q - '0');
	if (q == p || *q != '.' || strlen(q + 1) != 6 || v <= 0)
		return 0;
	return (pid_t)v;
}

/* Remove the stale temporary folder name in dfd and what it holds. */
static void
stale_dir_remove(int dfd, const char *name)
{
	struct dirent *e;
	DIR *dp;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			(void)unlinkat(dirfd(dp), e->d_name, 0);
	closedir(dp);
	(void)unlinkat(dfd, name, AT_REMOVEDIR);
}

/* Remove the temporary files and folders of dead processes in dir
 * (dirlen bytes). */
static void
stale_remove(const char *dir, size_t dirlen)
{
	struct dirent *e;
	struct stat st;
	char *copy = NULL;
	DIR *dp;
	pid_t pid;

	if (dirlen > 0 && (copy = strndup(dir, dirlen)) == NULL)
		return;
	dp = opendir(copy != NULL ? copy : ".");
	free(copy);
	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if ((pid = tmp_pid(e->d_name)) == 0 || pid == getpid())
			continue;
		if (kill(pid, 0) != 0 && errno == ESRCH) {
			if (fstatat(dirfd(dp), e->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
				stale_dir_remove(dirfd(dp), e->d_name);
			else
				(void)unlinkat(dirfd(dp), e->d_name, 0);
		}
	}
	closedir(dp);
}

void
kxi_tmp_template(char *tmp, size_t len, const char *path, size_t dirlen)
{
	stale_remove(path, dirlen);
	snprintf(tmp, len, "%.*s" TMP_PREFIX "%ld.XXXXXX", (int)dirlen, path,
	    (long)getpid());
}

int
kx_file_mkdtemp(const char *path, char **out, kx_diag *d)
{
	const char *slash;
	size_t dirlen, len;
	char *tmp;

	if (path == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	slash = strrchr(path, '/');
	dirlen = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	len = dirlen + sizeof(TMP_PREFIX) + 32;
	if ((tmp = malloc(len)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "%s", kx_strerror(KX_ENOMEM));
	kxi_tmp_template(tmp, len, path, dirlen);
	if (mkdtemp(tmp) == NULL) {
		int r = KX_FAIL(d, KX_EIO, "cannot create a folder beside %s: "
		    "%s", path, strerror(errno));

		free(tmp);
		return r;
	}
	*out = tmp;
	return KX_OK;
}
