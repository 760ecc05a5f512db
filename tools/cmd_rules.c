/*
 * cmd_rules.c - `kmsxchg rules`: every rule id, default severity, the
 * phases it applies in and its summary, as text or a Markdown table (used
 * by the documentation).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "cli.h"

enum { O_FORMAT };

const struct cli_opt rules_opts[] = {
	[O_FORMAT] = { "format", 'f', 1, "FMT",
	    "output format: text (default) or md" },
	{ NULL, 0, 0, NULL, NULL }
};

static const char *
sev_name(enum kx_severity s)
{
	return s == KX_SEV_ERROR ? "error" : s == KX_SEV_WARNING ?
	    "warning" : "note";
}

/* "document,export" for a phase mask; "-" for none. */
static const char *
phase_names(unsigned phases, char *buf, size_t size)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ KX_PHASE_DOCUMENT, "document" }, { KX_PHASE_EXPORT, "export" },
		{ KX_PHASE_IMPORT, "import" }, { KX_PHASE_REWRAP, "rewrap" },
	};
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((phases & names[i].bit) != 0 && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
			    len ? "," : "", names[i].name);
	return len ? buf : "-";
}

int
cmd_rules(int argc, char **argv, struct cli *cli)
{
	const kx_rule_info *ri;
	const char *arg;
	char ph[64];
	kx_buf b = { 0 };
	size_t i, n;
	int o, md = 0, r = KX_OK, ex;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_FORMAT:
			if (strcmp(arg, "text") == 0)
				md = 0;
			else if (strcmp(arg, "md") == 0)
				md = 1;
			else
				return cli_usage(cli, "--format: expected "
				    "text or md, got '%s'", arg);
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
	if (md)
		r = kx_buf_printf(&b, "| Rule | Severity | Phases | Summary |\n"
		    "|------|----------|--------|---------|\n");
	n = kx_rule_count();
	for (i = 0; i < n && r == KX_OK; i++) {
		if ((ri = kx_rule_get(i)) == NULL)
			continue;
		phase_names(ri->phases, ph, sizeof(ph));
		if (md)
			r = kx_buf_printf(&b, "| %s | %s | %s | %s |\n", ri->id,
			    sev_name(ri->severity), ph, ri->summary);
		else
			r = kx_buf_printf(&b, "%-6s %-7s %-29s %s\n", ri->id,
			    sev_name(ri->severity), ph, ri->summary);
	}
	if (r != KX_OK) {
		cli_error(cli, "%s", kx_strerror(r));
		kx_buf_free(&b);
		return CLI_USAGE;
	}
	ex = cli_write(cli, NULL, b.data, b.len, 0);
	kx_buf_free(&b);
	return ex;
}
