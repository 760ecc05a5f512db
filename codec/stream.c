/*
 * stream.c - documents one key at a time: inputs read without a copy
 * (kxi_src), the public streaming reader (kx_reader) and writer
 * (kx_writer) over the format table's streaming operations, and
 * kx_doc_read/kx_doc_write built on them.
 *
 * Memory: a reader holds the document's header and transport keys, one
 * key record and the arena of that key's strings (emptied for the next
 * key); a writer holds nothing of the keys it has written (DER needs the
 * keys' total length in front of them, so its keys are spooled to an
 * unlinked temporary file first).  Inputs are mapped, and the pages the
 * reader has passed are given back, so resident memory does not grow
 * with the size of the document.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

/* Pages are given back in steps of this many bytes. */
#define SRC_RELEASE_STEP ((size_t)4 << 20)
/* Limit of one key's strings and lists (per-key memory bound). */
#define KEY_ARENA_MAX ((size_t)16 << 20)

/* ---- inputs ---------------------------------------------------------- */
void
kxi_src_mem(struct kxi_src *s, const uint8_t *p, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->p = p;
	s->len = len;
}

int
kxi_src_open(const char *path, struct kxi_src *s, kx_diag *d)
{
	struct stat st;
	void *m;
	int fd, r;

	memset(s, 0, sizeof(*s));
	if (path == NULL)
		kxi_misuse(__func__, "path is NULL");
	if (strcmp(path, "-") == 0)
		goto whole;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return KX_FAIL(d, KX_EIO, "cannot open %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		goto whole;	/* not mappable: read it (and report) */
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		goto whole;
	(void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	s->map = m;
	s->p = m;
	s->len = (size_t)st.st_size;
	return KX_OK;
whole:
	/* A pipe cannot be mapped: read it, bounded as ever. */
	if ((r = kx_file_read(path, 0, &s->buf, d)) != KX_OK) {
		kx_buf_free(&s->buf);
		return r;
	}
	s->p = s->buf.data;
	s->len = s->buf.len;
	return KX_OK;
}

void
kxi_src_release(struct kxi_src *s, size_t upto)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t from, to;

	if (s->map == NULL || pg <= 0 || upto < s->released + SRC_RELEASE_STEP)
		return;
	from = s->released - s->released % (size_t)pg;
	to = upto - upto % (size_t)pg;
	if (to > from)
		(void)madvise((uint8_t *)s->map + from, to - from,
		    MADV_DONTNEED);
	s->released = to;
}

void
kxi_src_close(struct kxi_src *s)
{
	if (s == NULL)
		return;
	if (s->map != NULL)
		(void)munmap(s->map, s->len);
	kx_buf_free(&s->buf);
	memset(s, 0, sizeof(*s));
}

int
kxi_src_xmlread(void *arg, char *buf, int len)
{
	struct kxi_src_cur *c = arg;
	size_t n;

	if (len <= 0 || c->pos >= c->s->len)
		return 0;
	n = c->s->len - c->pos;
	if (n > (size_t)len)
		n = (size_t)len;
	memcpy(buf, c->s->p + c->pos, n);
	c->pos += n;
	kxi_src_release(c->s, c->pos);
	return (int)n;
}
