/*
 * cmd_split.c - `kmsxchg split` and `kmsxchg combine`: split a key into
 * component files for custodians (XOR of all parts, or Shamir m-of-n over
 * GF(2^8)) and rebuild it, checking every component's KCV and the key's.
 *
 * Component file (text, mode 0600, one "name: value" per line after the
 * first line; see kmsxchg(5)):
 *	kmsxchg-component 1
 *	alg: aes | tdea
 *	part: I		(1-based)
 *	parts: N
 *	threshold: M	(0 = XOR of all N parts)
 *	x: X		(Shamir x-coordinate, 0 for XOR)
 *	kcv-method: gp-aes | gp-des
 *	kcv: HEX	(this component)
 *	key-kcv: HEX	(the whole key)
 *	value: HEX	(the component)
 * The reader and writer live here until the library's kx_component_read/
 * kx_component_write exist; then this file calls those instead.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define COMP_MAGIC "kmsxchg-component 1"
#define KCV_LEN 3
#define MAX_PARTS 255
#define MAX_KEY 64

enum { O_PARTS, O_THRESHOLD, O_KEY, O_ALG, O_PREFIX };

const struct cli_opt split_opts[] = {
	[O_PARTS] = { "parts", 'n', 1, "N", "number of components (2-255)" },
	[O_THRESHOLD] = { "threshold", 'm', 1, "M", "components needed to "
	    "rebuild (Shamir); default all N (XOR)" },
	[O_KEY] = { "key", 'k', 1, "SRC", "the key to split (key source)" },
	[O_ALG] = { "alg", 'a', 1, "ALG", "key algorithm: aes or tdea" },
	[O_PREFIX] = { "out-prefix", 'p', 1, "P",
	    "write components to P.1 ... P.N" },
	{ NULL, 0, 0, NULL, NULL }
};

enum { C_KCV, C_OUTPUT };

const struct cli_opt combine_opts[] = {
	[C_KCV] = { "kcv", 'c', 1, "HEX", "expected KCV of the rebuilt key" },
	[C_OUTPUT] = { "output", 'o', 1, "OUT",
	    "write the key to OUT (mode 0600)" },
	{ NULL, 0, 0, NULL, NULL }
};

struct comp {
	const char *path;
	int aes;			/* 1 aes, 0 tdea */
	unsigned part, parts, threshold, x;
	uint8_t kcv[KCV_LEN], key_kcv[KCV_LEN];
	kx_secret *value;
};

static int
family(const char *s, int *aes)
{
	if (strcmp(s, "aes") == 0)
		*aes = 1;
	else if (strcmp(s, "tdea") == 0)
		*aes = 0;
	else
		return -1;
	return 0;
}

/* KCV by GP method for a key of the family; fills out[KCV_LEN]. */
static int
kcv_of(int aes, const kx_secret *k, uint8_t *out, kx_diag *d)
{
	enum kx_alg alg = KX_ALG_AES;

	if (!aes)
		alg = kx_secret_len(k) == 16 ? KX_ALG_TDEA2 : KX_ALG_TDEA3;
	return kx_kcv_compute(alg, aes ? KX_KCV_GP_AES : KX_KCV_GP_DES, k,
	    out, KCV_LEN, d);
}

static int
key_len_ok(int aes, size_t n)
{
	return aes ? (n == 16 || n == 24 || n == 32) : (n == 16 || n == 24);
}

/* Render a component file into a secret buffer (it holds key material). */
static int
comp_render(const struct comp *c, kx_secret **out)
{
	char kcv[2 * KCV_LEN + 1], key_kcv[2 * KCV_LEN + 1];
	size_t vlen = kx_secret_len(c->value), cap = 512 + 2 * vlen, n;
	kx_secret *s = NULL;
	char *p;
	int k, r;

	*out = NULL;
	if ((r = kx_secret_new(cap, &s)) != KX_OK)
		return r;
	p = (char *)kx_secret_mut(s);
	cli_hex(c->kcv, KCV_LEN, kcv);
	cli_hex(c->key_kcv, KCV_LEN, key_kcv);
	k = snprintf(p, cap, "%s\nalg: %s\npart: %u\nparts: %u\n"
	    "threshold: %u\nx: %u\nkcv-method: %s\nkcv: %s\nkey-kcv: %s\n"
	    "value: ", COMP_MAGIC, c->aes ? "aes" : "tdea", c->part, c->parts,
	    c->threshold, c->x, c->aes ? "gp-aes" : "gp-des", kcv, key_kcv);
	if (k < 0 || (size_t)k + 2 * vlen + 2 > cap) {
		kx_secret_free(s);
		return KX_EINTERNAL;
	}
	n = (size_t)k;
	cli_hex(kx_secret_data(c->value), vlen, p + n);
	n += 2 * vlen;
	p[n++] = '\n';
	kx_secret_truncate(s, n);
	*out = s;
	return KX_OK;
}

