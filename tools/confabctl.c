/*
 * confabctl: confab's command-line tool.  It parses the global options,
 * then hands the rest of the command line to a subcommand from
 * ctl_cmds[].  More subcommands (health, status, ...) are one row here
 * and one confabctl_NAME.c each.
 *
 *	confabctl [-c config] command [options]
 *	confabctl -h
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "confabctl.h"
#include "log.h"

static const struct ctl_cmd ctl_cmds[] = {
	{ "token", ctl_token,
	    "--org ORG --role customer|agent|admin --email EMAIL\n"
	    "\t\t[--name NAME] [--ttl SECONDS]",
	    "print an HS256 JWT signed with the configured jwt_secret" },
	{ "health", ctl_health, "gateway|presence|queue|ai",
	    "exit 0 if that process is ready, 1 if not; says why in a line" },
	{ "check-redis", ctl_check_redis, "",
	    "warn when the Redis server's settings differ from confab's needs" },
};
#define CTL_NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

const struct ctl_cmd *
ctl_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < CTL_NCMDS; i++)
		if (strcmp(ctl_cmds[i].name, name) == 0)
			return (&ctl_cmds[i]);
	return (NULL);
}

void
ctl_usage_cmd(const struct ctl_cmd *cmd)
{
	fprintf(stderr, "usage: confabctl [-c config] %s %s\n", cmd->name,
	    cmd->args);
}

static void
ctl_usage(FILE *fp)
{
	size_t	 i;

	fprintf(fp, "usage: confabctl [-c config] command [options]\n"
	    "       confabctl -h\n\n"
	    "  -c config\tconfiguration file (default %s)\n\n"
	    "commands:\n", CM_CFG_DEFAULT_PATH);
	for (i = 0; i < CTL_NCMDS; i++)
		fprintf(fp, "  %s %s\n\t\t%s\n", ctl_cmds[i].name,
		    ctl_cmds[i].args, ctl_cmds[i].help);
}

int
main(int argc, char **argv)
{
	const struct ctl_cmd	*cmd;
	const char		*cfgpath = NULL;
	int			 ch;

	cm_log_init("confabctl");

	/* "+": stop at the subcommand; its options are its own. */
	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			ctl_usage(stdout);
			return (0);
		default:
			ctl_usage(stderr);
			return (EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		ctl_usage(stderr);
		return (EX_USAGE);
	}
	if ((cmd = ctl_find(argv[0])) == NULL) {
		fprintf(stderr, "confabctl: unknown command \"%s\"\n",
		    argv[0]);
		ctl_usage(stderr);
		return (EX_USAGE);
	}
	optind = 0;		/* glibc: reinitialise for the subcommand */
	return (cmd->run(cfgpath, argc, argv));
}
