/*
 * audit.c - the tamper-evident audit trail: records of ceremony steps as
 * hash-chained JSON lines, appended under a lock, and their verification.
 *
 * Line format (kmsxchg(5), AUDIT TRAIL), fields always present and in this
 * order, absent values as null:
 *   {"seq":N,"prev":HEX64,"time":ISO8601,"op":S,"operator":S,"input":S,
 *    "output":S,"doc":S,"kek":S,"new_kek":S,"nkeys":N,"keys":[{"id":S,
 *    "component":N,"kcv":HEX,"kcv_method":S,"kek":S}...],"policy":{"name":S,
 *    "path":S,"sha256":HEX64},"result":"ok|refused|error","rules":[S...]}
 * prev is the SHA-256 of the previous line including its LF; line 1 chains
 * to SHA-256("kmsxchg-audit-v1\n").  Strings go through the library's one
 * JSON escaper (kxi_json_str).  Nothing here ever sees a key value: a
 * record holds ids, KCVs, paths and rule ids only.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"

struct kxi_audit_key {
	const char *id, *kek;
	unsigned component;
	uint8_t kcv[KX_FINGERPRINT_LEN];	/* a KCV, or a fingerprint */
	size_t kcvlen;
	enum kx_kcv_method method;
};

struct kx_audit_rec {
	kxi_arena arena;
	int64_t time;
	const char *op;
	const char *f[KX_AF__N];
	struct kxi_audit_key *keys;
	size_t nkeys, total_keys;
	bool has_policy;
	const char *policy_name, *policy_path;
	uint8_t policy_sha256[32];
	enum kx_audit_result result;
	kxi_strlist rules;
};

struct kx_audit {
	int fd;
	char *path;
};

/* ---- hashing ---------------------------------------------------------- */
static int
sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 32;

	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 &&
	    len == 32 ? KX_OK : KX_ECRYPTO;
}

static int
genesis(uint8_t out[32])
{
	return sha256(KX_AUDIT_GENESIS_LINE, strlen(KX_AUDIT_GENESIS_LINE),
	    out);
}

