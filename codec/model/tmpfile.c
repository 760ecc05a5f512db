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
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* Remove the temporary files of dead processes in dir (dirlen bytes). */
static void
stale_remove(const char *dir, size_t dirlen)
{
	struct dirent *e;
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
		if (kill(pid, 0) != 0 && errno == ESRCH)
			(void)unlinkat(dirfd(dp), e->d_name, 0);
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
