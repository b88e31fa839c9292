/*
 * Tests for JWT verification and signing (common/jwt.c): HS256 tokens,
 * time and identity claims, and the verifier's configuration.  The
 * algorithm tests (none, confusion, RS256, ES256) are in check_jwt_alg.c.
 * Test tokens are signed with libjwt directly, so any claim set can be
 * built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "cfg.h"
#include "check_jwt.h"
#include "log.h"
#include "suites.h"

/* Signs claims with HS256 and SECRET; expects refusal with want. */
static void
assert_hs256_claims_refused(const char *json, const char *want)
{
	struct cm_jwt_verifier	*v = jt_hs256_verifier();
	char			*token = jt_sign(JWT_ALG_HS256, SECRET, json);

	jt_assert_refused(v, token, want);
	free(token);
	cm_jwt_verifier_free(v);
}

START_TEST(test_hs256_token_round_trips)
{
	struct cm_jwt_verifier	*v = jt_hs256_verifier();
	struct cm_principal	 in = { 0 }, out;
	const char		*why = "unset";
	char			*token;

	in.role = CM_ROLE_CUSTOMER;
	strcpy(in.org, "demo");
	strcpy(in.email, "c@example.com");
	strcpy(in.name, "Carla");
	token = cm_jwt_sign_hs256(SECRET, &in, NOW, 3600, NULL, "");
	ck_assert_ptr_nonnull(token);
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW + 60, &out, &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(out.role, CM_ROLE_CUSTOMER);
	ck_assert_str_eq(out.org, "demo");
	ck_assert_str_eq(out.email, "c@example.com");
	ck_assert_str_eq(out.name, "Carla");
	ck_assert_int_eq(out.exp, NOW + 3600);
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_hs256_token_without_name_has_empty_name)
{
	struct cm_jwt_verifier	*v = jt_hs256_verifier();
	struct cm_principal	 p;
	const char		*why;
	char			*token;

	token = jt_sign(JWT_ALG_HS256, SECRET, "{\"org\":\"demo\",\"role\":"
	    "\"admin\",\"sub\":\"boss@example.com\",\"exp\":1700003600}");
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &p, &why), 0);
	ck_assert_int_eq(p.role, CM_ROLE_ADMIN);
	ck_assert_str_eq(p.email, "boss@example.com");	/* from sub */
	ck_assert_str_eq(p.name, "");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_expired_token_is_refused)
{
	struct cm_jwt_verifier	*v = jt_hs256_verifier();
	struct cm_principal	 p = { 0 }, out;
	const char		*why;
	char			*token;

	strcpy(p.org, "demo");
	strcpy(p.email, "a@example.com");
	token = cm_jwt_sign_hs256(SECRET, &p, NOW - 7200, 3600, NULL, NULL);
	jt_assert_refused(v, token, "expired");
	free(token);

	/* Within the 30 s leeway it still passes; past it, it does not. */
	token = cm_jwt_sign_hs256(SECRET, &p, NOW - 3610, 3600, NULL, NULL);
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &out, &why), 0);
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW + 21, &out, &why), -1);
	ck_assert_str_eq(why, "expired");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_token_without_exp_is_refused)
{
	assert_hs256_claims_refused("{\"org\":\"demo\",\"role\":\"agent\","
	    "\"email\":\"a@example.com\"}", "missing exp");
	assert_hs256_claims_refused("{\"org\":\"demo\",\"role\":\"agent\","
	    "\"email\":\"a@example.com\",\"exp\":\"tomorrow\"}", "missing exp");
}
END_TEST

START_TEST(test_org_with_key_syntax_is_refused)
{
	char claims[256];

	snprintf(claims, sizeof(claims), "{\"org\":\"de}mo\",\"role\":"
	    "\"agent\",\"email\":\"a@example.com\",\"exp\":%ld}",
	    (long)time(NULL) + 600);
	assert_hs256_claims_refused(claims, "bad org");
}
END_TEST

START_TEST(test_nbf_in_future_is_refused)
{
	char	 extra[64];

	snprintf(extra, sizeof(extra), ",\"nbf\":%ld", (long)NOW + 600);
	assert_hs256_claims_refused(jt_claims(extra), "not yet valid");
}
END_TEST