static int
split_write(struct cli *cli, const char *prefix, const struct comp *c)
{
	kx_secret *text = NULL;
	char *path;
	size_t plen = strlen(prefix) + 8;
	int r, ex;

	if ((path = malloc(plen)) == NULL) {
		cli_error(cli, "out of memory");
		return CLI_USAGE;
	}
	snprintf(path, plen, "%s.%u", prefix, c->part);
	if ((r = comp_render(c, &text)) != KX_OK) {
		cli_error(cli, "%s: %s", path, kx_strerror(r));
		free(path);
		return CLI_USAGE;
	}
	ex = cli_write(cli, path, kx_secret_data(text), kx_secret_len(text),
	    1);
	kx_secret_free(text);
	free(path);
	return ex;
}

int
cmd_split(int argc, char **argv, struct cli *cli)
{
	const char *arg, *src = NULL, *prefix = NULL, *alg_name = NULL;
	unsigned long n = 0, m = 0;
	kx_secret *key = NULL, *parts[MAX_PARTS] = { 0 };
	uint8_t xs[MAX_PARTS];
	char hex[2 * KCV_LEN + 1];
	struct comp c;
	kx_diag *d = NULL;
	int o, r, aes = 1, ex = CLI_USAGE;
	unsigned i;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_PARTS:
			if (cli_parse_uint(cli, "parts", arg, 2, MAX_PARTS,
			    &n) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_THRESHOLD:
			if (cli_parse_uint(cli, "threshold", arg, 2,
			    MAX_PARTS, &m) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_KEY:
			src = arg;
			break;
		case O_ALG:
			alg_name = arg;
			break;
		case O_PREFIX:
			prefix = arg;
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (cli->optind != argc)
		return cli_usage(cli, "unexpected operand '%s'",
		    argv[cli->optind]);
	if (n == 0)
		return cli_usage(cli, "missing --parts");
	if (m > n)
		return cli_usage(cli, "--threshold %lu is larger than --parts "
		    "%lu", m, n);
	if (m == n)
		m = 0;		/* all parts needed: plain XOR */
	if (alg_name == NULL)
		return cli_usage(cli, "missing --alg");
	if (family(alg_name, &aes) != 0)
		return cli_usage(cli, "--alg: expected aes or tdea, got '%s'",
		    alg_name);
	if (src == NULL)
		return cli_usage(cli, "missing --key");
	if (prefix == NULL || prefix[0] == '\0')
		return cli_usage(cli, "missing --out-prefix");

	memset(&c, 0, sizeof(c));
	if ((ex = cli_load_key(cli, "key", src, &key)) != CLI_OK)
		goto out;
	ex = CLI_USAGE;
	if (!key_len_ok(aes, kx_secret_len(key))) {
		cli_error(cli, "--key: %zu bytes is not an %s key length",
		    kx_secret_len(key), aes ? "AES" : "TDEA");
		goto out;
	}
	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	if ((r = kcv_of(aes, key, c.key_kcv, d)) != KX_OK ||
	    (r = kx_split(key, (unsigned)n, (unsigned)m, parts, xs, d)) !=
	    KX_OK) {
		ex = cli_fail(cli, d, r, "split");
		goto out;
	}
	c.aes = aes;
	c.parts = (unsigned)n;
	c.threshold = (unsigned)m;
	/* Write every file before printing anything. */
	for (i = 0; i < n; i++) {
		c.part = i + 1;
		c.x = m != 0 ? xs[i] : 0;
		c.value = parts[i];
		if ((r = kcv_of(aes, parts[i], c.kcv, d)) != KX_OK) {
			ex = cli_fail(cli, d, r, "split");
			goto out;
		}
		if ((ex = split_write(cli, prefix, &c)) != CLI_OK)
			goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = kcv_of(aes, parts[i], c.kcv, d)) != KX_OK) {
			ex = cli_fail(cli, d, r, "split");
			goto out;
		}
		cli_hex(c.kcv, KCV_LEN, hex);
		fprintf(cli->out, "%s.%u KCV %s\n", prefix, i + 1, hex);
	}
	cli_hex(c.key_kcv, KCV_LEN, hex);
	fprintf(cli->out, "key KCV %s\n", hex);
	ex = CLI_OK;
out:
	for (i = 0; i < MAX_PARTS; i++)
		kx_secret_free(parts[i]);
	kx_secret_free(key);
	kx_diag_free(d);
	return ex;
}

