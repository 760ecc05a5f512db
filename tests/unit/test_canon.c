/*
 * test_canon.c - the differential oracle between the hub and the DER
 * spoke: the hub's canonical DER (canon.c, kxi_canon_profile and
 * kxi_canon_bound, the associated data of the bound wraps) must be the
 * bytes asn1c gives through der.c (kxi_profile_der, kxi_bound_der) for
 * every key of every sample and template, of every fuzz corpus file that
 * reads, and of seeded random models; both must refuse the same models.
 * Kept permanently: a change to either side that the other does not
 * follow fails here, and t_coverage fails until the random models set
 * every KeyProfile component fields.def lists (a new field included).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <sys/stat.h>

#include "kxtest.h"

static size_t compared;		/* pairs of equal encodings seen */
static uint64_t seen;		/* KeyProfile components seen (bit = tag) */

/* Note the context tags of the components of the KeyProfile DER b. */
static void
note_tags(const kx_buf *b)
{
	size_t i = 2, len, k;
	unsigned tag;

	if (b->len > 1 && b->data[1] & 0x80)
		i += b->data[1] & 0x7f;
	while (i + 1 < b->len) {
		tag = b->data[i] & 0x1f;
		if (tag == 0x1f)
			tag = b->data[++i];	/* [31]..[127]: one octet */
		len = b->data[++i];
		i++;
		if (len & 0x80) {
			for (k = len & 0x7f, len = 0; k > 0; k--)
				len = len << 8 | b->data[i++];
		}
		if (tag < 64)
			seen |= (uint64_t)1 << tag;
		i += len;
	}
}

static void
dump(const char *what, const kx_buf *b)
{
	size_t i;

	fprintf(stderr, "%s (%zu):", what, b->len);
	for (i = 0; i < b->len; i++)
		fprintf(stderr, "%02X", b->data[i]);
	fprintf(stderr, "\n");
}

static void
same_bytes(const char *where, int ra, const kx_buf *a, int rb,
    const kx_buf *b)
{
	if ((ra == KX_OK) != (rb == KX_OK) || (ra == KX_OK &&
	    (a->len != b->len || memcmp(a->data, b->data, a->len) != 0))) {
		fprintf(stderr, "%s: der.c %d, canon.c %d\n", where, ra, rb);
		dump("der.c  ", a);
		dump("canon.c", b);
		fail_msg("hub and DER spoke disagree: %s", where);
	}
	if (ra == KX_OK)
		compared++;
}

/* Both encodings of profile p (and its BoundContext in doc) agree. */
static void
compare(const kx_doc *doc, const kxi_profile *p, const char *where)
{
	kx_buf a = { 0 }, b = { 0 };
	int ra, rb;

	ra = kxi_profile_der(p, &a, NULL);
	rb = kxi_canon_profile(p, &b, NULL);
	same_bytes(where, ra, &a, rb, &b);
	if (rb == KX_OK)
		note_tags(&b);
	a.len = b.len = 0;
	ra = kxi_bound_der(doc, p, &a, NULL);
	rb = kxi_canon_bound(doc, p, &b, NULL);
	same_bytes(where, ra, &a, rb, &b);
	kx_buf_free(&a);
	kx_buf_free(&b);
}

/* Every key of every document under rel that reads; the documents read. */
static size_t
walk(const char *rel)
{
	char sub[512];
	struct dirent *e;
	struct stat st;
	size_t ndocs = 0, i;
	DIR *dir;

	assert_non_null(dir = opendir(kxt_src(rel)));
	while ((e = readdir(dir)) != NULL) {
		kx_doc *doc = NULL;

		if (e->d_name[0] == '.')
			continue;
		assert_true((size_t)snprintf(sub, sizeof(sub), "%.200s/%.255s",
		    rel, e->d_name) < sizeof(sub));
		assert_int_equal(stat(kxt_src(sub), &st), 0);
		if (S_ISDIR(st.st_mode)) {
			ndocs += walk(sub);
			continue;
		}
		if (kx_doc_read_file(kxt_src(sub), KX_FMT_AUTO, &doc, NULL) !=
		    KX_OK)
			continue;
		ndocs++;
		for (i = 0; i < doc->nkeys; i++)
			compare(doc, &doc->keys[i].prof, sub);
		kx_doc_free(doc);
	}
	closedir(dir);
	return ndocs;
}

static void
t_samples(void **state)
{
	(void)state;
	compared = 0;
	/* samples/ holds invalid ones too: those that read are compared */
	assert_true(walk("samples") >= 20);
	assert_true(walk("profiles/templates") >= 12);
	assert_true(compared >= 2 * 40);
}