START_TEST(test_nbf_within_leeway_is_accepted)
{
	struct cm_jwt_verifier	*v = jt_hs256_verifier();
	struct cm_principal	 p;
	const char		*why;
	char			 extra[64], *token;

	snprintf(extra, sizeof(extra), ",\"nbf\":%ld,\"iat\":%ld",
	    (long)NOW + 20, (long)NOW);
	token = jt_sign(JWT_ALG_HS256, SECRET, jt_claims(extra));
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &p, &why), 0);
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_wrong_secret_is_refused)
{
	struct cm_jwt_verifier	*v = jt_hs256_verifier();
	char			*token;

	token = jt_sign(JWT_ALG_HS256, "another secret, also 32 bytes ok",
	    jt_claims(""));
	jt_assert_refused(v, token, "bad signature");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_tampered_payload_is_refused)
{
	struct cm_jwt_verifier	*v = jt_hs256_verifier();
	char			*token, *forged, *body, *dot1, *dot2;
	char			 buf[2048];

	token = jt_sign(JWT_ALG_HS256, SECRET, jt_claims(""));
	body = jt_b64url("{\"org\":\"demo\",\"role\":\"admin\",\"email\":"
	    "\"a@example.com\",\"exp\":1700003600}");
	dot1 = strchr(token, '.');
	dot2 = strchr(dot1 + 1, '.');
	snprintf(buf, sizeof(buf), "%.*s.%s%s", (int)(dot1 - token), token,
	    body, dot2);
	forged = buf;
	jt_assert_refused(v, forged, "bad signature");
	free(body);
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_iss_and_aud_are_checked_when_set)
{
	static const struct {
		const char	*extra;
		const char	*why;		/* NULL: accepted */
	} cases[] = {
		{ ",\"iss\":\"https://idp\",\"aud\":\"confab\"", NULL },
		{ ",\"iss\":\"https://idp\",\"aud\":[\"x\",\"confab\"]", NULL },
		{ ",\"iss\":\"https://evil\",\"aud\":\"confab\"",
		    "issuer mismatch" },
		{ ",\"aud\":\"confab\"", "issuer mismatch" },
		{ ",\"iss\":\"https://idp\",\"aud\":\"other\"",
		    "audience mismatch" },
		{ ",\"iss\":\"https://idp\",\"aud\":[\"other\"]",
		    "audience mismatch" },
		{ ",\"iss\":\"https://idp\"", "audience mismatch" },
	};
	struct cm_jwt_verifier	*v;
	struct cm_principal	 p;
	const char		*why;
	char			*token;
	size_t			 i;

	v = jt_verifier("jwt_secret " SECRET "\njwt_issuer https://idp\n"
	    "jwt_audience confab\n");
	ck_assert_ptr_nonnull(v);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		token = jt_sign(JWT_ALG_HS256, SECRET,
		    jt_claims(cases[i].extra));
		if (cases[i].why == NULL)
			ck_assert_msg(cm_jwt_verify(v, token, NOW, &p,
			    &why) == 0, "case %zu refused: %s", i, why);
		else
			jt_assert_refused(v, token, cases[i].why);
		free(token);
	}
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_signed_iss_and_aud_pass_the_verifier)
{
	struct cm_jwt_verifier	*v;
	struct cm_principal	 in = { 0 }, out;
	const char		*why;
	char			*token;

	v = jt_verifier("jwt_secret " SECRET "\njwt_issuer idp\n"
	    "jwt_audience confab\n");
	strcpy(in.org, "demo");
	strcpy(in.email, "a@example.com");
	in.role = CM_ROLE_AGENT;
	token = cm_jwt_sign_hs256(SECRET, &in, NOW, 60, "idp", "confab");
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &out, &why), 0);
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_missing_identity_claims_are_refused)
{
	assert_hs256_claims_refused("{\"role\":\"agent\",\"email\":\"a@b\","
	    "\"exp\":1700003600}", "missing org");
	assert_hs256_claims_refused("{\"org\":\"\",\"role\":\"agent\","
	    "\"email\":\"a@b\",\"exp\":1700003600}", "missing org");
	assert_hs256_claims_refused("{\"org\":\"demo\",\"email\":\"a@b\","
	    "\"exp\":1700003600}", "missing role");
	assert_hs256_claims_refused("{\"org\":\"demo\",\"role\":\"agent\","
	    "\"exp\":1700003600}", "missing email");
	assert_hs256_claims_refused("{\"org\":\"demo\",\"role\":\"agent\","
	    "\"email\":7,\"exp\":1700003600}", "missing email");
}
END_TEST

START_TEST(test_bad_role_is_refused)
{
	assert_hs256_claims_refused("{\"org\":\"demo\",\"role\":\"root\","
	    "\"email\":\"a@b\",\"exp\":1700003600}", "bad role");
	assert_hs256_claims_refused("{\"org\":\"demo\",\"role\":\"Agent\","
	    "\"email\":\"a@b\",\"exp\":1700003600}", "bad role");
}
END_TEST

START_TEST(test_org_too_long_or_unprintable_is_refused)
{
	char	 json[512], org[CM_ORG_MAX + 2];

	memset(org, 'o', CM_ORG_MAX + 1);
	org[CM_ORG_MAX + 1] = '\0';
	snprintf(json, sizeof(json), "{\"org\":\"%s\",\"role\":\"agent\","
	    "\"email\":\"a@b\",\"exp\":1700003600}", org);
	assert_hs256_claims_refused(json, "org too long");
	assert_hs256_claims_refused("{\"org\":\"de mo\",\"role\":\"agent\","
	    "\"email\":\"a@b\",\"exp\":1700003600}", "bad org");
}
END_TEST

