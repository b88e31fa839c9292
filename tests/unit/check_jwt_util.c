/* Helpers shared by the JWT tests; see check_jwt.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>

#include "cfg.h"
#include "check_jwt.h"
#include "log.h"

/* Drops the error lines of tests that expect an error (tests fork). */
void
jt_quiet(void)
{
	cm_log_threshold = 0;
}

/* Writes text to a new file made from path_template (mkstemp). */
void
jt_write_file(char *path_template, const char *text)
{
	int	 fd = mkstemp(path_template);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
}

/* A verifier from config text; NULL if cm_jwt_verifier_new refuses. */
struct cm_jwt_verifier *
jt_verifier(const char *conf)
{
	struct cm_jwt_verifier	*v;
	struct cm_cfg		 cfg;

	ck_assert_int_eq(cm_cfg_load_string(&cfg, conf, "test"), 0);
	v = cm_jwt_verifier_new(&cfg);
	cm_cfg_free(&cfg);
	return (v);
}

struct cm_jwt_verifier *
jt_hs256_verifier(void)
{
	struct cm_jwt_verifier	*v;

	v = jt_verifier("jwt_secret " SECRET "\n");
	ck_assert_ptr_nonnull(v);
	return (v);
}

/* Signs claims (JSON text) with libjwt; caller frees. */
char *
jt_sign(jwt_alg_t alg, const char *key, const char *claims)
{
	jwt_t	*jwt;
	char	*token;

	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_add_grants_json(jwt, claims), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, alg, (const unsigned char *)key,
	    (int)strlen(key)), 0);
	token = jwt_encode_str(jwt);
	ck_assert_ptr_nonnull(token);
	jwt_free(jwt);
	return (token);
}

/* The usual claims with extra members spliced in (extra may be ""). */
char *
jt_claims(const char *extra)
{
	static char	 buf[1024];

	snprintf(buf, sizeof(buf), "{\"org\":\"demo\",\"role\":\"agent\","
	    "\"email\":\"a@example.com\",\"name\":\"Ann\",\"exp\":%ld%s}",
	    (long)NOW + 3600, extra);
	return (buf);
}

/* Expects v to refuse token with reason want. */
void
jt_assert_refused(struct cm_jwt_verifier *v, const char *token,
    const char *want)
{
	struct cm_principal	 p;
	const char		*why = NULL;

	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &p, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, want);
}

/* base64url without padding; caller frees. */
char *
jt_b64url(const char *s)
{
	size_t	 n = strlen(s);
	char	*out = calloc(1, 4 * ((n + 2) / 3) + 1);
	int	 len, i;

	len = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s,
	    (int)n);
	for (i = 0; i < len; i++)
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	while (len > 0 && out[len - 1] == '=')
		out[--len] = '\0';
	return (out);
}
