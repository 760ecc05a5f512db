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
 * with the size of the document.  A mapped file that shrinks under the
 * reader raises SIGBUS: kx_file_fault tells such a fault from a bug, and
 * kx_file_fault_resume lets the reading go on over zero bytes to the
 * reader's own error (KX_EIO, the findings made over the zeros dropped).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"

/* Pages are given back in steps of this many bytes. */
#define SRC_RELEASE_STEP ((size_t)4 << 20)
/* Limit of one key's strings and lists (per-key memory bound). */
#define KEY_ARENA_MAX ((size_t)16 << 20)

/* ---- inputs ---------------------------------------------------------- */
/*
 * The live mappings of input files, for kx_file_fault() in a SIGBUS
 * handler: a file truncated while it is mapped makes a read of a page
 * past its new end raise SIGBUS.  A fixed table, lock-free: a slot is
 * taken (0 free -> 1 being filled), filled, then published (2); a reader
 * of the table (the handler) looks only at published slots.  Cleared
 * before the mapping goes.  An input that finds no free slot is read
 * instead of mapped, so every mapping of an input is in the table.
 * fault is set (by kx_file_fault_resume, in the handler) when part of the
 * mapping has been replaced by zero pages, from zfrom on; its reader
 * answers KX_EIO.  Zero pages never fault: a fault at or past zfrom is
 * not one that zeros cure, and is left to kill the process.
 */
#define SRC_SLOTS 64
static struct src_slot {
	atomic_int state;		/* 0 free, 1 being changed, 2 live */
	atomic_uintptr_t addr;
	atomic_size_t len;
	atomic_int fault;		/* 0, or an enum kx_file_fault */
	atomic_uintptr_t zfrom;		/* zeros from here on, or 0 */
} src_slots[SRC_SLOTS];
/* the page size, read outside the handler */
static atomic_size_t src_page;
/* apart, so that a look at the table touches one page, not 64 */
static char src_paths[SRC_SLOTS][PATH_MAX];

/* Its slot + 1, or 0 when none is free (or path is too long). */
static int
map_register(const void *m, size_t len, const char *path)
{
	size_t n = strlen(path), i;
	int expect;

	if (n >= PATH_MAX)
		return 0;
	if (atomic_load(&src_page) == 0) {
		long pg = sysconf(_SC_PAGESIZE);

		if (pg <= 0)
			return 0;
		atomic_store(&src_page, (size_t)pg);
	}
	for (i = 0; i < SRC_SLOTS; i++) {
		expect = 0;
		if (!atomic_compare_exchange_strong(&src_slots[i].state,
		    &expect, 1))
			continue;
		memcpy(src_paths[i], path, n + 1);
		atomic_store(&src_slots[i].addr, (uintptr_t)m);
		atomic_store(&src_slots[i].len, len);
		atomic_store(&src_slots[i].fault, 0);
		atomic_store(&src_slots[i].zfrom, 0);
		atomic_store(&src_slots[i].state, 2);
		return (int)i + 1;
	}
	return 0;
}

static void
map_unregister(int slot)
{
	if (slot > 0 && slot <= SRC_SLOTS)
		atomic_store(&src_slots[slot - 1].state, 0);
}

/* The live slot whose mapping holds a, or -1.  Async-signal-safe. */
static int
map_find(uintptr_t a)
{
	struct src_slot *sl;
	uintptr_t base;
	int i;

	for (i = 0; i < SRC_SLOTS; i++) {
		sl = &src_slots[i];
		if (atomic_load(&sl->state) != 2)
			continue;
		base = atomic_load(&sl->addr);
		if (a >= base && a - base < atomic_load(&sl->len))
			return i;
	}
	return -1;
}

/* Why slot i faulted at a: the page of a fault lies past the file's
 * end, unless the file could not be read there.  Async-signal-safe. */
static enum kx_file_fault
map_why(int i, uintptr_t a)
{
	struct stat st;
	uintptr_t off = a - atomic_load(&src_slots[i].addr);

	if (stat(src_paths[i], &st) == 0 && st.st_size >= 0 &&
	    (uint64_t)st.st_size > (uint64_t)off)
		return KX_FILE_FAULT_IO;
	return KX_FILE_FAULT_SHRANK;
}