static void
t_corpus(void **state)
{
	(void)state;
	compared = 0;
	assert_true(walk("tests/fuzz/corpus/xml") >= 50);
	assert_true(walk("tests/fuzz/corpus/der") >= 50);
	assert_true(compared >= 2 * 100);
}

/* ---- seeded random models -------------------------------------------- */

static uint64_t rs;

static uint64_t
rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

/* 1 in n */
static int
one_in(unsigned n)
{
	return rnd() % n == 0;
}

static int
coin(void)
{
	return (int)(rnd() & 1);
}

static const char *const strs[] = {
	"", "a", "KEY-0001", "Zürich ключ 鍵 🔑",
	/* 127 and 128 octets: the one- and two-octet length forms */
	"0123456789012345678901234567890123456789012345678901234567890123"
	"456789012345678901234567890123456789012345678901234567890123456",
	"0123456789012345678901234567890123456789012345678901234567890123"
	"4567890123456789012345678901234567890123456789012345678901234567",
};

static const char *
rstr(kx_doc *doc)
{
	if (one_in(40)) {
		/* 300 octets: a length of two octets, 82 01 2C */
		char big[301];

		memset(big, 'x', 300);
		big[300] = '\0';
		return kxi_strdup(&doc->arena, big);
	}
	if (one_in(200))
		return "bad \xff UTF-8";	/* refused by both */
	return strs[rnd() % (sizeof(strs) / sizeof(strs[0]))];
}

static const char *
ostr(kx_doc *doc)
{
	return coin() ? rstr(doc) : NULL;
}

static void
rlist(kx_doc *doc, kxi_strlist *l)
{
	unsigned n = coin() ? (unsigned)(rnd() % 4) : 0;

	while (n-- > 0)
		assert_int_equal(kxi_strlist_add(&doc->arena, l, rstr(doc)),
		    KX_OK);
}

static void
rbytes(kx_doc *doc, kxi_bytes *b)
{
	uint8_t tmp[200];
	size_t n = coin() ? (size_t)(rnd() % sizeof(tmp)) : 0, i;

	for (i = 0; i < n; i++)
		tmp[i] = (uint8_t)rnd();
	b->n = n;
	b->p = n ? kxi_memdup(&doc->arena, tmp, n) : NULL;
}

static int64_t
rtime(void)
{
	static const int64_t edge[] = { -62135596800LL, 253402300799LL, -1,
		0, 1790000000LL, -62135596801LL, 253402300800LL };

	if (!coin())
		return KX_UNSET_TIME;
	if (one_in(8))	/* the last two are out of range: both refuse */
		return edge[rnd() % (one_in(10) ? 7 : 5)];
	return (int64_t)(rnd() % 253402300799ULL) - 62135596800LL / 2;
}

static int
renum(enum kx_enum_type t)
{
	return (int)(rnd() % (uint64_t)kx_enum_count(t));
}

/* A small integer: absent, in 0..max, or now and then just outside. */
static int
rsmall(int max)
{
	if (coin())
		return KX_UNSET;
	if (one_in(30))
		return coin() ? max + 1 : -2;
	return (int)(rnd() % (uint64_t)(max + 1));
}

