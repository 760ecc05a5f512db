/*
 * p11uri.c - PKCS#11 URIs (RFC 7512), parsed strictly.
 *
 *   pkcs11:path-attr;path-attr...?query-attr&query-attr...
 *
 * Path attributes: token, manufacturer, serial, model, library-
 * manufacturer, library-description, library-version, object, type
 * (cert, data, private, public, secret-key), id, slot-description,
 * slot-manufacturer, slot-id.  Query attributes: pin-source, module-path
 * (module-name and pin-value are understood and refused: a module by name
 * is not looked up, and a PIN never travels on a command line).  Values
 * are percent-decoded (RFC 3986 pct-encoded, either case); every other
 * byte must be one RFC 7512 allows unencoded in that place.  Anything
 * else is refused with the reason: an unknown or vendor-specific
 * attribute (it could narrow the match in a way we would ignore), an
 * attribute given twice, an empty name, a bad escape, a NUL byte, a
 * value a field cannot hold.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

#define P11URI_MAX	4096	/* a URI longer than this is refused */

/* RFC 3986 unreserved characters. */
static int
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* pk11-res-avail (path) and pk11-qchar (query) of RFC 7512 section 2.3. */
static int
allowed(unsigned char c, int query)
{
	if (unreserved(c) || c == ':' || c == '[' || c == ']' || c == '@' ||
	    c == '!' || c == '$' || c == '\'' || c == '(' || c == ')' ||
	    c == '*' || c == '+' || c == ',' || c == '=')
		return 1;
	return query ? c == '/' || c == '?' || c == '|' : c == '&';
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Percent-decode s[n] into a new string (*out, NUL-terminated, *len its
 * length without the NUL).  A NUL byte is refused: attribute values are
 * text for us, but id, whose bytes are any, keeps its length.
 */
static int
pct_decode(const char *s, size_t n, int query, int binary, char **out,
    size_t *len, const char **why)
{
	char *o;
	size_t i, k = 0;
	int h, l;

	*out = NULL;
	if ((o = malloc(n + 1)) == NULL) {
		*why = "out of memory";
		return KX_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n ||
			    (h = hexval((unsigned char)s[i + 1])) < 0 ||
			    (l = hexval((unsigned char)s[i + 2])) < 0) {
				*why = "a '%' not followed by two hex digits";
				goto bad;
			}
			c = (unsigned char)(h << 4 | l);
			if (c == 0 && !binary) {
				*why = "an encoded NUL byte (%00)";
				goto bad;
			}
			o[k++] = (char)c;
			i += 2;
			continue;
		}
		if (!allowed(c, query)) {
			*why = "a character that must be percent-encoded";
			goto bad;
		}
		o[k++] = (char)c;
	}
	o[k] = '\0';
	*out = o;
	*len = k;
	return KX_OK;
bad:
	free(o);
	return KX_EUSAGE;
}

struct attr {
	const char *name;
	size_t off;		/* of the char * field in kxi_p11uri */
	int query;
};

#define F(f)	offsetof(struct kxi_p11uri, f)
static const struct attr attrs[] = {
	{ "token", F(token), 0 },
	{ "manufacturer", F(manufacturer), 0 },
	{ "serial", F(serial), 0 },
	{ "model", F(model), 0 },
	{ "library-manufacturer", F(lib_manufacturer), 0 },
	{ "library-description", F(lib_description), 0 },
	{ "library-version", F(lib_version), 0 },
	{ "object", F(object), 0 },
	{ "type", F(type_text), 0 },
	{ "id", F(id), 0 },
	{ "slot-description", F(slot_description), 0 },
	{ "slot-manufacturer", F(slot_manufacturer), 0 },
	{ "slot-id", F(slot_id_text), 0 },
	{ "pin-source", F(pin_source), 1 },
	{ "module-path", F(module_path), 1 },
	{ "module-name", F(module_name), 1 },
	{ "pin-value", F(pin_value), 1 },
	{ NULL, 0, 0 }
};
#undef F

static char **
field(struct kxi_p11uri *u, size_t off)
{
	return (char **)(void *)((char *)u + off);
}

void
kxi_p11uri_free(struct kxi_p11uri *u)
{
	const struct attr *a;
	char **f;

	if (u == NULL)
		return;
	for (a = attrs; a->name != NULL; a++) {
		f = field(u, a->off);
		if (*f != NULL && a->off == offsetof(struct kxi_p11uri,
		    pin_value))
			OPENSSL_cleanse(*f, strlen(*f));
		free(*f);
	}
	free(u);
}

