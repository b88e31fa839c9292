/*
 * Helpers shared by the JWT tests (check_jwt.c, check_jwt_alg.c).
 * They fail the running test through ck_assert on any setup error.
 */
#ifndef CHECK_JWT_H
#define CHECK_JWT_H

#include <check.h>

#include <jwt.h>		/* libjwt */

#include "jwt.h"		/* ours */

#define NOW	((time_t)1700000000)
#define SECRET	"0123456789abcdef0123456789abcdef"

/* Drops error lines in a test that expects them (tests fork). */
void	 jt_quiet(void);
/* Writes text to a new file made from path_template (mkstemp). */
void	 jt_write_file(char *path_template, const char *text);
/* A verifier from config text; NULL if cm_jwt_verifier_new() refuses. */
struct cm_jwt_verifier *jt_verifier(const char *conf);
/* A verifier for HS256 with SECRET. */
struct cm_jwt_verifier *jt_hs256_verifier(void);
/* Signs claims (JSON text) with libjwt; caller frees. */
char	*jt_sign(jwt_alg_t alg, const char *key, const char *claims);
/* The usual claims, with extra members spliced in; static buffer. */
char	*jt_claims(const char *extra);
/* Expects v to refuse token at NOW with reason want. */
void	 jt_assert_refused(struct cm_jwt_verifier *v, const char *token,
	    const char *want);
/* base64url of s without padding; caller frees. */
char	*jt_b64url(const char *s);

/* The "algorithms" test case, from check_jwt_alg.c. */
TCase	*jwt_alg_tcase(void);

#endif
