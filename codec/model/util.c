/*
 * util.c - bounded buffers, hex, SipHash, checked numbers, UTC time and
 * ISO 8601 durations, and whole-file I/O with atomic replacement of
 * outputs.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

/* ---- SipHash-2-4 --------------------------------------------------- */
#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32); \
	v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32); \
} while (0)

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	    (uint64_t)p[7] << 56;
}

uint64_t
kxi_siphash24(const uint8_t key[16], const void *p, size_t n)
{
	const uint8_t *in = p;
	uint64_t k0 = le64(key), k1 = le64(key + 8), m, b;
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	size_t i, left = n & 7;

	for (i = 0; i + 8 <= n; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	b = (uint64_t)n << 56;
	while (left > 0) {
		left--;
		b |= (uint64_t)in[i + left] << (8 * left);
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}
#undef SIPROUND
#undef ROTL64

/* ---- kx_buf -------------------------------------------------------- */
static int
buf_reserve(kx_buf *b, size_t extra)
{
	size_t max = b->max ? b->max : KX_DEFAULT_MAX_INPUT;
	size_t cap;
	uint8_t *p;

	if (extra > max || b->len > max - extra)
		return KX_ELIMIT;
	if (b->len + extra <= b->cap)
		return KX_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra)
		cap = cap > max / 2 ? max : cap * 2;
	/* Never realloc: the old block may hold key material. */
	if ((p = malloc(cap)) == NULL)
		return KX_ENOMEM;
	if (b->len > 0)
		memcpy(p, b->data, b->len);
	if (b->data != NULL) {
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return KX_OK;
}

int
kx_buf_append(kx_buf *b, const void *p, size_t n)
{
	int r;

	if (b == NULL || (p == NULL && n > 0))
		kxi_misuse(__func__, "NULL argument");
	if (n == 0)
		return KX_OK;
	if ((r = buf_reserve(b, n)) != KX_OK)
		return r;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return KX_OK;
}

int
kx_buf_printf(kx_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	if (b == NULL || fmt == NULL)
		kxi_misuse(__func__, "NULL argument");
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return KX_EINTERNAL;
	if ((r = buf_reserve(b, (size_t)n + 1)) != KX_OK)
		return r;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return KX_OK;
}

void
kx_buf_free(kx_buf *b)
{
	if (b == NULL)
		return;
	if (b->data != NULL) {
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = b->cap = 0;
}

/* ---- hex ----------------------------------------------------------- */
/* Branch-free nibble value of c, or -1 (the digits may be a secret's). */
int
kxi_hex_digit(int c)
{
	int d = c - '0', l = (c | 0x20) - 'a';
	int isd = ((d >= 0) & (d <= 9)), isl = ((l >= 0) & (l <= 5));

	return (isd * d) + (isl * (l + 10)) + ((!isd & !isl) * -1);
}

/* The one hex decoder: ws != 0 skips spaces, tabs and line ends. */
int
kxi_hex_decode_mem(const char *s, size_t slen, int ws, uint8_t *out,
    size_t max, size_t *len)
{
	size_t i, n = 0;
	int hi = -1, v;

	for (i = 0; i < slen; i++) {
		if (ws && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r'))
			continue;
		if ((v = kxi_hex_digit((unsigned char)s[i])) < 0)
			return KX_ESYNTAX;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return KX_ELIMIT;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return KX_ESYNTAX;
	*len = n;
	return KX_OK;
}

int
kxi_hex_decode_buf(const char *s, uint8_t *out, size_t max, size_t *len)
{
	return kxi_hex_decode_mem(s, strlen(s), 0, out, max, len);
}

int
kx_hex_decode(const char *s, size_t slen, uint8_t *out, size_t max,
    size_t *len)
{
	if (s == NULL || out == NULL || len == NULL)
		kxi_misuse(__func__, "NULL argument");
	return kxi_hex_decode_mem(s, slen, 1, out, max, len);
}

int
kxi_hex_decode(kxi_arena *a, const char *s, kxi_bytes *out)
{
	size_t n = strlen(s), len;
	uint8_t *p;
	int r;

	if (n % 2 != 0)
		return KX_ESYNTAX;
	if ((p = kxi_alloc(a, n / 2 + 1)) == NULL)
		return KX_ENOMEM;
	if ((r = kxi_hex_decode_buf(s, p, n / 2, &len)) != KX_OK)
		return r;
	out->p = p;
	out->n = len;
	return KX_OK;
}

void
kx_hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	if ((p == NULL && n > 0) || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
kxi_buf_hex(kx_buf *b, const uint8_t *p, size_t n)
{
	char tmp[129];
	size_t chunk;
	int r;

	while (n > 0) {
		chunk = n > 64 ? 64 : n;
		kxi_hex_encode(p, chunk, tmp);
		if ((r = kx_buf_append(b, tmp, 2 * chunk)) != KX_OK)
			return r;
		p += chunk;
		n -= chunk;
	}
	return KX_OK;
}

int
kxi_is_hex(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (kxi_hex_digit((unsigned char)s[n]) < 0)
			return 0;
	return n > 0 && n % 2 == 0;
}

/* ---- numbers ------------------------------------------------------- */
int
kxi_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (s == NULL || *s == '\0')
		return KX_ESYNTAX;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return KX_ESYNTAX;
		if (v > (max - (unsigned long long)(*s - '0')) / 10)
			return KX_ELIMIT;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*out = v;
	return KX_OK;
}

/* ---- time ---------------------------------------------------------- */
/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

static int
digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
kx_time_parse(const char *s, int64_t *out)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	unsigned y, mo, d, h = 0, mi = 0, se = 0;
	size_t n;

	if (s == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	n = strlen(s);
	if (n != 10 && n != 20)
		return KX_ESYNTAX;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return KX_ESYNTAX;
	if (n == 20 && (s[10] != 'T' || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &se) || s[19] != 'Z'))
		return KX_ESYNTAX;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || se > 59)
		return KX_ESYNTAX;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return KX_ESYNTAX;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return KX_OK;
}

/* The n lowest decimal digits of v, zero-padded, into p. */
static void
put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
kx_time_format(int64_t t, char buf[21])
{
	int64_t days = t / 86400, secs = t % 86400, y;
	unsigned m, d;

	if (buf == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(buf, 21, "%s", y < 0 ? "0000-01-01T00:00:00Z" :
		    "9999-12-31T23:59:59Z");
		return;
	}
	/*
	 * "%04u-%02u-%02uT%02u:%02u:%02uZ" digit by digit: every bound value
	 * and every time a writer writes comes through here, and snprintf
	 * was a twentieth of a rewrap.
	 */
	put_digits(buf, (unsigned)y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = 'T';
	put_digits(buf + 11, (unsigned)(secs / 3600), 2);
	buf[13] = ':';
	put_digits(buf + 14, (unsigned)(secs / 60 % 60), 2);
	buf[16] = ':';
	put_digits(buf + 17, (unsigned)(secs % 60), 2);
	buf[19] = 'Z';
	buf[20] = '\0';
}

/*
 * ISO 8601 duration PnYnMnWnDTnHnMnS, each unit at most once and in this
 * order, into calendar fields: years and months stay calendar units,
 * weeks count 7 days, hours, minutes and seconds go into secs.
 */
int
kxi_duration_parse_cal(const char *s, struct kxi_duration *out)
{
	static const struct {
		char unit;
		int time;
	} units[] = {
		{ 'Y', 0 }, { 'M', 0 }, { 'W', 0 }, { 'D', 0 }, { 'H', 1 },
		{ 'M', 1 }, { 'S', 1 },
	};
	struct kxi_duration d = { 0, 0, 0, 0 };
	size_t u = 0, i;
	int64_t v;
	int in_time = 0, any = 0;

	if (s == NULL || *s++ != 'P')
		return KX_ESYNTAX;
	while (*s != '\0') {
		if (*s == 'T') {
			if (in_time)
				return KX_ESYNTAX;
			in_time = 1;
			s++;
			if (*s == '\0')
				return KX_ESYNTAX;
			continue;
		}
		if (*s < '0' || *s > '9')
			return KX_ESYNTAX;
		for (v = 0; *s >= '0' && *s <= '9'; s++) {
			if (v > 100000000)
				return KX_ELIMIT;
			v = v * 10 + (*s - '0');
		}
		for (i = u; i < sizeof(units) / sizeof(units[0]); i++)
			if (units[i].unit == *s && units[i].time == in_time)
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return KX_ESYNTAX;
		u = i + 1;	/* units in order, each once */
		switch (i) {
		case 0:
			d.years = v;
			break;
		case 1:
			d.months = v;
			break;
		case 2:
			d.days += 7 * v;
			break;
		case 3:
			d.days += v;
			break;
		default:
			d.secs += v * (i == 4 ? 3600 : i == 5 ? 60 : 1);
			break;
		}
		any = 1;
		s++;
	}
	if (!any)
		return KX_ESYNTAX;
	*out = d;
	return KX_OK;
}

int
kxi_duration_parse(const char *s, int64_t *out)
{
	struct kxi_duration d;
	int r;

	/* an approximation: a year counts 365.25 days, a month 30.4375 */
	if ((r = kxi_duration_parse_cal(s, &d)) != KX_OK)
		return r;
	*out = d.years * 31557600 + d.months * 2629800 + d.days * 86400 +
	    d.secs;
	return KX_OK;
}

static unsigned
month_days(int64_t y, unsigned m)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

/*
 * t + d in calendar terms (XML Schema 1.1 Part 2, E.3.3): years and
 * months are added to the date's year and month, and a day past the end
 * of the resulting month is clamped to its last day (Jan 31 + P1M is
 * Feb 28, or Feb 29 in a leap year; Feb 29 + P1Y is Feb 28); then days
 * and the time part are added as elapsed time.
 */
int64_t
kxi_duration_add(int64_t t, const struct kxi_duration *d)
{
	int64_t days = t / 86400, secs = t % 86400, y, mi;
	unsigned m, day;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &day);
	mi = (int64_t)m - 1 + d->months;
	y += d->years + mi / 12;
	m = (unsigned)(mi % 12) + 1;
	if (day > month_days(y, m))
		day = month_days(y, m);
	days = days_from_civil(y, m, day) + d->days;
	return days * 86400 + secs + d->secs;
}

/* ---- files --------------------------------------------------------- */
/*
 * Open an input without blocking (a FIFO with no writer would wait in
 * open(2) forever), refuse what is not a regular file and, when private,
 * a file that group or others may read; then read it blocking as usual.
 */
int
kxi_open_input(const char *path, const char *name, int private, int *fdp,
    size_t *size, kx_diag *d)
{
	struct stat st;
	int fd, fl, r;

	*fdp = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return KX_FAIL(d, errno == ENOENT ? KX_ENOTFOUND : KX_EIO,
		    "cannot open %s: %s", name, strerror(errno));
	if (fstat(fd, &st) != 0) {
		r = KX_FAIL(d, KX_EIO, "cannot stat %s: %s", name,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = KX_FAIL(d, KX_EUSAGE, "%s: not a regular file (%s); use "
		    "'-' for standard input", name, S_ISDIR(st.st_mode) ?
		    "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" :
		    S_ISCHR(st.st_mode) ? "a character device" : "a special "
		    "file");
		goto fail;
	}
	if (private && (st.st_mode & 077) != 0) {
		r = KX_FAIL(d, KX_EPERM, "%s: mode %04o lets group or others "
		    "read it (chmod 600)", name,
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		r = KX_FAIL(d, KX_EIO, "cannot read %s: %s", name,
		    strerror(errno));
		goto fail;
	}
	if (size != NULL)
		*size = (size_t)st.st_size;
	*fdp = fd;
	return KX_OK;
fail:
	close(fd);
	return r;
}

static int
file_read(const char *path, size_t max, int private, kx_buf *out,
    kx_diag *d)
{
	uint8_t tmp[65536];
	ssize_t n;
	int fd, r = KX_EINTERNAL;
	int is_stdin = strcmp(path, "-") == 0;

	if (max == 0)
		max = KX_DEFAULT_MAX_INPUT;
	out->max = max;
	if (is_stdin)
		fd = STDIN_FILENO;
	else if ((r = kxi_open_input(path, path, private, &fd, NULL, d)) !=
	    KX_OK)
		return r;
	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = KX_FAIL(d, KX_EIO, "cannot read %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((r = kx_buf_append(out, tmp, (size_t)n)) != KX_OK) {
			r = KX_FAIL(d, r, "%s: %s (limit %zu bytes)", path,
			    kx_strerror(r), max);
			goto out;
		}
	}
	r = KX_OK;
out:
	OPENSSL_cleanse(tmp, sizeof(tmp));
	if (!is_stdin)
		close(fd);
	return r;
}

int
kx_file_read(const char *path, size_t max, kx_buf *out, kx_diag *d)
{
	if (path == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	return file_read(path, max, 0, out, d);
}

int
kx_file_read_private(const char *path, size_t max, kx_buf *out, kx_diag *d)
{
	if (path == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	return file_read(path, max, 1, out, d);
}

static int write_all_mem(int fd, const uint8_t *p, size_t n);

/* kx_file_write_atomic_fd: the bytes come from this file instead. */
static _Thread_local int write_src = -1;

/* Copy n bytes of write_src, from its start, to fd. */
static int
write_from_src(int fd, size_t n)
{
	uint8_t buf[65536];
	off_t off = 0;
	ssize_t k;

	while (n > 0) {
		k = pread(write_src, buf, n < sizeof(buf) ? n : sizeof(buf),
		    off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || write_all_mem(fd, buf, (size_t)k) != 0)
			return -1;
		off += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	if ((const void *)p == (const void *)&write_src)
		return write_from_src(fd, n);
	return write_all_mem(fd, p, n);
}

int
kx_file_write_atomic_fd(const char *path, int src, size_t n, int flags,
    kx_diag *d)
{
	int r;

	if (path == NULL || src < 0)
		kxi_misuse(__func__, "NULL argument");
	/* &write_src marks "from the file" for write_all */
	write_src = src;
	r = kx_file_write_atomic(path, &write_src, n, flags, d);
	write_src = -1;
	return r;
}

static int
write_all_mem(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * The temporary file being written, for kx_file_cleanup() from a signal
 * handler.  One slot: a writer that finds it taken (another thread) just
 * goes unregistered.  State 0 free, 1 being filled, 2 holds a path.
 */
static char tmp_slot[PATH_MAX];
static atomic_int tmp_state;

static char *
tmp_claim(size_t len)
{
	int expect = 0;

	if (len > sizeof(tmp_slot) ||
	    !atomic_compare_exchange_strong(&tmp_state, &expect, 1))
		return NULL;
	return tmp_slot;
}

static void
tmp_release(const char *tmp)
{
	if (tmp == tmp_slot)
		atomic_store(&tmp_state, 0);
}

void
kx_file_cleanup(void)
{
	int expect = 2;

	/* unlink(2) is async-signal-safe; so are lock-free atomics. */
	if (atomic_compare_exchange_strong(&tmp_state, &expect, 1))
		(void)unlink(tmp_slot);
}

/* Write straight into a character device or FIFO: nothing to replace. */
static int
write_special(const char *path, const void *p, size_t n, int flags,
    kx_diag *d)
{
	struct stat st;
	int fd, r = KX_OK;

	if ((fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)) < 0)
		return KX_FAIL(d, KX_EIO, "cannot open %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) ||
	    S_ISFIFO(st.st_mode)))
		r = KX_FAIL(d, KX_EIO, "%s changed while it was opened", path);
	else if ((flags & KX_WRITE_SECRET) && isatty(fd))
		r = KX_FAIL(d, KX_EUSAGE, "%s is a terminal: key material is "
		    "never written to one", path);
	else if ((flags & KX_WRITE_BINARY) && isatty(fd))
		r = KX_FAIL(d, KX_EUSAGE, "%s is a terminal: binary output is "
		    "never written to one; use a file or a pipe", path);
	else if (write_all(fd, p, n) != 0)
		r = KX_FAIL(d, KX_EIO, "cannot write %s: %s", path,
		    strerror(errno));
	if (close(fd) != 0 && r == KX_OK)
		r = KX_FAIL(d, KX_EIO, "cannot write %s: %s", path,
		    strerror(errno));
	return r;
}

/* Whether a link(2) error means the file system has no hard links. */
static int
no_links(int e)
{
	return e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == ENOSYS ||
	    e == EMLINK;
}

/* Temp file beside path, fsync, then rename (or link: never replace). */
static int
write_replace(const char *path, const void *p, size_t n, int flags,
    kx_diag *d)
{
	struct stat st;
	char *tmp, *own = NULL;
	const char *slash;
	size_t dirlen, len;
	int fd = -1, r = KX_EINTERNAL;
	mode_t um;

	slash = strrchr(path, '/');
	dirlen = slash == NULL ? 0 : (size_t)(slash - path) + 1;
	len = strlen(path) + 32;
	if ((tmp = tmp_claim(len)) == NULL && (tmp = own = malloc(len)) ==
	    NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	kxi_tmp_template(tmp, len, path, dirlen);
	if ((fd = mkstemp(tmp)) < 0) {
		r = KX_FAIL(d, KX_EIO, "cannot create a file beside %s: %s",
		    path, strerror(errno));
		tmp_release(tmp);
		free(own);
		return r;
	}
	if (tmp == tmp_slot)
		atomic_store(&tmp_state, 2);
	/* mkstemp gives 0600; ordinary outputs get 0666 less the umask. */
	if (!(flags & KX_WRITE_SECRET)) {
		um = umask(0);
		umask(um);
		if (fchmod(fd, 0666 & ~um) != 0) {
			r = KX_FAIL(d, KX_EIO, "cannot chmod %s: %s", tmp,
			    strerror(errno));
			goto out;
		}
	}
	if (write_all(fd, p, n) != 0 || fsync(fd) != 0) {
		r = KX_FAIL(d, KX_EIO, "cannot write %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = KX_FAIL(d, KX_EIO, "cannot write %s: %s", path,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (flags & KX_WRITE_NEW) {
		/* link(2) fails when path appeared since it was checked */
		if (link(tmp, path) == 0) {
			r = KX_OK;
			goto out;	/* the temporary name goes below */
		}
		if (errno != EEXIST && !no_links(errno)) {
			r = KX_FAIL(d, KX_EIO, "cannot create %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (errno == EEXIST || lstat(path, &st) == 0) {
			r = KX_FAIL(d, KX_EEXIST, "%s exists; not replaced",
			    path);
			goto out;
		}
		/* a file system without hard links: checked, then rename */
	}
	if (rename(tmp, path) != 0) {
		r = KX_FAIL(d, KX_EIO, "cannot replace %s: %s", path,
		    strerror(errno));
		goto out;
	}
	r = KX_OK;
	tmp_release(tmp);
	free(own);
	return r;
out:
	if (fd >= 0)
		close(fd);
	if (tmp == tmp_slot)
		atomic_store(&tmp_state, 1);	/* the handler keeps off */
	unlink(tmp);
	tmp_release(tmp);
	free(own);
	return r;
}

static const char *
kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISSOCK(m) ? "a socket" :
	    S_ISBLK(m) ? "a block device" : "a special file";
}

int
kx_file_write_atomic(const char *path, const void *p, size_t n, int flags,
    kx_diag *d)
{
	struct stat st;
	char *real = NULL;
	int r;

	if (path == NULL || (p == NULL && n > 0))
		kxi_misuse(__func__, "NULL argument");
	if (strcmp(path, "-") == 0) {
		if (write_all(STDOUT_FILENO, p, n) != 0)
			return KX_FAIL(d, KX_EIO, "cannot write to stdout: %s",
			    strerror(errno));
		return KX_OK;
	}
	if (*path == '\0')
		return KX_FAIL(d, KX_EUSAGE, "empty output path");
	if (lstat(path, &st) != 0) {
		if (errno != ENOENT)
			return KX_FAIL(d, KX_EIO, "cannot write %s: %s", path,
			    strerror(errno));
		return write_replace(path, p, n, flags, d);
	}
	if (S_ISLNK(st.st_mode)) {
		/* key material never goes through a link we did not make */
		if (flags & KX_WRITE_SECRET)
			return KX_FAIL(d, KX_EUSAGE, "%s is a symbolic link; "
			    "key material is not written through one", path);
		if (stat(path, &st) != 0)
			return KX_FAIL(d, KX_EIO, "%s is a symbolic link to "
			    "nothing: %s", path, strerror(errno));
		if (S_ISREG(st.st_mode)) {
			/* replace the link's target, keep the link */
			if ((real = realpath(path, NULL)) == NULL)
				return KX_FAIL(d, KX_EIO, "cannot resolve "
				    "%s: %s", path, strerror(errno));
			path = real;
		}
	}
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
		return write_special(path, p, n, flags, d);
	if (!S_ISREG(st.st_mode))
		r = KX_FAIL(d, KX_EUSAGE, "%s is %s, not a file", path,
		    kind_of(st.st_mode));
	else if (flags & KX_WRITE_NEW)
		r = KX_FAIL(d, KX_EEXIST, "%s exists; not replaced", path);
	else
		r = write_replace(path, p, n, flags, d);
	free(real);
	return r;
}
