/*
 * text.c - the one UTF-8 decoder, the one XML 1.0 escaper, the one
 * escaper of text for a terminal and the one root-element sniffer of the
 * library (every writer and every format's detect() uses these; the JSON
 * escaper is kxi_json_str in report.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

long
kxi_utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	unsigned long c;
	size_t k, i;

	*len = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		k = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		k = 3;
		c = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		k = 4;
		c = s[0] & 0x07;
	} else
		return -1;
	if (n < k)
		return -1;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((k == 3 && c < 0x800) || (k == 4 && c < 0x10000) ||
	    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*len = k;
	return (long)c;
}

/* XML 1.0 section 2.2 Char (surrogates are already refused above). */
static int
xml10_char(long c)
{
	return c == '\t' || c == '\n' || c == '\r' ||
	    (c >= 0x20 && c != 0xFFFE && c != 0xFFFF);
}

int
kxi_xml_char(long c)
{
	return c >= 0 && xml10_char(c);
}

int
kxi_text_escape(kx_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;
	long c;
	int r = KX_OK;

	while (n > 0 && r == KX_OK) {
		c = kxi_utf8_next(p, n, &len);
		if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
			r = kx_buf_append(b, "?", 1);
		else
			r = kx_buf_append(b, p, len);
		p += len;
		n -= len;
	}
	return r;
}

int
kxi_xml_escape(kx_buf *b, const char *s, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t n = strlen(s), len;
	const char *rep;
	char ref[32];
	long c;
	int r = KX_OK;

	while (n > 0) {
		c = kxi_utf8_next(p, n, &len);
		rep = NULL;
		if (c < 0 || !xml10_char(c)) {
			if (!(flags & KXI_XML_REPLACE))
				return KX_EUNSUPPORTED;
			rep = "\xEF\xBF\xBD";	/* U+FFFD */
		} else if (c == '&')
			rep = "&amp;";
		else if (c == '<')
			rep = "&lt;";
		else if (c == '>')
			rep = "&gt;";
		else if (c == '"' && (flags & KXI_XML_ATTR))
			rep = "&quot;";
		else if (c == '\'' && (flags & KXI_XML_ATTR))
			rep = "&apos;";
		else if (c == '\r' || (c < 0x20 && (flags & KXI_XML_ATTR)) ||
		    (c >= 0x7F && c <= 0x9F)) {
			/* CR (line-end handling), TAB and LF in attributes
			 * (value normalisation), DEL and C1 (discouraged). */
			snprintf(ref, sizeof(ref), "&#%ld;", c);
			rep = ref;
		}
		if (rep != NULL) {
			if ((r = kx_buf_append(b, run, (size_t)(p - run))) !=
			    KX_OK || (r = kx_buf_append(b, rep, strlen(rep))) !=
			    KX_OK)
				return r;
			run = p + len;
		}
		p += len;
		n -= len;
	}
	return kx_buf_append(b, run, (size_t)(p - run));
}

/* ---- the root element ------------------------------------------------ */
static int
ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
name_char(uint8_t c)
{
	return !ws(c) && c != '/' && c != '>' && c != '=' && c != '\0';
}

/* Index of at past the prolog (BOM, declaration, comments, PIs, one
 * DOCTYPE), or lim when the prolog does not end within lim. */
static size_t
skip_prolog(const uint8_t *b, size_t lim)
{
	size_t i = 0, k;
	const char *end;

	if (lim >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	for (;;) {
		while (i < lim && ws(b[i]))
			i++;
		if (i + 1 >= lim || b[i] != '<')
			return lim;
		if (i + 9 < lim && memcmp(b + i, "<!DOCTYPE", 9) == 0) {
			/* The readers refuse it as malformed: skip it. */
			int brack = 0;

			for (k = i + 9; k < lim; k++) {
				if (b[k] == '[')
					brack++;
				else if (b[k] == ']')
					brack--;
				else if (b[k] == '>' && brack <= 0)
					break;
			}
			if (k >= lim)
				return lim;
			i = k + 1;
			continue;
		}
		if (b[i + 1] != '?' && b[i + 1] != '!')
			return i;
		end = b[i + 1] == '?' ? "?>" : "-->";
		if (b[i + 1] == '!' && (i + 3 >= lim ||
		    memcmp(b + i, "<!--", 4) != 0))
			return lim;
		for (k = i + 2; k + strlen(end) <= lim; k++)
			if (memcmp(b + k, end, strlen(end)) == 0)
				break;
		if (k + strlen(end) > lim)
			return lim;
		i = k + strlen(end);
	}
}

int
kxi_xml_root(const uint8_t *b, size_t n, const char *local,
    const char *const *ns, size_t nns)
{
	const size_t lim = n < KXI_SNIFF_MAX ? n : KXI_SNIFF_MAX;
	size_t i, s, pfx = 0, k, j, l;
	char want[80];
	uint8_t q;

	if (b == NULL || (i = skip_prolog(b, lim)) >= lim)
		return -1;
	s = ++i;
	while (i < lim && name_char(b[i])) {
		if (b[i] == ':')
			pfx = i - s + 1;
		i++;
	}
	if (i - s - pfx != strlen(local) ||
	    memcmp(b + s + pfx, local, strlen(local)) != 0 ||
	    pfx > sizeof(want) - 8)
		return -1;
	/* Find the declaration of the root's namespace among its attrs. */
	if (pfx > 0)
		snprintf(want, sizeof(want), "xmlns:%.*s", (int)(pfx - 1),
		    (const char *)b + s);
	else
		snprintf(want, sizeof(want), "xmlns");
	while (i < lim && b[i] != '>') {
		while (i < lim && (ws(b[i]) || b[i] == '/'))
			i++;
		s = i;
		while (i < lim && name_char(b[i]))
			i++;
		k = i - s;
		while (i < lim && (ws(b[i]) || b[i] == '='))
			i++;
		if (i >= lim || (b[i] != '"' && b[i] != '\''))
			return -1;
		q = b[i++];
		if (k == strlen(want) && memcmp(b + s, want, k) == 0) {
			for (j = 0; j < nns; j++) {
				l = strlen(ns[j]);
				if (i + l < lim && memcmp(b + i, ns[j], l) ==
				    0 && b[i + l] == q)
					return (int)j;
			}
			return -1;
		}
		while (i < lim && b[i] != q)
			i++;
		i++;
	}
	return -1;
}
