/*
 * ruletab.c - the rule table of rules.def as data: ids, severities,
 * summaries, phases, slugs and examples (kx_rule_get, kx_rule_find).
 * It sits below both the policy reader (policy.c checks the rule ids a
 * policy names here) and the engine (rules.c), so the engine consumes a
 * policy and the policy never calls back into the engine
 * (tests/build/layers.sh).  rules.c expands the same rules.def in the same
 * order for its checks.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "internal.h"

static const struct rule {
	kx_rule_info info;
	const char *slug, *example, *check;
} rules[] = {
#define DOC KX_PHASE_DOCUMENT
#define EXP KX_PHASE_EXPORT
#define IMP KX_PHASE_IMPORT
#define REW KX_PHASE_REWRAP
#define KX_RULE(id, slug, sev, phases, check, summary, example) \
	{ { #id, KX_SEV_##sev, summary, phases }, #slug, example, #check },
#include "rules.def"
#undef KX_RULE
#undef DOC
#undef EXP
#undef IMP
#undef REW
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

size_t
kx_rule_count(void)
{
	return NRULES;
}

const kx_rule_info *
kx_rule_get(size_t i)
{
	return i < NRULES ? &rules[i].info : NULL;
}

int
kxi_rule_index(const char *id)
{
	size_t i;

	if (id == NULL)
		return -1;
	for (i = 0; i < NRULES; i++)
		if (strcmp(rules[i].info.id, id) == 0)
			return (int)i;
	return -1;
}

const kx_rule_info *
kx_rule_find(const char *id)
{
	int i = kxi_rule_index(id);

	return i < 0 ? NULL : &rules[i].info;
}

const char *
kxi_rule_slug(const char *id)
{
	int i = kxi_rule_index(id);

	return i < 0 ? NULL : rules[i].slug;
}

const char *
kxi_rule_example(const char *id)
{
	int i = kxi_rule_index(id);

	return i < 0 ? NULL : rules[i].example;
}

int
kxi_rule_fixed(const char *id)
{
	int i = kxi_rule_index(id);

	return i >= 0 && (strcmp(rules[i].check, "importer") == 0 ||
	    strcmp(rules[i].check, "values") == 0 ||
	    strcmp(rules[i].check, "binding") == 0);
}