/* ---- combine ----------------------------------------------------------- */
static const char *
field(char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) == 0 && line[n] == ':' &&
	    line[n + 1] == ' ')
		return line + n + 2;
	return NULL;
}

static int
get_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
get_kcv(const char *s, uint8_t *out)
{
	size_t n;

	return cli_unhex(s, strlen(s), out, KCV_LEN, &n) != 0 ||
	    n != KCV_LEN ? -1 : 0;
}

/*
 * Parse a component file held in b (a kx_buf, wiped on free).  Lines are
 * cut in place.  Returns NULL or the name of the bad field.
 */
static const char *
comp_parse(kx_buf *b, struct comp *c)
{
	char *p = (char *)b->data, *end = p + b->len, *nl;
	const char *v;
	unsigned seen = 0;
	size_t vlen;
	int line = 0;

	if (memchr(p, '\0', b->len) != NULL)
		return "file";
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return "line end";
		*nl = '\0';
		if (line++ == 0) {
			if (strcmp(p, COMP_MAGIC) != 0)
				return "first line";
		} else if ((v = field(p, "alg")) != NULL) {
			if (family(v, &c->aes) != 0)
				return "alg";
			seen |= 1;
		} else if ((v = field(p, "part")) != NULL) {
			if (get_uint(v, MAX_PARTS, &c->part) != 0)
				return "part";
			seen |= 2;
		} else if ((v = field(p, "parts")) != NULL) {
			if (get_uint(v, MAX_PARTS, &c->parts) != 0)
				return "parts";
			seen |= 4;
		} else if ((v = field(p, "threshold")) != NULL) {
			if (get_uint(v, MAX_PARTS, &c->threshold) != 0)
				return "threshold";
			seen |= 8;
		} else if ((v = field(p, "x")) != NULL) {
			if (get_uint(v, 255, &c->x) != 0)
				return "x";
			seen |= 16;
		} else if ((v = field(p, "kcv-method")) != NULL) {
			if (strcmp(v, "gp-aes") != 0 &&
			    strcmp(v, "gp-des") != 0)
				return "kcv-method";
			seen |= 32;
		} else if ((v = field(p, "kcv")) != NULL) {
			if (get_kcv(v, c->kcv) != 0)
				return "kcv";
			seen |= 64;
		} else if ((v = field(p, "key-kcv")) != NULL) {
			if (get_kcv(v, c->key_kcv) != 0)
				return "key-kcv";
			seen |= 128;
		} else if ((v = field(p, "value")) != NULL) {
			if (c->value != NULL ||
			    kx_secret_new(MAX_KEY, &c->value) != KX_OK ||
			    cli_unhex(v, strlen(v), kx_secret_mut(c->value),
			    MAX_KEY, &vlen) != 0)
				return "value";
			kx_secret_truncate(c->value, vlen);
			seen |= 256;
		} else {
			return "unknown field";
		}
		p = nl + 1;
	}
	if (seen != 511)
		return "missing field";
	if (c->part < 1 || c->part > c->parts || c->parts < 2 ||
	    c->threshold > c->parts || c->threshold == 1)
		return "part";
	if (!key_len_ok(c->aes, kx_secret_len(c->value)))
		return "value";
	return NULL;
}

static int
comp_read(struct cli *cli, const char *path, struct comp *c, kx_diag *d)
{
	kx_buf b = { 0 };
	const char *bad;
	int r;

	memset(c, 0, sizeof(*c));
	c->path = path;
	if ((r = kx_file_read(path, 1 << 16, &b, d)) != KX_OK) {
		(void)cli_fail(cli, d, r, path);
		kx_buf_free(&b);
		return CLI_USAGE;
	}
	bad = comp_parse(&b, c);
	kx_buf_free(&b);
	if (bad != NULL) {
		cli_error(cli, "component %s: not a component file (%s)",
		    path, bad);
		return CLI_INVALID;
	}
	return CLI_OK;
}