/* One "name=value" of the path (query 0) or the query (query 1). */
static int
one_attr(struct kxi_p11uri *u, const char *s, size_t n, int query,
    char *msg, size_t size)
{
	const char *eq = memchr(s, '=', n), *why = NULL;
	const struct attr *a;
	size_t nl, vl;
	char **f, *v;
	int r;

	if (eq == NULL || eq == s) {
		snprintf(msg, size, "%s attribute '%.*s' is not name=value",
		    query ? "query" : "path", (int)(n > 40 ? 40 : n), s);
		return KX_EUSAGE;
	}
	nl = (size_t)(eq - s);
	for (a = attrs; a->name != NULL; a++)
		if (strlen(a->name) == nl && memcmp(a->name, s, nl) == 0)
			break;
	if (a->name == NULL || a->query != query) {
		snprintf(msg, size, "%s attribute '%.*s' is %s", query ?
		    "query" : "path", (int)(nl > 40 ? 40 : nl), s,
		    a->name == NULL ? "not supported (unknown and "
		    "vendor-specific attributes are refused)" : query ?
		    "a path attribute (before '?')" :
		    "a query attribute (after '?')");
		return KX_EUSAGE;
	}
	f = field(u, a->off);
	if (*f != NULL) {
		snprintf(msg, size, "attribute '%s' given twice", a->name);
		return KX_EUSAGE;
	}
	if ((r = pct_decode(eq + 1, n - nl - 1, query,
	    a->off == offsetof(struct kxi_p11uri, id), &v, &vl, &why)) !=
	    KX_OK) {
		snprintf(msg, size, "attribute '%s': %s", a->name, why);
		return r;
	}
	*f = v;
	if (a->off == offsetof(struct kxi_p11uri, id))
		u->id_len = vl;
	return KX_OK;
}

/* Types of RFC 7512 section 2.3 ("pk11-type"). */
static int
type_of(const char *t, int *out)
{
	static const char *const names[] = { "cert", "data", "private",
	    "public", "secret-key" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(t, names[i]) == 0) {
			*out = (int)i;
			return KX_OK;
		}
	return KX_EUSAGE;
}

int
kxi_p11uri_parse(const char *s, struct kxi_p11uri **out, kx_diag *d)
{
	struct kxi_p11uri *u = NULL;
	const char *p, *end, *q, *sep;
	char msg[160];
	unsigned long long slot;
	int r, query = 0;

	*out = NULL;
	if (s == NULL || strncmp(s, "pkcs11:", 7) != 0)
		return KX_FAIL(d, KX_EUSAGE, "PKCS#11 URI: does not start "
		    "with \"pkcs11:\"");
	if (strlen(s) > P11URI_MAX)
		return KX_FAIL(d, KX_EUSAGE, "PKCS#11 URI: longer than %d "
		    "characters", P11URI_MAX);
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	u->type = KXI_P11_TYPE_ANY;
	u->slot_id = -1;
	p = s + 7;
	end = p + strlen(p);
	q = strchr(p, '?');
	while (p < end) {
		const char *stop = query ? end : (q != NULL ? q : end);

		if (!query && p == stop)
			goto query_part;
		sep = memchr(p, query ? '&' : ';', (size_t)(stop - p));
		if (sep == NULL)
			sep = stop;
		if (sep == p) {
			snprintf(msg, sizeof(msg), "an empty %s attribute",
			    query ? "query" : "path");
			r = KX_EUSAGE;
			goto bad;
		}
		if ((r = one_attr(u, p, (size_t)(sep - p), query, msg,
		    sizeof(msg))) != KX_OK)
			goto bad;
		p = sep;
		if (p < stop) {
			p++;	/* the separator; something must follow */
			if (p == stop) {
				snprintf(msg, sizeof(msg), "a trailing '%c'",
				    query ? '&' : ';');
				r = KX_EUSAGE;
				goto bad;
			}
			continue;
		}
query_part:
		if (query || q == NULL)
			break;
		query = 1;
		p = q + 1;
		if (p == end) {
			snprintf(msg, sizeof(msg), "an empty query after '?'");
			r = KX_EUSAGE;
			goto bad;
		}
	}
	if (u->type_text != NULL && type_of(u->type_text, &u->type) !=
	    KX_OK) {
		snprintf(msg, sizeof(msg), "type '%.32s' is not cert, data, "
		    "private, public or secret-key", u->type_text);
		r = KX_EUSAGE;
		goto bad;
	}
	if (u->slot_id_text != NULL) {
		if (kxi_parse_uint(u->slot_id_text, 0xFFFFFFFFUL, &slot) !=
		    KX_OK) {
			snprintf(msg, sizeof(msg), "slot-id '%.32s' is not a "
			    "decimal number", u->slot_id_text);
			r = KX_EUSAGE;
			goto bad;
		}
		u->slot_id = (long long)slot;
	}
	*out = u;
	return KX_OK;
bad:
	kxi_p11uri_free(u);
	return KX_FAIL(d, r, "PKCS#11 URI: %s", msg);
}