enum kx_file_fault
kx_file_fault(const void *addr, char *path, size_t size)
{
	size_t k;
	int i;

	/* async-signal-safe: lock-free atomics, stat(2) */
	if ((i = map_find((uintptr_t)addr)) < 0)
		return KX_FILE_FAULT_NONE;
	if (path != NULL && size > 0) {
		for (k = 0; k + 1 < size && src_paths[i][k] != '\0'; k++)
			path[k] = src_paths[i][k];
		path[k] = '\0';
	}
	return map_why(i, (uintptr_t)addr);
}

int
kx_file_fault_resume(const void *addr)
{
	uintptr_t a = (uintptr_t)addr, base, from, end, z;
	size_t pg = atomic_load(&src_page);
	const int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	int i, expect = 0;

	/* async-signal-safe: atomics, stat(2), mmap(2) (a system call) */
	if ((i = map_find(a)) < 0 || pg == 0)
		return -1;
	z = atomic_load(&src_slots[i].zfrom);
	if (z != 0 && a >= z)
		return -1;	/* in the zeros already: not a fault they cure */
	base = atomic_load(&src_slots[i].addr);
	end = base + atomic_load(&src_slots[i].len);
	end += (pg - end % pg) % pg;
	from = a - a % pg;
	(void)atomic_compare_exchange_strong(&src_slots[i].fault, &expect,
	    (int)map_why(i, a));
	/*
	 * From the page of the fault to the end: zeros, read-only, in place
	 * of part of the input's mapping (which kxi_src_close unmaps whole).
	 * cppcheck's posix library knows neither MAP_ANONYMOUS's fd -1 nor
	 * MAP_FIXED.
	 */
	/* cppcheck-suppress [invalidFunctionArg, leakReturnValNotUsed] */
	if (mmap((void *)from, end - from, PROT_READ, fl, -1, 0) ==
	    MAP_FAILED)
		return -1;
	atomic_store(&src_slots[i].zfrom, from);	/* below any before */
	return 0;
}

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
	/* Only a regular file is mapped; kx_file_read refuses the rest
	 * (a FIFO is never waited on: stat first, open without blocking). */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		goto whole;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		goto whole;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		goto whole;	/* not mappable: read it (and report) */
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		goto whole;
	/* a fault in it is told from a bug (kx_file_fault), or no map */
	if ((s->slot = map_register(m, (size_t)st.st_size, path)) == 0) {
		(void)munmap(m, (size_t)st.st_size);
		goto whole;
	}
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

/*
 * The bytes a pass has passed, once each, into the source's digest: the
 * parser tells how far it has read (kxi_src_release), the rest of the
 * input goes in when the pass ends (src_digest).  A second pass over a
 * mapped input compares its digest with the first's (kx_reader_rewind).
 */
static void
src_hash(struct kxi_src *s, size_t upto)
{
	if (upto > s->len)
		upto = s->len;
	if (upto <= s->hashed)
		return;
	if (EVP_DigestUpdate(s->md, s->p + s->hashed, upto - s->hashed) != 1)
		s->md_failed = 1;
	s->hashed = upto;
}