static void
random_profile(kx_doc *doc, kxi_profile *p)
{
	static const char *const oids[] = { "1.2.840.10045.3.1.7",
		"1.3.132.0.34", "2.999.1234567890123", "0.39.1", "1.40" };
	static const uint64_t es[] = { 3, 65537, 0xffffffffULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, 128, 255, 256 };
	size_t i, n;

	p->id = one_in(100) ? NULL : rstr(doc);
	p->name = ostr(doc);
	p->description = ostr(doc);
	p->template_id = ostr(doc);
	p->reference = ostr(doc);
	p->version = ostr(doc);
	n = coin() ? rnd() % 3 : 0;
	for (i = 0; i < n; i++) {
		kxi_revision *rv = kxi_array_push(&doc->arena,
		    (void **)&p->revisions, &p->nrevisions, sizeof(*rv));

		assert_non_null(rv);
		rv->version = ostr(doc);
		rv->date = rtime();
		rv->by = ostr(doc);
		rbytes(doc, &rv->digest);
	}
	p->owner = ostr(doc);
	p->creator = ostr(doc);
	p->holder = ostr(doc);
	rlist(doc, &p->custodians);
	p->cls = renum(KX_ENUM_CLASS);
	p->alg = renum(KX_ENUM_ALG);
	p->length_bits = coin() ? (unsigned)(rnd() % 5000) :
	    (unsigned)rnd();
	p->rsa_e = coin() ? es[rnd() % 8] : 0;
	p->ec_curve = coin() ? oids[rnd() % (one_in(10) ? 5 : 3)] : NULL;
	p->hmac_hash = coin() ? renum(KX_ENUM_HASH) : KX_HASH_NONE;
	rbytes(doc, &p->spki);
	p->modes = coin() ? (uint32_t)rnd() & ((1u << kx_enum_count(
	    KX_ENUM_MODE_OF_OP)) - 1) : 0;
	p->usage = (uint32_t)rnd() >> (rnd() % 32);
	p->role = coin() ? renum(KX_ENUM_ROLE) : KX_ROLE_NONE;
	p->usage_limit = coin() ? -1 : (int64_t)(rnd() >> (rnd() % 64));
	p->has_gp = coin();
	if (p->has_gp) {
		kxi_gp *g = &p->gp;

		g->key_type = rsmall(255);
		g->kvn = rsmall(255);
		g->kid = rsmall(255);
		g->kuq_len = coin() ? 1 : 2;
		g->kuq = coin() ? KX_UNSET :
		    (int)(rnd() % (g->kuq_len == 1 ? 0x100 : 0x10000));
		if (one_in(30))
			g->kuq_len = 3;	/* both refuse */
		g->access = rsmall(255);
		g->scp = coin() ? renum(KX_ENUM_SCP) : KX_SCP_NONE;
		g->scp_i = rsmall(255);
		rbytes(doc, &g->sd_aid);
		g->diversification = coin() ? renum(KX_ENUM_DIVERSIFICATION) :
		    KX_DIV_NONE;
	}
	p->not_before = rtime();
	p->not_after = rtime();
	p->protect_until = rtime();
	p->process_until = rtime();
	p->cryptoperiod = ostr(doc);
	p->state = renum(KX_ENUM_STATE);
	p->state_since = rtime();
	p->revoked_at = rtime();
	p->revocation_reason = coin() ? renum(KX_ENUM_REVOCATION) : KX_REV_NONE;
	p->mode = renum(KX_ENUM_KEYMODE);
	p->created = rtime();
	p->export_.allowed = coin();
	p->export_.forms = coin() ? (uint32_t)rnd() & 0xf : 0;
	rlist(doc, &p->export_.destinations);
	p->export_.min_wrap_strength = coin() ? KX_UNSET :
	    one_in(30) ? -2 : (int)(rnd() % 100000);
	p->export_.trusted_kek_only = (enum kxi_tri)(rnd() % 3) - 1;
	p->sensitive = coin();
	p->import_.allowed = coin();
	rlist(doc, &p->import_.sources);
	p->provenance.always_sensitive = (enum kxi_tri)(rnd() % 3) - 1;
	p->provenance.never_exported = (enum kxi_tri)(rnd() % 3) - 1;
	p->provenance.generated_in = ostr(doc);
	p->permanent = (enum kxi_tri)(rnd() % 3) - 1;
	if (coin()) {
		p->split.n = coin() ? (unsigned)(rnd() % (one_in(20) ? 300 :
		    256)) : 0;
		p->split.m = coin() ? (unsigned)(rnd() % 256) : 0;
		p->split.method = coin() ? renum(KX_ENUM_SPLIT) : KX_SPLIT_NONE;
		p->split.dual_control = (enum kxi_tri)(rnd() % 3) - 1;
	}
	n = coin() ? rnd() % 4 : 0;
	for (i = 0; i < n; i++) {
		kxi_relation_ref *r = kxi_array_push(&doc->arena,
		    (void **)&p->relations, &p->nrelations, sizeof(*r));

		assert_non_null(r);
		r->type = renum(KX_ENUM_RELATION);
		r->ref = rstr(doc);
	}
	n = coin() ? rnd() % 4 : 0;
	for (i = 0; i < n; i++) {
		kxi_extension *e = kxi_array_push(&doc->arena,
		    (void **)&p->extensions, &p->nextensions, sizeof(*e));

		assert_non_null(e);
		e->ns = rstr(doc);
		e->name = rstr(doc);
		e->value = rstr(doc);
	}
}

static void
t_random(void **state)
{
	size_t round, refused = 0;
	char where[64];

	(void)state;
	compared = 0;
	seen = 0;
	rs = 0x6b6d7378636867ULL;	/* seeded: the same models every run */
	for (round = 0; round < 3000; round++) {
		kx_doc *doc;
		kx_key *k;
		size_t before = compared;

		assert_non_null(doc = kxi_doc_new());
		doc->id = one_in(100) ? NULL : rstr(doc);
		doc->created = one_in(100) ? KX_UNSET_TIME :
		    (int64_t)(rnd() % 4000000000ULL);
		doc->sender = ostr(doc);
		rlist(doc, &doc->recipients);
		assert_non_null(k = kxi_doc_add_key(doc));
		random_profile(doc, &k->prof);
		snprintf(where, sizeof(where), "random model %zu", round);
		compare(doc, &k->prof, where);
		if (compared < before + 2)
			refused++;
		kx_doc_free(doc);
	}
	/* most models encode; some are refused, by both sides */
	assert_true(compared >= 3000);
	assert_true(refused >= 50);
}