START_TEST(test_bad_email_is_refused)
{
	char	 json[1024], email[CM_EMAIL_MAX + 2];

	memset(email, 'e', CM_EMAIL_MAX + 1);
	email[CM_EMAIL_MAX + 1] = '\0';
	snprintf(json, sizeof(json), "{\"org\":\"demo\",\"role\":\"agent\","
	    "\"email\":\"%s\",\"exp\":1700003600}", email);
	assert_hs256_claims_refused(json, "email too long");
	assert_hs256_claims_refused("{\"org\":\"demo\",\"role\":\"agent\","
	    "\"email\":\"a\\nb\",\"exp\":1700003600}",
	    "control character in claim");
}
END_TEST

START_TEST(test_malformed_tokens_are_refused)
{
	struct cm_jwt_verifier	*v = jt_hs256_verifier();
	struct cm_principal	 p;
	const char		*why;
	static const char *const bad[] = { "", "abc", "a.b.c", "...",
	    "eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9..",
	    "eyJhbGciOiJIUzI1NiJ9.e30.", "e30.e30.e30", "!!!!.e30.x" };
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cm_jwt_verify(v, bad[i], NOW, &p, &why) == -1,
		    "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(cm_jwt_verify(v, NULL, NOW, &p, &why), -1);
	ck_assert_str_eq(why, "missing token");
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_verifier_refuses_empty_secret)
{
	jt_quiet();
	ck_assert_ptr_null(jt_verifier(""));
	ck_assert_ptr_null(jt_verifier("jwt_algorithm HS512\n"));
}
END_TEST

START_TEST(test_verifier_reads_first_line_of_secret_file)
{
	struct cm_jwt_verifier	*v;
	struct cm_principal	 p;
	const char		*why;
	char			 path[] = "/tmp/check_jwt_secret.XXXXXX";
	char			 conf[128], *token;

	jt_write_file(path, SECRET "\r\nsecond line\n");
	snprintf(conf, sizeof(conf), "jwt_secret_file %s\n", path);
	ck_assert_ptr_nonnull(v = jt_verifier(conf));
	token = jt_sign(JWT_ALG_HS256, SECRET, jt_claims(""));
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &p, &why), 0);
	free(token);
	cm_jwt_verifier_free(v);
	unlink(path);

	jt_quiet();
	jt_write_file(strcpy(path, "/tmp/check_jwt_secret.XXXXXX"), "\nx\n");
	snprintf(conf, sizeof(conf), "jwt_secret_file %s\n", path);
	ck_assert_ptr_null(jt_verifier(conf));
	unlink(path);
}
END_TEST

START_TEST(test_role_names_round_trip)
{
	enum cm_role	 r;

	ck_assert_int_eq(cm_role_parse("customer", &r), 0);
	ck_assert_int_eq(r, CM_ROLE_CUSTOMER);
	ck_assert_int_eq(cm_role_parse("admin", &r), 0);
	ck_assert_str_eq(cm_role_name(r), "admin");
	ck_assert_str_eq(cm_role_name(CM_ROLE_AGENT), "agent");
	ck_assert_int_eq(cm_role_parse("", &r), -1);
	ck_assert_int_eq(cm_role_parse(NULL, &r), -1);
}
END_TEST

Suite *
jwt_suite(void)
{
	Suite	*s = suite_create("jwt");
	TCase	*tc;

	tc = tcase_create("hs256");
	tcase_add_test(tc, test_hs256_token_round_trips);
	tcase_add_test(tc, test_hs256_token_without_name_has_empty_name);
	tcase_add_test(tc, test_expired_token_is_refused);
	tcase_add_test(tc, test_token_without_exp_is_refused);
	tcase_add_test(tc, test_nbf_in_future_is_refused);
	tcase_add_test(tc, test_org_with_key_syntax_is_refused);
	tcase_add_test(tc, test_nbf_within_leeway_is_accepted);
	tcase_add_test(tc, test_wrong_secret_is_refused);
	tcase_add_test(tc, test_tampered_payload_is_refused);
	tcase_add_test(tc, test_iss_and_aud_are_checked_when_set);
	tcase_add_test(tc, test_signed_iss_and_aud_pass_the_verifier);
	tcase_add_test(tc, test_missing_identity_claims_are_refused);
	tcase_add_test(tc, test_bad_role_is_refused);
	tcase_add_test(tc, test_org_too_long_or_unprintable_is_refused);
	tcase_add_test(tc, test_bad_email_is_refused);
	tcase_add_test(tc, test_malformed_tokens_are_refused);
	tcase_add_test(tc, test_verifier_refuses_empty_secret);
	tcase_add_test(tc, test_verifier_reads_first_line_of_secret_file);
	tcase_add_test(tc, test_role_names_round_trip);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, jwt_alg_tcase());
	return (s);
}
