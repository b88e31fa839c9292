/*
 * confabctl token: prints an HS256 JWT for an identity, signed with the
 * configuration's jwt_secret (or jwt_secret_file), with jwt_issuer and
 * jwt_audience when they are set.  For development and tests: the
 * gateway accepts it when it runs with the same configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cfg.h"
#include "confabctl.h"
#include "jwt.h"
#include "log.h"
#include "util.h"

#define TOKEN_TTL_DEFAULT	3600
#define TOKEN_TTL_MAX		(10L * 365 * 24 * 3600)

/* Returns 1 if s has 1..max bytes, each in lo..0x7e. */
static int
token_arg_ok(const char *s, size_t max, unsigned char lo)
{
	size_t	 i, len = strlen(s);

	if (len == 0 || len > max)
		return (0);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < lo || s[i] == 0x7f)
			return (0);
	return (1);
}

/* Fills p and *ttl from the command line; returns 0 or EX_USAGE. */
static int
token_args(int argc, char **argv, struct cm_principal *p, long *ttl)
{
	static const struct option opts[] = {
		{ "org",	required_argument,	NULL, 'o' },
		{ "role",	required_argument,	NULL, 'r' },
		{ "email",	required_argument,	NULL, 'e' },
		{ "name",	required_argument,	NULL, 'n' },
		{ "ttl",	required_argument,	NULL, 't' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	const char	*org = NULL, *role = NULL, *email = NULL, *name = "";
	char		*end;
	int		 ch;

	*ttl = TOKEN_TTL_DEFAULT;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': org = optarg; break;
		case 'r': role = optarg; break;
		case 'e': email = optarg; break;
		case 'n': name = optarg; break;
		case 't':
			*ttl = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    *ttl < 1 || *ttl > TOKEN_TTL_MAX) {
				fprintf(stderr, "confabctl: --ttl: seconds, "
				    "1..%ld\n", TOKEN_TTL_MAX);
				return (EX_USAGE);
			}
			break;
		default:
			return (EX_USAGE);
		}
	}
	if (optind != argc || org == NULL || role == NULL || email == NULL) {
		fprintf(stderr, "confabctl: token needs --org, --role and "
		    "--email, and no other arguments\n");
		return (EX_USAGE);
	}
	memset(p, 0, sizeof(*p));
	if (!cm_org_valid(org)) {
		fprintf(stderr, "confabctl: --org: 1..%d characters from "
		    "A-Z a-z 0-9 . _ -\n", CM_ORG_MAX);
		return (EX_USAGE);
	}
	if (cm_role_parse(role, &p->role) == -1) {
		fprintf(stderr, "confabctl: --role: customer, agent or "
		    "admin\n");
		return (EX_USAGE);
	}
	if (!token_arg_ok(email, CM_EMAIL_MAX, 0x20)) {
		fprintf(stderr, "confabctl: --email: 1..%d characters\n",
		    CM_EMAIL_MAX);
		return (EX_USAGE);
	}
	if (*name != '\0' && !token_arg_ok(name, CM_NAME_MAX, 0x20)) {
		fprintf(stderr, "confabctl: --name: at most %d bytes, no "
		    "control characters\n", CM_NAME_MAX);
		return (EX_USAGE);
	}
	cm_strlcpy(p->org, org, sizeof(p->org));
	cm_strlcpy(p->email, email, sizeof(p->email));
	cm_strlcpy(p->name, name, sizeof(p->name));
	return (0);
}

int
ctl_token(const char *cfgpath, int argc, char **argv)
{
	struct cm_principal	 p;
	struct cm_cfg		 cfg;
	char			*secret = NULL, *token = NULL;
	long			 ttl;
	int			 rv;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		printf("usage: confabctl [-c config] token %s\n",
		    ctl_find("token")->args);
		return (0);
	}
	if ((rv = token_args(argc, argv, &p, &ttl)) != 0) {
		ctl_usage_cmd(ctl_find("token"));
		return (rv);
	}
	if (cm_cfg_load(&cfg, cfgpath) == -1)
		return (EX_CONFIG);		/* cm_cfg_load logged why */

	/* The gateway pins jwt_algorithm; another one would be refused. */
	if (strcasecmp(cfg.jwt_algorithm, "HS256") != 0) {
		cm_log_err("msg=\"cannot sign\" err=\"jwt_algorithm is %s; "
		    "confabctl token signs HS256 only\"", cfg.jwt_algorithm);
		rv = EX_CONFIG;
	} else if ((secret = cm_jwt_secret_load(&cfg)) == NULL) {
		rv = EX_CONFIG;
	} else if ((token = cm_jwt_sign_hs256(secret, &p, time(NULL), ttl,
	    cfg.jwt_issuer, cfg.jwt_audience)) == NULL) {
		rv = EX_SOFTWARE;
	} else if (printf("%s\n", token) < 0 || fflush(stdout) == EOF) {
		rv = EX_IOERR;
	}
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	free(token);
	cm_cfg_free(&cfg);
	return (rv);
}
