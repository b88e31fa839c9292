/*
 * JWT verification and signing, on top of libjwt.  The algorithm is
 * pinned by the configuration: a token whose header names any other
 * algorithm (including "none", or HS256 when RS256 is configured: the
 * classic key-confusion attack) is refused before its claims are read.
 *
 * Claims confab reads: org (string), role ("customer" | "agent" |
 * "admin"), email (string; "sub" is used when email is missing), name
 * (optional), exp (required), nbf and iat (optional), iss and aud
 * (checked when configured).
 */
#ifndef CM_JWT_H
#define CM_JWT_H

#include <stddef.h>
#include <time.h>

#include "proto.h"

struct cm_cfg;
struct cm_jwt_verifier;

#define CM_EMAIL_MAX	254
#define CM_NAME_MAX	128

enum cm_role {
	CM_ROLE_CUSTOMER = 0,
	CM_ROLE_AGENT,
	CM_ROLE_ADMIN,
};

/* Who a connection or request is: derived from the token only. */
struct cm_principal {
	enum cm_role	role;
	char		org[CM_ORG_MAX + 1];
	char		email[CM_EMAIL_MAX + 1];
	char		name[CM_NAME_MAX + 1];
	time_t		exp;
};

/*
 * Appends p as the "user" object of NNG bodies:
 * {"org","role","email","name"}.
 */
struct cm_buf;
void	cm_principal_json(struct cm_buf *b, const struct cm_principal *p);

/* "customer", "agent", "admin". */
const char *cm_role_name(enum cm_role role);
/* Returns -1 if name is not a role. */
int	cm_role_parse(const char *name, enum cm_role *role);

/*
 * Builds a verifier from the jwt_* keys of cfg (reads the key files).
 * Returns NULL after logging why.  Free with cm_jwt_verifier_free().
 */
struct cm_jwt_verifier *cm_jwt_verifier_new(const struct cm_cfg *cfg);
void	cm_jwt_verifier_free(struct cm_jwt_verifier *v);

/*
 * The HS* shared secret of cfg: jwt_secret if set, else the first line
 * of jwt_secret_file (without its line ending).  Returns a malloc'd
 * string (caller frees), or NULL after logging why (unset, unreadable
 * or empty).  Used by the verifier and by confabctl, which signs.
 */
char	*cm_jwt_secret_load(const struct cm_cfg *cfg);

/*
 * Verifies token at time now.  On 0 fills *p.  On -1 sets *why to a
 * static string fit for a log line ("expired", "bad signature",
 * "algorithm not allowed", ...); never includes the token.
 */
int	cm_jwt_verify(const struct cm_jwt_verifier *v, const char *token,
	    time_t now, struct cm_principal *p, const char **why);

/*
 * Signs an HS256 token for p with secret, valid from now for ttl_s
 * seconds; iss/aud are added when not NULL or empty.  Returns a
 * malloc'd string; caller frees.  NULL on error.
 */
char	*cm_jwt_sign_hs256(const char *secret, const struct cm_principal *p,
	    time_t now, long ttl_s, const char *iss, const char *aud);

#endif
