/*
 * cli_data.c - templates and policies named without a path.
 *
 * `--template gp-scp03-isd-enc` and `--policy gp-card-issuer` name files of
 * the data directory: an argument that holds no '/', does not end in
 * ".xml" and is not an existing file stands for DATADIR/KIND/NAME.xml.
 * DATADIR is $KMSXCHG_DATADIR when it is set and not empty (the source
 * tree's profiles/ folder for an uninstalled build and the tests), else
 * the directory compiled in by configure ($(pkgdatadir)).  Anything else is
 * a path and used as given.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef KX_PKGDATADIR
#error "KX_PKGDATADIR must be defined by the build ($(pkgdatadir))"
#endif

/* The data directory and where it came from. */
static const char *
data_dir(const char **from)
{
	const char *e = getenv("KMSXCHG_DATADIR");

	if (e != NULL && *e != '\0') {
		*from = "from KMSXCHG_DATADIR";
		return e;
	}
	*from = "built in; KMSXCHG_DATADIR overrides";
	return KX_PKGDATADIR;
}

static int
is_name(const char *arg)
{
	size_t n = strlen(arg);

	if (n == 0 || strcmp(arg, "-") == 0 || strchr(arg, '/') != NULL)
		return 0;
	if (n >= 4 && strcmp(arg + n - 4, ".xml") == 0)
		return 0;
	return access(arg, F_OK) != 0;
}

/* "a, b, c" of the names in dir/kind, or "none". */
static void
list_names(const char *dir, const char *kind, char *buf, size_t n)
{
	char pat[4096];
	glob_t g;
	size_t i, used = 0;

	buf[0] = '\0';
	if ((size_t)snprintf(pat, sizeof(pat), "%s/%s/*.xml", dir, kind) >=
	    sizeof(pat) || glob(pat, 0, NULL, &g) != 0) {
		snprintf(buf, n, "none");
		return;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		const char *b = strrchr(g.gl_pathv[i], '/');
		size_t len;

		b = b != NULL ? b + 1 : g.gl_pathv[i];
		len = strlen(b) - 4;	/* glob matched "*.xml" */
		if (used + len + 3 >= n)
			break;
		used += (size_t)snprintf(buf + used, n - used, "%s%.*s",
		    i > 0 ? ", " : "", (int)len, b);
	}
	globfree(&g);
}

const char *
cli_data_path(struct cli *cli, const char *kind, const char *arg, char *buf,
    size_t n)
{
	const char *dir, *from;
	char names[1024];

	if (arg == NULL || !is_name(arg))
		return arg;
	dir = data_dir(&from);
	if ((size_t)snprintf(buf, n, "%s/%s/%s.xml", dir, kind, arg) >= n) {
		cli_error(cli, "%s '%s': data directory path too long", kind,
		    arg);
		return NULL;
	}
	if (access(buf, F_OK) == 0)
		return buf;
	list_names(dir, kind, names, sizeof(names));
	cli_error(cli, "'%s' is neither a file nor in the data directory: "
	    "no %s (%s); known %s: %s", arg, buf, from, kind, names);
	return NULL;
}