/*
 * The random models reach every component of KeyProfile that fields.def
 * lists: a field added to the module and the table fails here until the
 * generator above sets it (and so until both encoders write it alike).
 */
static void
t_coverage(void **state)
{
	uint64_t all = 0;

	(void)state;
#define KX_FIELD(group, xml, asn1, tag, gp) \
	all |= strcmp(#group, "PROFILE") == 0 ? (uint64_t)1 << (tag) : 0;
#include "fields.def"
	assert_true(all != 0);
	if ((seen & all) != all)
		fail_msg("KeyProfile components never set by the random "
		    "models: tag mask %llx", (unsigned long long)(all & ~seen));
}

/*
 * The one deliberate difference: a string that is not RFC 3629 UTF-8
 * (here a surrogate, ED A0 80) is refused by the hub, while asn1c 0.9.28
 * takes it.  The bound data is the hub's: such a key cannot be bound.
 */
static void
t_surrogate(void **state)
{
	kx_buf a = { 0 }, b = { 0 };
	kx_doc *doc;
	kx_key *k;

	(void)state;
	assert_non_null(doc = kxi_doc_new());
	assert_non_null(k = kxi_doc_add_key(doc));
	k->prof.id = "K\xed\xa0\x80";
	assert_int_equal(kxi_profile_der(&k->prof, &a, NULL), KX_OK);
	assert_int_equal(kxi_canon_profile(&k->prof, &b, NULL), KX_ESCHEMA);
	assert_int_equal(b.len, 0);
	kx_buf_free(&a);
	kx_buf_free(&b);
	kx_doc_free(doc);
}

/* Hand-checked bytes: the smallest profile and its BoundContext. */
static void
t_known(void **state)
{
	static const char prof[] =
	    "3028"			/* KeyProfile */
	    "80014B"			/* id [0] "K" */
	    "8B0100"			/* class [11] secret */
	    "8C0104"			/* algorithm [12] aes */
	    "8D020100"			/* lengthBits [13] 256 */
	    "9003074080"		/* usage [16] {decrypt, wrap} */
	    "990101"			/* state [25] active */
	    "9D0100"			/* mode [29] production */
	    "BF1F03800100"		/* export [31] { allowed FALSE } */
	    "9F2001FF"			/* sensitive [32] TRUE */
	    "BF210380 01FF";		/* import [33] { allowed TRUE } */
	kx_buf b = { 0 };
	kx_doc *doc;
	kx_key *k;
	size_t n;
	const uint8_t *want;
	char hex[sizeof(prof)];
	size_t i, j;

	(void)state;
	for (i = j = 0; prof[i] != '\0'; i++)
		if (prof[i] != ' ')
			hex[j++] = prof[i];
	hex[j] = '\0';
	want = kxt_hex(hex, &n);
	assert_non_null(doc = kxi_doc_new());
	assert_non_null(k = kxi_doc_add_key(doc));
	k->prof.id = "K";
	k->prof.alg = KX_ALG_AES;
	k->prof.length_bits = 256;
	k->prof.usage = KX_USAGE_BIT(KX_U_DECRYPT) |
	    KX_USAGE_BIT(KX_U_WRAP);
	assert_int_equal(kxi_canon_profile(&k->prof, &b, NULL), KX_OK);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, want, n);
	/* BoundContext: 30 L, [0] "D", [1] 19700101000000Z, [4] profile */
	doc->id = "D";
	doc->created = 0;
	b.len = 0;
	assert_int_equal(kxi_canon_bound(doc, &k->prof, &b, NULL), KX_OK);
	assert_int_equal(b.len, 2 + 3 + 17 + n);
	assert_memory_equal(b.data, "\x30\x3e\x80\x01" "D" "\x81\x0f"
	    "19700101000000Z" "\xa4\x28", 24);
	assert_memory_equal(b.data + 24, want + 2, n - 2);
	kx_buf_free(&b);
	kx_doc_free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_known),
		cmocka_unit_test(t_samples),
		cmocka_unit_test(t_corpus),
		cmocka_unit_test(t_random),
		cmocka_unit_test(t_coverage),
		cmocka_unit_test(t_surrogate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