/* Lower-case hex (as sha256sum prints) of 32 bytes into out[65]. */
static void
hash_hex(const uint8_t h[32], char out[65])
{
	char *p;

	kx_hex_encode(h, 32, out);
	for (p = out; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
}

/* ---- records ---------------------------------------------------------- */
int
kx_audit_rec_new(const char *op, int64_t t, kx_audit_rec **out)
{
	kx_audit_rec *r;

	if (op == NULL || out == NULL)
		kxi_misuse(__func__, "op and out are required");
	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return KX_ENOMEM;
	r->time = t;
	r->result = KX_AUDIT_ERROR;
	if ((r->op = kxi_strdup(&r->arena, op)) == NULL) {
		kx_audit_rec_free(r);
		return KX_ENOMEM;
	}
	*out = r;
	return KX_OK;
}

void
kx_audit_rec_free(kx_audit_rec *r)
{
	if (r == NULL)
		return;
	kxi_arena_free(&r->arena);
	free(r);
}

void
kx_audit_rec_time(kx_audit_rec *r, int64_t t)
{
	if (r == NULL)
		kxi_misuse(__func__, "NULL argument");
	r->time = t;
}

void
kx_audit_rec_result(kx_audit_rec *r, enum kx_audit_result res)
{
	if (r == NULL)
		kxi_misuse(__func__, "NULL argument");
	r->result = res;
}

int
kx_audit_rec_set(kx_audit_rec *r, enum kx_audit_field f, const char *v)
{
	if (r == NULL || (unsigned)f >= KX_AF__N)
		kxi_misuse(__func__, "bad record or field");
	if (v == NULL) {
		r->f[f] = NULL;
		return KX_OK;
	}
	return (r->f[f] = kxi_strdup(&r->arena, v)) != NULL ? KX_OK :
	    KX_ENOMEM;
}

int
kx_audit_rec_key(kx_audit_rec *r, const char *id, unsigned component,
    const uint8_t *kcv, size_t kcvlen, enum kx_kcv_method m)
{
	struct kxi_audit_key *k;

	if (r == NULL)
		kxi_misuse(__func__, "NULL argument");
	r->total_keys++;
	if (r->nkeys == KX_AUDIT_MAX_KEYS)
		return KX_OK;	/* counted in nkeys, not listed */
	k = kxi_array_push(&r->arena, (void **)&r->keys, &r->nkeys,
	    sizeof(*k));
	if (k == NULL)
		return KX_ENOMEM;
	k->component = component;
	if (id != NULL && (k->id = kxi_strdup(&r->arena, id)) == NULL)
		return KX_ENOMEM;
	if (kcv != NULL && kcvlen > 0) {
		k->kcvlen = kcvlen > sizeof(k->kcv) ? sizeof(k->kcv) : kcvlen;
		memcpy(k->kcv, kcv, k->kcvlen);
		k->method = m;
	}
	return KX_OK;
}

int
kx_audit_rec_doc(kx_audit_rec *r, const kx_doc *doc)
{
	size_t i;
	int rc;

	if (r == NULL || doc == NULL)
		kxi_misuse(__func__, "record and doc are required");
	if ((rc = kx_audit_rec_set(r, KX_AF_DOC, doc->id)) != KX_OK)
		return rc;
	r->keys = NULL;		/* the old array stays in the arena */
	r->nkeys = r->total_keys = 0;
	for (i = 0; i < doc->nkeys; i++)
		if ((rc = kx_audit_rec_doc_key(r, doc, i, &doc->keys[i])) !=
		    KX_OK)
			return rc;
	return KX_OK;
}

int
kx_audit_rec_doc_key(kx_audit_rec *r, const kx_doc *head, size_t i,
    const kx_key *k)
{
	size_t n;
	int rc;

	if (r == NULL || head == NULL || k == NULL)
		kxi_misuse(__func__, "record, head and key are required");
	if (i == 0) {
		if ((rc = kx_audit_rec_set(r, KX_AF_DOC, head->id)) != KX_OK)
			return rc;
		r->keys = NULL;	/* the old array stays in the arena */
		r->nkeys = r->total_keys = 0;
	}
	n = r->nkeys;
	if ((rc = kx_audit_rec_key(r, k->prof.id, 0, k->kcv.p, k->kcv.n,
	    k->kcv_method)) != KX_OK)
		return rc;
	if (r->nkeys > n && k->value.kek_id != NULL &&
	    (r->keys[n].kek = kxi_strdup(&r->arena, k->value.kek_id)) ==
	    NULL)
		return KX_ENOMEM;
	if (r->f[KX_AF_KEK] == NULL && r->nkeys > 0 && r->keys[0].kek != NULL)
		r->f[KX_AF_KEK] = r->keys[0].kek;
	return KX_OK;
}

int
kx_audit_rec_policy(kx_audit_rec *r, const kx_policy *p, const char *path,
    kx_diag *d)
{
	kx_buf b = { 0 };
	int rc;

	if (r == NULL || path == NULL)
		kxi_misuse(__func__, "record and path are required");
	if ((rc = kx_file_read(path, 0, &b, d)) != KX_OK)
		goto out;
	if ((rc = sha256(b.data, b.len, r->policy_sha256)) != KX_OK) {
		rc = KX_FAIL(d, rc, "cannot hash %s", path);
		goto out;
	}
	rc = KX_ENOMEM;
	if ((r->policy_path = kxi_strdup(&r->arena, path)) == NULL ||
	    (p != NULL && p->name != NULL &&
	    (r->policy_name = kxi_strdup(&r->arena, p->name)) == NULL))
		goto out;
	r->has_policy = true;
	rc = KX_OK;
out:
	kx_buf_free(&b);
	return rc;
}

int
kx_audit_rec_rules(kx_audit_rec *r, const kx_diag *d)
{
	const kx_finding *f;
	size_t i, j, n = d != NULL ? kx_diag_count(d) : 0;
	int rc;

	if (r == NULL)
		kxi_misuse(__func__, "NULL argument");
	for (i = 0; i < n; i++) {
		f = kx_diag_get(d, i);
		if (f == NULL || f->severity < KX_SEV_ERROR ||
		    f->rule[0] == '\0')
			continue;
		for (j = 0; j < r->rules.n; j++)
			if (strcmp(r->rules.v[j], f->rule) == 0)
				break;
		if (j == r->rules.n &&
		    (rc = kxi_strlist_add(&r->arena, &r->rules, f->rule)) !=
		    KX_OK)
			return rc;
	}
	return KX_OK;
}

/* ,"key":value with value a JSON string or null. */
static int
put_str(kx_buf *b, const char *key, const char *v)
{
	int r;

	if ((r = kx_buf_printf(b, ",\"%s\":", key)) != KX_OK)
		return r;
	return kxi_json_str(b, v);
}

static int
put_key(kx_buf *b, const struct kxi_audit_key *k, int first)
{
	char hex[2 * KX_FINGERPRINT_LEN + 1];
	int r;

	if ((r = kx_buf_printf(b, "%s{\"id\":", first ? "" : ",")) != KX_OK ||
	    (r = kxi_json_str(b, k->id)) != KX_OK)
		return r;
	if (k->component > 0)
		r = kx_buf_printf(b, ",\"component\":%u", k->component);
	else
		r = kx_buf_printf(b, ",\"component\":null");
	if (r != KX_OK)
		return r;
	if (k->kcvlen > 0) {
		kx_hex_encode(k->kcv, k->kcvlen, hex);
		r = put_str(b, "kcv", hex);
		if (r == KX_OK)
			r = put_str(b, "kcv_method",
			    kx_name(KX_ENUM_KCV_METHOD, k->method));
	} else
		r = kx_buf_printf(b, ",\"kcv\":null,\"kcv_method\":null");
	if (r == KX_OK)
		r = put_str(b, "kek", k->kek);
	if (r == KX_OK)
		r = kx_buf_append(b, "}", 1);
	return r;
}

int
kx_audit_rec_format(const kx_audit_rec *r, uint64_t seq,
    const uint8_t prev[32], kx_buf *out)
{
	static const char *const fields[KX_AF__N] = { "operator", "input",
	    "output", "doc", "kek", "new_kek" };
	static const char *const results[] = { "ok", "refused", "error" };
	char t[21], h[65];
	size_t i, start;
	int rc;

	if (r == NULL || prev == NULL || out == NULL)
		kxi_misuse(__func__, "record, prev and out are required");
	start = out->len;
	kx_time_format(r->time, t);
	hash_hex(prev, h);
	rc = kx_buf_printf(out, "{\"seq\":%llu,\"prev\":\"%s\",\"time\":\"%s\"",
	    (unsigned long long)seq, h, t);
	if (rc == KX_OK)
		rc = put_str(out, "op", r->op);
	for (i = 0; i < KX_AF__N && rc == KX_OK; i++)
		rc = put_str(out, fields[i], r->f[i]);
	if (rc == KX_OK)
		rc = kx_buf_printf(out, ",\"nkeys\":%zu,\"keys\":[",
		    r->total_keys);
	for (i = 0; i < r->nkeys && rc == KX_OK; i++)
		rc = put_key(out, &r->keys[i], i == 0);
	if (rc == KX_OK)
		rc = kx_buf_append(out, "]", 1);
	if (rc == KX_OK && r->has_policy) {
		hash_hex(r->policy_sha256, h);
		rc = kx_buf_printf(out, ",\"policy\":{\"name\":");
		if (rc == KX_OK)
			rc = kxi_json_str(out, r->policy_name);
		if (rc == KX_OK)
			rc = put_str(out, "path", r->policy_path);
		if (rc == KX_OK)
			rc = put_str(out, "sha256", h);
		if (rc == KX_OK)
			rc = kx_buf_append(out, "}", 1);
	} else if (rc == KX_OK)
		rc = kx_buf_printf(out, ",\"policy\":null");
	if (rc == KX_OK)
		rc = put_str(out, "result", results[r->result]);
	if (rc == KX_OK)
		rc = kx_buf_printf(out, ",\"rules\":[");
	for (i = 0; i < r->rules.n && rc == KX_OK; i++) {
		if (i > 0)
			rc = kx_buf_append(out, ",", 1);
		if (rc == KX_OK)
			rc = kxi_json_str(out, r->rules.v[i]);
	}
	if (rc == KX_OK)
		rc = kx_buf_append(out, "]}\n", 3);
	if (rc == KX_OK && out->len - start > KX_AUDIT_MAX_LINE)
		rc = KX_ELIMIT;
	if (rc != KX_OK)
		out->len = start;
	return rc;
}

/* ---- parsing one line ------------------------------------------------- */
/*
 * A line (without its LF) is well formed when it starts with
 * {"seq":N,"prev":"HEX64", and ends with '}' and holds no control byte.
 * Only seq and prev matter to the chain; every other byte is covered by
 * the next line's prev.
 */
static int
parse_line(const uint8_t *p, size_t n, uint64_t *seq, uint8_t prev[32])
{
	static const char a[] = "{\"seq\":", b[] = ",\"prev\":\"";
	size_t i = 0, k, len;
	uint64_t v = 0;

	if (n < sizeof(a) - 1 || memcmp(p, a, sizeof(a) - 1) != 0)
		return -1;
	i = sizeof(a) - 1;
	if (i >= n || p[i] < '1' || p[i] > '9')
		return -1;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (n - i < sizeof(b) - 1 + 64 + 2 ||
	    memcmp(p + i, b, sizeof(b) - 1) != 0)
		return -1;
	i += sizeof(b) - 1;
	for (k = 0; k < 64; k++)
		if (!((p[i + k] >= '0' && p[i + k] <= '9') ||
		    (p[i + k] >= 'a' && p[i + k] <= 'f')))
			return -1;
	if (kx_hex_decode((const char *)p + i, 64, prev, 32, &len) != KX_OK ||
	    len != 32)
		return -1;
	i += 64;
	if (p[i] != '"' || p[i + 1] != ',' || p[n - 1] != '}')
		return -1;
	for (k = 0; k < n; k++)
		if (p[k] < 0x20 || p[k] == 0x7F)
			return -1;
	*seq = v;
	return 0;
}

/* ---- the file --------------------------------------------------------- */
static int
lock(int fd, int how)
{
	while (flock(fd, how) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/*
 * Under a lock: the sequence number and hash of the last line (0 and the
 * genesis for an empty file).  The file must end with a whole record.
 */
static int
read_tail(kx_audit *a, uint64_t *seq, uint8_t hash[32], off_t *size,
    kx_diag *d)
{
	struct stat st;
	uint8_t *buf = NULL, prev[32];
	size_t n, i;
	ssize_t got;
	int r;

	if (fstat(a->fd, &st) != 0)
		return KX_FAIL(d, KX_EIO, "cannot stat %s: %s", a->path,
		    strerror(errno));
	*size = st.st_size;
	if (st.st_size == 0) {
		*seq = 0;
		return genesis(hash);
	}
	n = (uint64_t)st.st_size > KX_AUDIT_MAX_LINE + 1 ?
	    KX_AUDIT_MAX_LINE + 1 : (size_t)st.st_size;
	if ((buf = malloc(n)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	do
		got = pread(a->fd, buf, n, st.st_size - (off_t)n);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)n) {
		r = KX_FAIL(d, KX_EIO, "cannot read %s: %s", a->path,
		    got < 0 ? strerror(errno) : "short read");
		goto out;
	}
	r = KX_ESYNTAX;
	if (buf[n - 1] != '\n') {
		r = KX_FAIL(d, r, "%s ends with a partial line; run "
		    "'kmsxchg audit verify %s'", a->path, a->path);
		goto out;
	}
	for (i = n - 1; i > 0 && buf[i - 1] != '\n'; i--)
		;
	if (i == 0 && n < (size_t)st.st_size) {
		r = KX_FAIL(d, KX_ELIMIT, "%s: last line longer than %zu "
		    "bytes", a->path, KX_AUDIT_MAX_LINE);
		goto out;
	}
	if (parse_line(buf + i, n - 1 - i, seq, prev) != 0) {
		r = KX_FAIL(d, r, "%s: the last line is not an audit record; "
		    "run 'kmsxchg audit verify %s'", a->path, a->path);
		goto out;
	}
	r = sha256(buf + i, n - i, hash);
out:
	free(buf);
	return r;
}

/* Sync the folder holding path, so a new file's name is durable. */
static void
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/*
 * Open for appending, never through a symbolic link (O_NOFOLLOW) nor
 * blocking on a FIFO (O_NONBLOCK; fstat refuses it next).  A file created
 * here gets mode 0600 and its folder is synced.
 */
static int
open_audit(const char *path)
{
	const int flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK;
	int fd, tries;

	for (tries = 0; tries < 3; tries++) {
		if ((fd = open(path, flags)) >= 0 || errno != ENOENT)
			return fd;
		if ((fd = open(path, flags | O_CREAT | O_EXCL, 0600)) >= 0) {
			sync_dir(path);
			return fd;
		}
		if (errno != EEXIST)
			return -1;
		/* created by a concurrent run meanwhile: open it */
	}
	return -1;
}

int
kx_audit_open(const char *path, kx_audit **out, kx_diag *d)
{
	kx_audit *a = NULL;
	struct stat st;
	uint64_t seq;
	uint8_t h[32];
	off_t size;
	int r = KX_EIO;

	if (path == NULL || out == NULL)
		kxi_misuse(__func__, "path and out are required");
	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->path = strdup(path)) == NULL) {
		free(a);
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	}
	a->fd = open_audit(path);
	if (a->fd < 0) {
		if (errno == ELOOP)
			r = KX_FAIL(d, KX_EIO, "audit file %s is a symbolic "
			    "link: refused", path);
		else
			r = KX_FAIL(d, KX_EIO, "cannot open audit file %s: %s",
			    path, strerror(errno));
		goto out;
	}
	if (fstat(a->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = KX_FAIL(d, KX_EIO, "audit file %s is not a regular file",
		    path);
		goto out;
	}
	if (lock(a->fd, LOCK_SH) != 0) {
		r = KX_FAIL(d, KX_EIO, "cannot lock %s: %s", path,
		    strerror(errno));
		goto out;
	}
	r = read_tail(a, &seq, h, &size, d);
	(void)lock(a->fd, LOCK_UN);
	if (r != KX_OK)
		goto out;
	*out = a;
	a = NULL;
out:
	kx_audit_close(a);
	return r;
}

void
kx_audit_close(kx_audit *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a->path);
	free(a);
}

int
kx_audit_append(kx_audit *a, const kx_audit_rec *rec, uint8_t head[32],
    uint64_t *seqp, kx_diag *d)
{
	kx_buf line = { 0 };
	uint8_t prev[32];
	uint64_t seq;
	off_t size;
	ssize_t w;
	int r;

	if (a == NULL || rec == NULL)
		kxi_misuse(__func__, "file and record are required");
	if (lock(a->fd, LOCK_EX) != 0)
		return KX_FAIL(d, KX_EIO, "cannot lock %s: %s", a->path,
		    strerror(errno));
	if ((r = read_tail(a, &seq, prev, &size, d)) != KX_OK)
		goto out;
	if ((r = kx_audit_rec_format(rec, seq + 1, prev, &line)) != KX_OK) {
		r = KX_FAIL(d, r, "cannot format the audit record: %s",
		    kx_strerror(r));
		goto out;
	}
	/* One write() of the whole line: O_APPEND puts it at the end. */
	do
		w = write(a->fd, line.data, line.len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)line.len) {
		r = KX_FAIL(d, KX_EIO, "cannot write %s: %s", a->path,
		    w < 0 ? strerror(errno) : "short write");
		/* no partial line may stay: cut back to the old length */
		if (w > 0 && ftruncate(a->fd, size) != 0)
			r = KX_FAIL(d, KX_EIO, "cannot cut %s back to %lld "
			    "bytes: %s", a->path, (long long)size,
			    strerror(errno));
		goto out;
	}
	if (fsync(a->fd) != 0) {
		r = KX_FAIL(d, KX_EIO, "cannot sync %s: %s", a->path,
		    strerror(errno));
		goto out;
	}
	if (head != NULL && (r = sha256(line.data, line.len, head)) != KX_OK)
		goto out;
	if (seqp != NULL)
		*seqp = seq + 1;
	r = KX_OK;
out:
	(void)lock(a->fd, LOCK_UN);
	kx_buf_free(&line);
	return r;
}