/* Start a pass's digest (KX_OK), or end it into md[32]. */
static int
src_digest(struct kxi_src *s, unsigned char *md, kx_diag *d)
{
	unsigned int n = 0;

	if (s->md == NULL && (s->md = EVP_MD_CTX_new()) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	if (md != NULL) {
		src_hash(s, s->len);
		if (EVP_DigestFinal_ex(s->md, md, &n) != 1 || n != 32)
			s->md_failed = 1;
	}
	s->hashed = 0;
	if (EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
		s->md_failed = 1;
	if (s->md_failed)
		return KX_FAIL(d, KX_EINTERNAL, "SHA-256 failed");
	return KX_OK;
}

void
kxi_src_release(struct kxi_src *s, size_t upto)
{
	long pg;
	size_t from, to;

	if (s->md != NULL && upto > s->hashed)
		src_hash(s, upto);
	if (upto < s->released)
		s->released = 0;	/* a new pass over the input */
	/* called for every token of a scan: the cheap test first */
	if (s->map == NULL || upto < s->released + SRC_RELEASE_STEP ||
	    (pg = sysconf(_SC_PAGESIZE)) <= 0)
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
	if (s->map != NULL) {
		map_unregister(s->slot);
		(void)munmap(s->map, s->len);
	}
	EVP_MD_CTX_free(s->md);
	kx_buf_free(&s->buf);
	memset(s, 0, sizeof(*s));
}

/*
 * KX_EIO when part of the mapped input s has been replaced by zeros
 * (kx_file_fault_resume): the findings made since mark, made over the
 * zeros, give way to one error naming the input.  KX_OK otherwise.
 */
static int
src_fault(const struct kxi_src *s, const char *name,
    const struct kxi_diag_mark *mark, kx_diag *d)
{
	int f;

	if (s->map == NULL || s->slot <= 0 || s->slot > SRC_SLOTS ||
	    (f = atomic_load(&src_slots[s->slot - 1].fault)) == 0)
		return KX_OK;
	kxi_diag_back(d, mark);
	return KX_FAIL(d, KX_EIO, "cannot read %s: %s", name,
	    f == KX_FILE_FAULT_SHRANK ? "the file shrank while it was being "
	    "read" : "Input/output error while it was being read");
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
	c->s->nread += n;
	kxi_src_release(c->s, c->pos);
	return (int)n;
}

/* ---- the reader ------------------------------------------------------ */
struct kx_reader {
	struct kxi_src src;
	const struct kxi_format *f;
	struct kxi_sreader *sr;	/* streaming formats */
	kx_doc *doc;		/* header and transport keys (owned) */
	kx_doc *whole;		/* formats read whole: the document */
	kx_doc view;		/* its header, without keys */
	size_t next;		/* next key of whole */
	kx_key key;		/* the key handed over */
	kxi_arena ka;		/* its strings */
	size_t nkeys;
	int failed, done, head_checked;
	int pass;		/* 0, or 1 after kx_reader_rewind */
	unsigned char digest[32];	/* of the first pass's bytes */
	char *name;
};

int
kx_reader_open(const char *path, enum kx_format fmt, kx_reader **out,
    kx_diag *d)
{
	struct kxi_diag_mark mark;
	kx_reader *r;
	const char *name;
	int rc, fc;

	if (path == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	kxi_diag_mark(d, &mark);
	name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->name = strdup(name)) == NULL) {
		free(r);
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	}
	r->ka.max = KEY_ARENA_MAX;
	if ((rc = kxi_src_open(path, &r->src, d)) != KX_OK)
		goto out;
	if (fmt == KX_FMT_AUTO)
		fmt = kx_format_detect(r->src.p, r->src.len);
	if ((r->f = kxi_format_get(fmt)) == NULL) {
		rc = kxi_not_a_document(d, name);
		goto out;
	}
	if (r->f->sopen == NULL) {
		/* one key per document: read it whole */
		if ((rc = kx_doc_read(r->src.p, r->src.len, fmt, name,
		    &r->whole, d)) != KX_OK)
			goto out;
		r->view = *r->whole;
		r->view.keys = NULL;
		r->view.nkeys = r->view.keys_cap = 0;
		goto out;
	}
	rc = KX_ENOMEM;
	if ((r->doc = kxi_doc_new()) == NULL ||
	    (r->doc->source = kxi_strdup(&r->doc->arena, name)) == NULL) {
		rc = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	r->doc->source_format = fmt;
	/* a mapped input may change under us: its bytes are digested */
	if (r->src.map != NULL && (rc = src_digest(&r->src, NULL, d)) !=
	    KX_OK)
		goto out;
	rc = r->f->sopen(&r->src, r->name, r->doc, &r->sr, d);
out:
	if ((fc = src_fault(&r->src, r->name, &mark, d)) != KX_OK)
		rc = fc;
	if (rc == KX_OK) {
		*out = r;
		return KX_OK;
	}
	kx_reader_close(r);
	return rc;
}

/* Empty the key record and its arena (wiped if it held a clear value). */
static void
reader_clear(kx_reader *r)
{
	if (r->key.value.clear.p != NULL)
		r->ka.wipe = true;
	kxi_arena_reset(&r->ka);
	kxi_key_init(&r->key);
}

int
kx_reader_next(kx_reader *r, const kx_key **key, kx_diag *d)
{
	if (r == NULL || key == NULL)
		kxi_misuse(__func__, "NULL argument");
	return kxi_reader_next_into(r, &r->key, &r->ka, key, d);
}

/*
 * The end of a pass over a mapped input: the first pass keeps its
 * digest; a second pass that read other bytes than the first (the input
 * was changed in between) is refused, as an I/O error.
 */
static int
reader_digest(kx_reader *r, kx_diag *d)
{
	unsigned char md[32];
	int rc;

	if ((rc = src_digest(&r->src, md, d)) != KX_OK)
		return rc;
	if (r->pass == 0)
		memcpy(r->digest, md, sizeof(md));
	else if (CRYPTO_memcmp(r->digest, md, sizeof(md)) != 0)
		return KX_FAIL(d, KX_EIO, "%s: changed while being read",
		    r->name);
	return 0;
}

/*
 * kx_reader_next into the caller's record rec and its arena ka (emptied
 * first, wiped when it held a clear value, held to the reader's per-key
 * limit): the key stays valid while the reader reads on, until rec is
 * used again.
 */
int
kxi_reader_next_into(kx_reader *r, kx_key *rec, kxi_arena *ka,
    const kx_key **key, kx_diag *d)
{
	struct kxi_diag_mark mark;
	int rc, sc;

	*key = NULL;
	if (r->failed)
		return r->failed;
	if (r->done)
		return 0;
	kxi_diag_mark(d, &mark);
	if (r->whole != NULL) {
		if (r->next >= r->whole->nkeys) {
			r->done = 1;
			return 0;
		}
		*key = &r->whole->keys[r->next++];
		r->nkeys++;
		return 1;
	}
	if (rec->value.clear.p != NULL)
		ka->wipe = true;
	kxi_arena_reset(ka);
	ka->max = r->ka.max;	/* the per-key limit, whoever's arena */
	kxi_key_init(rec);
	rc = r->f->snext(r->sr, r->doc, rec, ka, d);
	/*
	 * Held to the native schema as kx_doc_read holds a whole document
	 * (strict.c): the header once it is complete, then each key.
	 */
	if ((rc == 1 || rc == 0) && !r->head_checked) {
		r->head_checked = 1;
		if ((sc = kxi_strict_head(r->doc, d)) != KX_OK)
			rc = sc;
	}
	if (rc == 1 && (sc = kxi_strict_key(r->doc, rec, d)) != KX_OK)
		rc = sc;
	if (rc == 0 && r->src.md != NULL)
		rc = reader_digest(r, d);
	if ((sc = src_fault(&r->src, r->name, &mark, d)) != KX_OK)
		rc = sc;
	if (rc == 1) {
		r->nkeys++;
		*key = rec;
	} else if (rc == 0)
		r->done = 1;
	else
		r->failed = rc < 0 ? rc : KX_EINTERNAL;
	return rc == 1 || rc == 0 ? rc : r->failed;
}

const kx_doc *
kx_reader_doc(const kx_reader *r)
{
	if (r == NULL)
		return NULL;
	return r->whole != NULL ? &r->view : r->doc;
}

enum kx_format
kx_reader_format(const kx_reader *r)
{
	return r == NULL ? KX_FMT_NONE : r->f->fmt;
}

size_t
kx_reader_keys(const kx_reader *r)
{
	return r == NULL ? 0 : r->nkeys;
}

int
kx_reader_error(const kx_reader *r)
{
	return r == NULL ? KX_OK : r->failed;
}

int
kx_reader_read_whole(kx_reader *r, kx_doc **out, kx_diag *d)
{
	if (r == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	return kxi_reader_whole(r, out, d);
}

int
kxi_reader_whole(kx_reader *r, kx_doc **out, kx_diag *d)
{
	struct kxi_diag_mark mark;
	int rc, fc;

	*out = NULL;
	if (r->failed)
		return r->failed;
	kxi_diag_mark(d, &mark);
	if (r->sr == NULL)	/* a format read whole: once more */
		rc = kx_doc_read(r->src.p, r->src.len, r->f->fmt, r->name,
		    out, d);
	else if ((rc = kxi_read_all(r->f, &r->src, r->name, out, d)) ==
	    KX_OK && (rc = kxi_strict_doc(*out, d)) != KX_OK) {
		kx_doc_free(*out);
		*out = NULL;
	}
	if ((fc = src_fault(&r->src, r->name, &mark, d)) != KX_OK) {
		kx_doc_free(*out);
		*out = NULL;
		rc = fc;
	}
	if (rc != KX_OK)
		r->failed = rc;
	return rc;
}

/*
 * A second pass over the input (kx_reader_rewind): the header of the pass
 * that read to the end, complete with what followed the keys, to *head;
 * the format's reader starts again at the start of the same input (mapped
 * or kept in memory, standard input too), into a header of its own.
 * A mapped input's bytes are digested (SHA-256) in both passes: the
 * second pass's end is refused (KX_EIO, "changed while being read") when
 * the input changed since the first read it.
 */
int
kx_reader_rewind(kx_reader *r, kx_doc **head, kx_diag *d)
{
	struct kxi_diag_mark mark;
	kx_doc *nd;
	int rc, fc;

	if (r == NULL || head == NULL)
		kxi_misuse(__func__, "NULL argument");
	*head = NULL;
	if (r->failed)
		return r->failed;
	kxi_diag_mark(d, &mark);
	if (!r->done || r->sr == NULL)
		return KX_FAIL(d, KX_EUSAGE, "%s: a document read to its end "
		    "one key at a time is rewound, not this one", __func__);
	if ((nd = kxi_doc_new()) == NULL ||
	    (nd->source = kxi_strdup(&nd->arena, r->name)) == NULL) {
		kx_doc_free(nd);
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	}
	nd->source_format = r->f->fmt;
	r->f->sclose(r->sr);
	r->sr = NULL;
	reader_clear(r);
	r->nkeys = 0;
	r->done = r->head_checked = 0;
	r->pass = 1;
	*head = r->doc;
	r->doc = nd;
	rc = r->src.md != NULL ? src_digest(&r->src, NULL, d) : KX_OK;
	if (rc == KX_OK &&
	    (rc = r->f->sopen(&r->src, r->name, nd, &r->sr, d)) != KX_OK)
		r->sr = NULL;
	if ((fc = src_fault(&r->src, r->name, &mark, d)) != KX_OK)
		rc = fc;
	if (rc != KX_OK)
		r->failed = rc;
	return rc;
}

void
kx_reader_close(kx_reader *r)
{
	if (r == NULL)
		return;
	if (r->sr != NULL)
		r->f->sclose(r->sr);
	reader_clear(r);
	kxi_arena_free(&r->ka);
	kx_doc_free(r->doc);
	kx_doc_free(r->whole);
	kxi_src_close(&r->src);
	free(r->name);
	free(r);
}

int
kxi_read_all(const struct kxi_format *f, struct kxi_src *src,
    const char *name, kx_doc **out, kx_diag *d)
{
	struct kxi_sreader *r = NULL;
	kx_doc *doc;
	kx_key *k;
	int rc;

	*out = NULL;
	if ((doc = kxi_doc_new()) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	doc->source_format = f->fmt;
	if ((rc = f->sopen(src, name, doc, &r, d)) != KX_OK)
		goto out;
	for (;;) {
		if ((k = kxi_doc_add_key(doc)) == NULL) {
			rc = KX_FAIL(d, KX_ELIMIT, "too many keys");
			goto out;
		}
		if ((rc = f->snext(r, doc, k, &doc->arena, d)) != 1) {
			doc->nkeys--;	/* the record was not used */
			break;
		}
	}
	if (rc < 0)
		goto out;
	if (doc->source == NULL && name != NULL &&
	    (doc->source = kxi_strdup(&doc->arena, name)) == NULL) {
		rc = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	*out = doc;
	doc = NULL;
	rc = KX_OK;
out:
	if (r != NULL)
		f->sclose(r);
	kx_doc_free(doc);
	return rc;
}

/*
 * The whole document through the streaming reader: a regular file is
 * mapped, not copied, and its size is not limited.
 */
int
kx_doc_read_file(const char *path, enum kx_format fmt, kx_doc **out,
    kx_diag *d)
{
	struct kxi_diag_mark mark;
	const struct kxi_format *f;
	struct kxi_src src;
	const char *name;
	int rc, fc;

	if (path == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	kxi_diag_mark(d, &mark);
	name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	if ((rc = kxi_src_open(path, &src, d)) != KX_OK)
		return rc;
	if (fmt == KX_FMT_AUTO)
		fmt = kx_format_detect(src.p, src.len);
	if ((f = kxi_format_get(fmt)) == NULL || f->sopen == NULL)
		rc = kx_doc_read(src.p, src.len, fmt, name, out, d);
	else if ((rc = kxi_read_all(f, &src, name, out, d)) == KX_OK &&
	    (rc = kxi_strict_doc(*out, d)) != KX_OK) {
		/* held to the native schema, as kx_doc_read (strict.c) */
		kx_doc_free(*out);
		*out = NULL;
	}
	if ((fc = src_fault(&src, name, &mark, d)) != KX_OK) {
		kx_doc_free(*out);
		*out = NULL;
		rc = fc;
	}
	kxi_src_close(&src);
	return rc;
}

/* ---- the writer ------------------------------------------------------ */
struct kx_writer {
	const struct kxi_format *f;
	const kx_doc *head;
	kx_sink sink;
	void *arg;
	kx_buf buf;		/* one key's bytes */
	kx_buf post;		/* what follows the keys */
	int spool;		/* frame_len formats: the keys, or -1 */
	kx_buf sbuf;		/* keys on their way to the spool */
	size_t keys_len, nkeys;
	int failed;
};

static int
send(kx_writer *w, const void *p, size_t n, kx_diag *d)
{
	if (n > 0 && w->sink(w->arg, p, n) != 0)
		return KX_FAIL(d, KX_EIO, "cannot write the output");
	return KX_OK;
}

static int
spool_open(kx_diag *d)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/kmsxchg-XXXXXX", dir) >=
	    sizeof(path))
		return KX_FAIL(d, KX_EIO, "TMPDIR too long");
	if ((fd = mkstemp(path)) < 0)
		return KX_FAIL(d, KX_EIO, "cannot create a temporary file in "
		    "%s: %s", dir, strerror(errno));
	(void)unlink(path);
	return fd;
}

static int
write_fd_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
kx_writer_open(const kx_doc *head, enum kx_format fmt, kx_sink sink,
    void *arg, kx_writer **out, kx_diag *d)
{
	kx_writer *w;
	int rc;

	if (head == NULL || sink == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	w->spool = -1;
	w->head = head;
	w->sink = sink;
	w->arg = arg;
	if ((w->f = kxi_format_get(fmt)) == NULL) {
		rc = KX_FAIL(d, KX_EUSAGE, "no writer for format %s",
		    kx_format_name(fmt));
		goto out;
	}
	if (w->f->wkey != NULL && w->f->frame_len) {
		if ((w->spool = spool_open(d)) < 0) {
			rc = KX_EIO;
			goto out;
		}
	} else if (w->f->wkey != NULL) {
		if ((rc = w->f->wframe(head, 0, &w->buf, &w->post, d)) !=
		    KX_OK || (rc = send(w, w->buf.data, w->buf.len, d)) !=
		    KX_OK)
			goto out;
		w->buf.len = 0;
	}
	*out = w;
	return KX_OK;
out:
	kx_writer_free(w);
	return rc;
}

/* The keys gathered in sbuf to the spool. */
static int
spool_flush(kx_writer *w, kx_diag *d)
{
	if (w->sbuf.len > 0 && write_fd_all(w->spool, w->sbuf.data,
	    w->sbuf.len) != 0)
		return KX_FAIL(d, KX_EIO, "cannot write a temporary file: %s",
		    strerror(errno));
	w->sbuf.len = 0;
	return KX_OK;
}

/*
 * One key's bytes b to the spool (gathered SPOOL_CHUNK bytes at a time:
 * one write a key was a system call a key) or the sink.
 */
#define SPOOL_CHUNK ((size_t)256 << 10)
static int
put_key(kx_writer *w, const kx_buf *b, kx_diag *d)
{
	int rc;

	if (w->spool >= 0) {
		if (w->sbuf.len + b->len > SPOOL_CHUNK &&
		    (rc = spool_flush(w, d)) != KX_OK)
			return rc;
		if (b->len > SPOOL_CHUNK) {
			if (write_fd_all(w->spool, b->data, b->len) != 0)
				return KX_FAIL(d, KX_EIO, "cannot write a "
				    "temporary file: %s", strerror(errno));
		} else if ((rc = kx_buf_append(&w->sbuf, b->data, b->len)) !=
		    KX_OK)
			return KX_FAIL(d, rc, "out of memory");
		w->keys_len += b->len;
		return KX_OK;
	}
	return send(w, b->data, b->len, d);
}

int
kx_writer_key(kx_writer *w, const kx_key *key, kx_diag *d)
{
	kx_doc view;
	int rc;

	if (w == NULL || key == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (w->failed)
		return w->failed;
	w->buf.len = 0;
	if (w->f->wkey == NULL) {
		/* one key per document: written whole at once */
		if (w->nkeys > 0) {
			rc = KX_FAIL(d, KX_EUSAGE, "a %s document holds one "
			    "key", w->f->name);
			goto out;
		}
		view = *w->head;
		view.keys = (kx_key *)key;
		view.nkeys = view.keys_cap = 1;
		if ((rc = w->f->write(&view, &w->buf, d)) != KX_OK ||
		    (rc = send(w, w->buf.data, w->buf.len, d)) != KX_OK)
			goto out;
	} else if ((rc = w->f->wkey(key, &w->buf, d)) != KX_OK ||
	    (rc = put_key(w, &w->buf, d)) != KX_OK)
		goto out;
	w->nkeys++;
	rc = KX_OK;
out:
	if (rc != KX_OK)
		w->failed = rc;
	return rc;
}

int
kxi_key_encode(enum kx_format fmt, const kx_key *key, kx_buf *out,
    kx_diag *d)
{
	const struct kxi_format *f = kxi_format_get(fmt);

	if (f == NULL || f->wkey == NULL)
		return KX_EUNSUPPORTED;
	out->len = 0;
	return f->wkey(key, out, d);
}

int
kxi_writer_key_bytes(kx_writer *w, const kx_buf *b, kx_diag *d)
{
	int rc;

	if (w == NULL || b == NULL || w->f->wkey == NULL)
		kxi_misuse(__func__, "not a writer of keys");
	if (w->failed)
		return w->failed;
	if ((rc = put_key(w, b, d)) != KX_OK) {
		w->failed = rc;
		return rc;
	}
	w->nkeys++;
	return KX_OK;
}

int
kx_writer_finish(kx_writer *w, kx_diag *d)
{
	kx_buf pre = { NULL, 0, 0, 0 };
	uint8_t tmp[65536];
	ssize_t n;
	int rc;

	if (w == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (w->failed)
		return w->failed;
	if (w->f->wkey == NULL) {
		rc = w->nkeys == 1 ? KX_OK : w->f->write(w->head, &w->buf, d);
		if (rc == KX_OK && w->nkeys == 0)
			rc = send(w, w->buf.data, w->buf.len, d);
		goto out;
	}
	if (w->spool >= 0) {
		if ((rc = spool_flush(w, d)) != KX_OK ||
		    (rc = w->f->wframe(w->head, w->keys_len, &pre, &w->post,
		    d)) != KX_OK || (rc = send(w, pre.data, pre.len, d)) !=
		    KX_OK)
			goto out;
		if (lseek(w->spool, 0, SEEK_SET) != 0) {
			rc = KX_FAIL(d, KX_EIO, "cannot rewind a temporary "
			    "file: %s", strerror(errno));
			goto out;
		}
		for (;;) {
			n = read(w->spool, tmp, sizeof(tmp));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				rc = KX_FAIL(d, KX_EIO, "cannot read a "
				    "temporary file: %s", strerror(errno));
				goto out;
			}
			if (n == 0)
				break;
			if ((rc = send(w, tmp, (size_t)n, d)) != KX_OK)
				goto out;
		}
	}
	rc = send(w, w->post.data, w->post.len, d);
out:
	kx_buf_free(&pre);
	if (rc != KX_OK)
		w->failed = rc;
	return rc;
}

void
kx_writer_free(kx_writer *w)
{
	if (w == NULL)
		return;
	if (w->spool >= 0)
		close(w->spool);
	kx_buf_free(&w->sbuf);
	kx_buf_free(&w->buf);
	kx_buf_free(&w->post);
	free(w);
}