int
cmd_combine(int argc, char **argv, struct cli *cli)
{
	const char *arg, *outpath = NULL, *want_hex = NULL;
	struct comp *cs = NULL;
	kx_secret **vals = NULL, *key = NULL;
	uint8_t *xs = NULL, kcv[KCV_LEN], want[KCV_LEN];
	char hex[2 * KCV_LEN + 1];
	kx_diag *d = NULL;
	int o, r, k, i, j, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case C_KCV:
			want_hex = arg;
			if (get_kcv(arg, want) != 0)
				return cli_usage(cli, "--kcv: expected %d "
				    "bytes of hex, got '%s'", KCV_LEN, arg);
			break;
		case C_OUTPUT:
			outpath = arg;
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	k = argc - cli->optind;
	if (k < 1)
		return cli_usage(cli, "missing COMPONENT operands");
	if (k == 1)
		return cli_usage(cli, "a single component (%s) cannot rebuild "
		    "a key", argv[cli->optind]);
	if (k > MAX_PARTS)
		return cli_usage(cli, "too many components");
	if ((cs = calloc((size_t)k, sizeof(*cs))) == NULL ||
	    (vals = calloc((size_t)k, sizeof(*vals))) == NULL ||
	    (xs = calloc((size_t)k, 1)) == NULL ||
	    (d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	for (i = 0; i < k; i++) {
		const char *path = argv[cli->optind + i];

		if ((ex = comp_read(cli, path, &cs[i], d)) != CLI_OK)
			goto out;
		ex = CLI_INVALID;
		for (j = 0; j < i; j++) {
			if (cs[j].part == cs[i].part ||
			    strcmp(cs[j].path, path) == 0) {
				cli_error(cli, "component %s repeats component "
				    "%s (part %u)", path, cs[j].path,
				    cs[i].part);
				goto out;
			}
		}
		if (i > 0 && (cs[i].aes != cs[0].aes ||
		    cs[i].parts != cs[0].parts ||
		    cs[i].threshold != cs[0].threshold ||
		    kx_secret_len(cs[i].value) !=
		    kx_secret_len(cs[0].value) ||
		    cli_ct_differ(cs[i].key_kcv, cs[0].key_kcv, KCV_LEN))) {
			cli_error(cli, "component %s does not belong with %s "
			    "(header mismatch)", path, cs[0].path);
			goto out;
		}
		if ((r = kcv_of(cs[i].aes, cs[i].value, kcv, d)) != KX_OK) {
			ex = cli_fail(cli, d, r, path);
			goto out;
		}
		if (cli_ct_differ(kcv, cs[i].kcv, KCV_LEN) != 0) {
			cli_error(cli, "component %s: KCV check failed (the "
			    "component is damaged or altered)", path);
			goto out;
		}
		vals[i] = cs[i].value;
		xs[i] = (uint8_t)cs[i].x;
	}
	if (cs[0].threshold == 0 && (unsigned)k != cs[0].parts) {
		cli_error(cli, "all %u components are needed, %d given",
		    cs[0].parts, k);
		ex = CLI_USAGE;
		goto out;
	}
	if (cs[0].threshold != 0 && (unsigned)k < cs[0].threshold) {
		cli_error(cli, "%u components are needed, %d given",
		    cs[0].threshold, k);
		ex = CLI_USAGE;
		goto out;
	}
	if ((r = kx_combine(vals, xs, (unsigned)k, cs[0].threshold, &key,
	    d)) != KX_OK) {
		ex = cli_fail(cli, d, r, "combine");
		goto out;
	}
	if ((r = kcv_of(cs[0].aes, key, kcv, d)) != KX_OK) {
		ex = cli_fail(cli, d, r, "combine");
		goto out;
	}
	ex = CLI_INVALID;
	if (cli_ct_differ(kcv, cs[0].key_kcv, KCV_LEN) != 0) {
		cli_error(cli, "the rebuilt key does not match the key KCV "
		    "in %s", cs[0].path);
		goto out;
	}
	if (want_hex != NULL && cli_ct_differ(kcv, want, KCV_LEN) != 0) {
		cli_error(cli, "the rebuilt key does not match --kcv %s",
		    want_hex);
		goto out;
	}
	if (outpath != NULL) {
		if (strcmp(outpath, "-") == 0 && cli_out_is_tty(cli)) {
			cli_error(cli, "refusing to write key material to a "
			    "terminal");
			ex = CLI_USAGE;
			goto out;
		}
		if ((ex = cli_write(cli, outpath, kx_secret_data(key),
		    kx_secret_len(key), 1)) != CLI_OK)
			goto out;
		if (strcmp(outpath, "-") == 0)
			goto done;
	}
	cli_hex(kcv, KCV_LEN, hex);
	fprintf(cli->out, "key KCV %s\n", hex);
done:
	ex = CLI_OK;
out:
	if (cs != NULL)
		for (i = 0; i < k; i++)
			kx_secret_free(cs[i].value);
	free(cs);
	free(vals);
	free(xs);
	kx_secret_free(key);
	kx_diag_free(d);
	return ex;
}