/* ---- verification ----------------------------------------------------- */
struct vline {
	int ok;			/* well formed */
	uint64_t seq;
	uint8_t prev[32], hash[32];
};

static int
bad(kx_diag *d, const char *name, size_t line, const char *fmt, ...)
    KX_PRINTF(4, 5);

static int
bad(kx_diag *d, const char *name, size_t line, const char *fmt, ...)
{
	char msg[256];
	kxi_loc loc = { (uint32_t)line, 0, -1 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kxi_diag_add(d, NULL, KX_SEV_ERROR, KX_ECRYPTO, name, &loc,
	    NULL, "%s", msg);
}

/* 1-based line of another well-formed record with sequence s, or 0. */
static size_t
find_seq(const struct vline *v, size_t n, size_t self, uint64_t s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (i != self && v[i].ok && v[i].seq == s)
			return i + 1;
	return 0;
}

/* 1-based line whose hash is h, or 0. */
static size_t
find_hash(const struct vline *v, size_t n, const uint8_t h[32])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(v[i].hash, h, 32) == 0)
			return i + 1;
	return 0;
}

static void
check_seq(const struct vline *v, size_t n, size_t i, uint64_t want,
    const char *name, kx_diag *d)
{
	uint64_t s = v[i].seq;
	size_t j;

	if (s > want) {
		if (find_seq(v, n, i, want) != 0)
			bad(d, name, i + 1, "record %llu is out of order "
			    "(record %llu expected here): lines were "
			    "reordered", (unsigned long long)s,
			    (unsigned long long)want);
		else if (s == want + 1)
			bad(d, name, i + 1, "record %llu is missing before "
			    "this line: deleted", (unsigned long long)want);
		else
			bad(d, name, i + 1, "records %llu to %llu are missing "
			    "before this line: deleted",
			    (unsigned long long)want,
			    (unsigned long long)(s - 1));
	} else if ((j = find_seq(v, i, i, s)) != 0)
		bad(d, name, i + 1, "record %llu appears again (first at line "
		    "%zu): a line was inserted or duplicated",
		    (unsigned long long)s, j);
	else
		bad(d, name, i + 1, "record %llu is out of order (record %llu "
		    "expected here): lines were reordered",
		    (unsigned long long)s, (unsigned long long)want);
}

