/*
 * shrinkpre.c - LD_PRELOAD shim for tests/cli/shrink.sh: another process
 * truncating an input while kmsxchg reads it, at a fixed point rather
 * than a racing one.  KX_SHRINK_FILE=PATH: a mapping of PATH is noted
 * (mmap), and the first time part of it is given back (madvise
 * MADV_DONTNEED: libkmsxchg does so every 4 MiB read, codec/model/
 * stream.c) PATH is truncated to KX_SHRINK_TO bytes (default 4096)
 * before the call goes on; with KX_SHRINK_AT=map, as soon as PATH is
 * mapped instead (any document: the read faults on its second page).
 * KX_SHRINK_NOZERO=1: zero pages are refused in place of that mapping
 * (mmap MAP_FIXED|MAP_ANONYMOUS inside it fails, ENOMEM), as when memory
 * runs out in the SIGBUS handler.  Without KX_SHRINK_FILE it changes
 * nothing.
 * (RTLD_NEXT needs _GNU_SOURCE, which config.h defines.)
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static uintptr_t map_lo, map_hi;
static int shrunk;

/* PATH cut to KX_SHRINK_TO bytes, once */
static void
shrink(const char *path)
{
	const char *to = getenv("KX_SHRINK_TO");

	/* a failure shows: the test finds the file whole */
	if (!shrunk)
		shrunk = truncate(path, to != NULL ? atol(to) : 4096) == 0 ?
		    1 : -1;
}

void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static void *(*real)(void *, size_t, int, int, int, off_t);
	const char *path = getenv("KX_SHRINK_FILE"), *at;
	struct stat a, b;
	void *m;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "mmap");
	if ((flags & MAP_FIXED) && (flags & MAP_ANONYMOUS) && path != NULL &&
	    (uintptr_t)addr >= map_lo && (uintptr_t)addr < map_hi &&
	    getenv("KX_SHRINK_NOZERO") != NULL) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	m = real(addr, len, prot, flags, fd, off);
	if (m != MAP_FAILED && path != NULL && fd >= 0 && map_hi == 0 &&
	    fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		map_lo = (uintptr_t)m;
		map_hi = map_lo + len;
		if ((at = getenv("KX_SHRINK_AT")) != NULL &&
		    strcmp(at, "map") == 0)
			shrink(path);
	}
	return m;
}

int
madvise(void *addr, size_t len, int advice)
{
	static int (*real)(void *, size_t, int);
	const char *path = getenv("KX_SHRINK_FILE");
	uintptr_t a = (uintptr_t)addr;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "madvise");
	if (advice == MADV_DONTNEED && path != NULL && a >= map_lo &&
	    a < map_hi)
		shrink(path);
	return real(addr, len, advice);
}
