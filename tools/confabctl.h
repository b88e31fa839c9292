/*
 * confabctl: the operator's tool.  One subcommand per file
 * (confabctl_NAME.c), listed in the table in confabctl.c.
 */
#ifndef CONFABCTL_H
#define CONFABCTL_H

#include <sysexits.h>		/* EX_USAGE 64, EX_CONFIG 78, ... */

/*
 * A subcommand.  cfgpath is the -c argument, or NULL for the default
 * path.  argv[0] is the subcommand's name; options follow.  Returns
 * the process exit status: 0, EX_USAGE, EX_CONFIG or EX_SOFTWARE.
 */
struct ctl_cmd {
	const char	*name;
	int		(*run)(const char *cfgpath, int argc, char **argv);
	const char	*args;		/* usage after the name */
	const char	*help;		/* one line */
};

int	ctl_token(const char *cfgpath, int argc, char **argv);
int	ctl_health(const char *cfgpath, int argc, char **argv);
int	ctl_check_redis(const char *cfgpath, int argc, char **argv);

/* Prints "usage: confabctl ... NAME ARGS" for cmd to stderr. */
void	ctl_usage_cmd(const struct ctl_cmd *cmd);
const struct ctl_cmd *ctl_find(const char *name);

#endif
