/*
 * cmd_import.c - STUB: the lead replaces this file with the real 'import'.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cli.h"

const struct cli_opt import_opts[] = {
	{ NULL, 0, 0, NULL, NULL }
};

int
cmd_import(int argc, char **argv, struct cli *cli)
{
	const char *arg;
	int o;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		if (o == CLI_HELP)
			return CLI_OK;
		return CLI_USAGE;
	}
	cli_error(cli, "not implemented yet");
	return CLI_USAGE;
}