int
kx_audit_verify(const uint8_t *buf, size_t len, const char *name,
    const uint8_t *expect_head, kx_audit_status *st, kx_diag *d)
{
	struct vline *v = NULL;
	uint8_t gen[32];
	const uint8_t *want_prev;
	uint64_t next = 1;
	size_t n = 0, i, start, end, j;
	int r;

	if ((buf == NULL && len > 0) || st == NULL)
		kxi_misuse(__func__, "buf and st are required");
	memset(st, 0, sizeof(*st));
	if ((r = genesis(gen)) != KX_OK)
		return r;
	for (i = 0; i < len; i++)
		if (buf[i] == '\n')
			n++;
	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	/* Pass 1: every complete line's seq, prev and hash. */
	for (i = 0, start = 0; i < n; i++, start = end + 1) {
		end = start;
		while (buf[end] != '\n')
			end++;
		v[i].ok = parse_line(buf + start, end - start, &v[i].seq,
		    v[i].prev) == 0;
		if ((r = sha256(buf + start, end + 1 - start, v[i].hash)) !=
		    KX_OK)
			goto out;
	}
	/* Pass 2: the sequence and the chain. */
	for (i = 0; i < n; i++) {
		if (!v[i].ok) {
			bad(d, name, i + 1, "not an audit record (edited, "
			    "inserted or damaged)");
			continue;
		}
		if (v[i].seq != next) {
			check_seq(v, n, i, next, name, d);
		} else if (i > 0 && !v[i - 1].ok) {
			/* reported with the line before */
		} else {
			want_prev = i == 0 ? gen : v[i - 1].hash;
			if (memcmp(v[i].prev, want_prev, 32) == 0)
				;
			else if ((j = find_hash(v, n, v[i].prev)) != 0)
				bad(d, name, i + 1, "chains to line %zu, not "
				    "to line %zu: a line was inserted before "
				    "this one or lines were moved", j, i);
			else if (i == 0)
				bad(d, name, 1, "does not chain to the genesis "
				    "value: the line was edited or lines "
				    "before it were deleted");
			else
				bad(d, name, i + 1, "prev is not the SHA-256 "
				    "of line %zu: line %zu (or this line's "
				    "prev) was edited", i, i);
		}
		if (v[i].seq >= next)
			next = v[i].seq + 1;
	}
	if (n > 0 && buf[len - 1] != '\n')
		bad(d, name, n + 1, "truncated: a partial record without its "
		    "line end");
	else if (n == 0 && len > 0)
		bad(d, name, 1, "truncated: a partial record without its line "
		    "end");
	st->records = n;
	memcpy(st->head, n > 0 ? v[n - 1].hash : gen, 32);
	if (expect_head != NULL) {
		if (memcmp(expect_head, gen, 32) == 0)
			st->anchor_line = 0;
		else if ((st->anchor_line = find_hash(v, n, expect_head)) ==
		    0)
			kxi_diag_add(d, NULL, KX_SEV_ERROR, KX_ECRYPTO, name,
			    NULL, NULL, "no line has the expected head hash: "
			    "records were removed from the end or the file "
			    "was rewritten");
	}
	r = KX_OK;
out:
	free(v);
	return r;
}
