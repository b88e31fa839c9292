/*
 * Tests for JWT verification and signing (common/jwt.c).  RSA and EC
 * keys are generated once per test case with OpenSSL; test tokens
 * are signed with libjwt directly, so any claim set can be built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <jwt.h>		/* libjwt */

#include "cfg.h"
#include "jwt.h"		/* ours */
#include "suites.h"

#define NOW	((time_t)1700000000)
#define SECRET	"0123456789abcdef0123456789abcdef"

/* Keys made by keys_setup(); PEM text, NUL terminated. */
static char	*rsa_priv, *rsa_pub, *ec_priv, *ec_pub;
static char	 rsa_pub_path[] = "/tmp/check_jwt_rsa.XXXXXX";
static char	 ec_pub_path[] = "/tmp/check_jwt_ec.XXXXXX";

static char *
pem_of(EVP_PKEY *pkey, int private)
{
	BIO	*bio = BIO_new(BIO_s_mem());
	char	*data, *out;
	long	 n;

	if (private)
		PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
	else
		PEM_write_bio_PUBKEY(bio, pkey);
	n = BIO_get_mem_data(bio, &data);
	out = calloc(1, (size_t)n + 1);
	memcpy(out, data, (size_t)n);
	BIO_free(bio);
	return (out);
}

static void
write_file(char *path_template, const char *text)
{
	int	 fd = mkstemp(path_template);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
}

/* Unchecked fixture: runs once in the runner, before the tests fork. */
static void
keys_setup(void)
{
	EVP_PKEY	*rsa, *ec;

	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ck_assert_ptr_nonnull(rsa);
	ck_assert_ptr_nonnull(ec);
	rsa_priv = pem_of(rsa, 1);
	rsa_pub = pem_of(rsa, 0);
	ec_priv = pem_of(ec, 1);
	ec_pub = pem_of(ec, 0);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	write_file(rsa_pub_path, rsa_pub);
	write_file(ec_pub_path, ec_pub);
}

static void
keys_teardown(void)
{
	unlink(rsa_pub_path);
	unlink(ec_pub_path);
	free(rsa_priv);
	free(rsa_pub);
	free(ec_priv);
	free(ec_pub);
}

/* A verifier from config text; NULL if cm_jwt_verifier_new refuses. */
static struct cm_jwt_verifier *
verifier(const char *conf)
{
	struct cm_jwt_verifier	*v;
	struct cm_cfg		 cfg;

	ck_assert_int_eq(cm_cfg_load_string(&cfg, conf, "test"), 0);
	v = cm_jwt_verifier_new(&cfg);
	cm_cfg_free(&cfg);
	return (v);
}

static struct cm_jwt_verifier *
hs256_verifier(void)
{
	struct cm_jwt_verifier	*v;

	v = verifier("jwt_secret " SECRET "\n");
	ck_assert_ptr_nonnull(v);
	return (v);
}

/* Signs claims (JSON text) with libjwt; caller frees. */
static char *
sign(jwt_alg_t alg, const char *key, const char *claims)
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
static char *
claims(const char *extra)
{
	static char	 buf[1024];

	snprintf(buf, sizeof(buf), "{\"org\":\"demo\",\"role\":\"agent\","
	    "\"email\":\"a@example.com\",\"name\":\"Ann\",\"exp\":%ld%s}",
	    (long)NOW + 3600, extra);
	return (buf);
}

/* Expects v to refuse token with reason want. */
static void
assert_refused(struct cm_jwt_verifier *v, const char *token,
    const char *want)
{
	struct cm_principal	 p;
	const char		*why = NULL;

	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &p, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, want);
}

/* Signs claims with HS256 and SECRET; expects refusal with want. */
static void
assert_hs256_claims_refused(const char *json, const char *want)
{
	struct cm_jwt_verifier	*v = hs256_verifier();
	char			*token = sign(JWT_ALG_HS256, SECRET, json);

	assert_refused(v, token, want);
	free(token);
	cm_jwt_verifier_free(v);
}

/* base64url without padding; caller frees. */
static char *
b64url(const char *s)
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

START_TEST(test_hs256_token_round_trips)
{
	struct cm_jwt_verifier	*v = hs256_verifier();
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
	struct cm_jwt_verifier	*v = hs256_verifier();
	struct cm_principal	 p;
	const char		*why;
	char			*token;

	token = sign(JWT_ALG_HS256, SECRET, "{\"org\":\"demo\",\"role\":"
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
	struct cm_jwt_verifier	*v = hs256_verifier();
	struct cm_principal	 p = { 0 }, out;
	const char		*why;
	char			*token;

	strcpy(p.org, "demo");
	strcpy(p.email, "a@example.com");
	token = cm_jwt_sign_hs256(SECRET, &p, NOW - 7200, 3600, NULL, NULL);
	assert_refused(v, token, "expired");
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

START_TEST(test_nbf_in_future_is_refused)
{
	char	 extra[64];

	snprintf(extra, sizeof(extra), ",\"nbf\":%ld", (long)NOW + 600);
	assert_hs256_claims_refused(claims(extra), "not yet valid");
}
END_TEST

START_TEST(test_nbf_within_leeway_is_accepted)
{
	struct cm_jwt_verifier	*v = hs256_verifier();
	struct cm_principal	 p;
	const char		*why;
	char			 extra[64], *token;

	snprintf(extra, sizeof(extra), ",\"nbf\":%ld,\"iat\":%ld",
	    (long)NOW + 20, (long)NOW);
	token = sign(JWT_ALG_HS256, SECRET, claims(extra));
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &p, &why), 0);
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_wrong_secret_is_refused)
{
	struct cm_jwt_verifier	*v = hs256_verifier();
	char			*token;

	token = sign(JWT_ALG_HS256, "another secret, also 32 bytes ok",
	    claims(""));
	assert_refused(v, token, "bad signature");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_tampered_payload_is_refused)
{
	struct cm_jwt_verifier	*v = hs256_verifier();
	char			*token, *forged, *body, *dot1, *dot2;
	char			 buf[2048];

	token = sign(JWT_ALG_HS256, SECRET, claims(""));
	body = b64url("{\"org\":\"demo\",\"role\":\"admin\",\"email\":"
	    "\"a@example.com\",\"exp\":1700003600}");
	dot1 = strchr(token, '.');
	dot2 = strchr(dot1 + 1, '.');
	snprintf(buf, sizeof(buf), "%.*s.%s%s", (int)(dot1 - token), token,
	    body, dot2);
	forged = buf;
	assert_refused(v, forged, "bad signature");
	free(body);
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_alg_none_token_is_refused)
{
	struct cm_jwt_verifier	*v = hs256_verifier();
	char			*hdr, *hdr2, *body, token[1024];

	hdr = b64url("{\"alg\":\"none\"}");
	hdr2 = b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
	body = b64url(claims(""));
	snprintf(token, sizeof(token), "%s.%s.", hdr, body);
	assert_refused(v, token, "algorithm not allowed");
	snprintf(token, sizeof(token), "%s.%s.", hdr2, body);
	assert_refused(v, token, "algorithm not allowed");
	snprintf(token, sizeof(token), "%s.%s", hdr, body);
	assert_refused(v, token, "algorithm not allowed");
	free(hdr);
	free(hdr2);
	free(body);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_hs256_token_signed_with_public_pem_is_refused_by_rs256)
{
	struct cm_jwt_verifier	*v;
	char			 conf[256], *token;

	/* The classic confusion: the public key used as an HMAC secret. */
	snprintf(conf, sizeof(conf), "jwt_algorithm RS256\n"
	    "jwt_public_key_file %s\n", rsa_pub_path);
	v = verifier(conf);
	ck_assert_ptr_nonnull(v);
	token = sign(JWT_ALG_HS256, rsa_pub, claims(""));
	assert_refused(v, token, "algorithm not allowed");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_other_algorithm_than_configured_is_refused)
{
	struct cm_jwt_verifier	*v = hs256_verifier();
	char			*token;

	token = sign(JWT_ALG_HS384, SECRET, claims(""));
	assert_refused(v, token, "algorithm not allowed");
	free(token);
	token = sign(JWT_ALG_RS256, rsa_priv, claims(""));
	assert_refused(v, token, "algorithm not allowed");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_rs256_token_is_accepted)
{
	struct cm_jwt_verifier	*v;
	struct cm_principal	 p;
	const char		*why;
	char			 conf[256], *token;

	snprintf(conf, sizeof(conf), "jwt_algorithm RS256\n"
	    "jwt_public_key_file %s\n", rsa_pub_path);
	ck_assert_ptr_nonnull(v = verifier(conf));
	token = sign(JWT_ALG_RS256, rsa_priv, claims(""));
	ck_assert_msg(cm_jwt_verify(v, token, NOW, &p, &why) == 0,
	    "refused: %s", why);
	ck_assert_str_eq(p.email, "a@example.com");
	ck_assert_int_eq(p.role, CM_ROLE_AGENT);
	free(token);

	/* The same claims signed by the EC key do not pass. */
	token = sign(JWT_ALG_ES256, ec_priv, claims(""));
	assert_refused(v, token, "algorithm not allowed");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_es256_token_is_accepted)
{
	struct cm_jwt_verifier	*v;
	struct cm_principal	 p;
	const char		*why;
	char			 conf[256], *token, *last;

	snprintf(conf, sizeof(conf), "jwt_algorithm ES256\n"
	    "jwt_public_key_file %s\n", ec_pub_path);
	ck_assert_ptr_nonnull(v = verifier(conf));
	token = sign(JWT_ALG_ES256, ec_priv, claims(""));
	ck_assert_msg(cm_jwt_verify(v, token, NOW, &p, &why) == 0,
	    "refused: %s", why);
	ck_assert_str_eq(p.org, "demo");

	/* Flip a signature character: refused. */
	last = token + strlen(token) - 2;
	*last = *last == 'A' ? 'B' : 'A';
	assert_refused(v, token, "bad signature");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_issuer_and_audience_are_checked_when_configured)
{
	struct cm_jwt_verifier	*v;
	struct cm_principal	 p;
	const char		*why;
	char			*token;

	v = verifier("jwt_secret " SECRET "\njwt_issuer https://idp\n"
	    "jwt_audience confab\n");
	ck_assert_ptr_nonnull(v);
	token = sign(JWT_ALG_HS256, SECRET, claims(",\"iss\":\"https://idp\","
	    "\"aud\":\"confab\""));
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &p, &why), 0);
	free(token);
	token = sign(JWT_ALG_HS256, SECRET, claims(",\"iss\":\"https://idp\","
	    "\"aud\":[\"other\",\"confab\"]"));
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &p, &why), 0);
	free(token);
	token = sign(JWT_ALG_HS256, SECRET, claims(",\"iss\":\"https://evil\","
	    "\"aud\":\"confab\""));
	assert_refused(v, token, "issuer mismatch");
	free(token);
	token = sign(JWT_ALG_HS256, SECRET, claims(",\"aud\":\"confab\""));
	assert_refused(v, token, "issuer mismatch");
	free(token);
	token = sign(JWT_ALG_HS256, SECRET, claims(",\"iss\":\"https://idp\","
	    "\"aud\":\"other\""));
	assert_refused(v, token, "audience mismatch");
	free(token);
	token = sign(JWT_ALG_HS256, SECRET, claims(",\"iss\":\"https://idp\","
	    "\"aud\":[\"other\"]"));
	assert_refused(v, token, "audience mismatch");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_signed_iss_and_aud_pass_the_verifier)
{
	struct cm_jwt_verifier	*v;
	struct cm_principal	 in = { 0 }, out;
	const char		*why;
	char			*token;

	v = verifier("jwt_secret " SECRET "\njwt_issuer idp\n"
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

START_TEST(test_email_too_long_or_with_control_chars_is_refused)
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
	struct cm_jwt_verifier	*v = hs256_verifier();
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
	ck_assert_ptr_null(verifier(""));
	ck_assert_ptr_null(verifier("jwt_algorithm HS512\n"));
}
END_TEST

START_TEST(test_verifier_reads_first_line_of_secret_file)
{
	struct cm_jwt_verifier	*v;
	struct cm_principal	 p;
	const char		*why;
	char			 path[] = "/tmp/check_jwt_secret.XXXXXX";
	char			 conf[128], *token;

	write_file(path, SECRET "\r\nsecond line\n");
	snprintf(conf, sizeof(conf), "jwt_secret_file %s\n", path);
	ck_assert_ptr_nonnull(v = verifier(conf));
	token = sign(JWT_ALG_HS256, SECRET, claims(""));
	ck_assert_int_eq(cm_jwt_verify(v, token, NOW, &p, &why), 0);
	free(token);
	cm_jwt_verifier_free(v);
	unlink(path);

	write_file(strcpy(path, "/tmp/check_jwt_secret.XXXXXX"), "\nx\n");
	snprintf(conf, sizeof(conf), "jwt_secret_file %s\n", path);
	ck_assert_ptr_null(verifier(conf));
	unlink(path);
}
END_TEST

START_TEST(test_verifier_needs_a_matching_public_key)
{
	char	 conf[256];

	ck_assert_ptr_null(verifier("jwt_algorithm RS256\n"));
	ck_assert_ptr_null(verifier("jwt_algorithm RS256\n"
	    "jwt_public_key_file /nonexistent.pem\n"));
	snprintf(conf, sizeof(conf), "jwt_algorithm RS256\n"
	    "jwt_public_key_file %s\n", ec_pub_path);
	ck_assert_ptr_null(verifier(conf));
	snprintf(conf, sizeof(conf), "jwt_algorithm ES256\n"
	    "jwt_public_key_file %s\n", rsa_pub_path);
	ck_assert_ptr_null(verifier(conf));
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
	tcase_add_test(tc, test_nbf_within_leeway_is_accepted);
	tcase_add_test(tc, test_wrong_secret_is_refused);
	tcase_add_test(tc, test_tampered_payload_is_refused);
	tcase_add_test(tc, test_issuer_and_audience_are_checked_when_configured);
	tcase_add_test(tc, test_signed_iss_and_aud_pass_the_verifier);
	tcase_add_test(tc, test_missing_identity_claims_are_refused);
	tcase_add_test(tc, test_bad_role_is_refused);
	tcase_add_test(tc, test_org_too_long_or_unprintable_is_refused);
	tcase_add_test(tc, test_email_too_long_or_with_control_chars_is_refused);
	tcase_add_test(tc, test_malformed_tokens_are_refused);
	tcase_add_test(tc, test_verifier_refuses_empty_secret);
	tcase_add_test(tc, test_verifier_reads_first_line_of_secret_file);
	tcase_add_test(tc, test_role_names_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("algorithms");
	tcase_add_unchecked_fixture(tc, keys_setup, keys_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_alg_none_token_is_refused);
	tcase_add_test(tc, test_hs256_token_signed_with_public_pem_is_refused_by_rs256);
	tcase_add_test(tc, test_other_algorithm_than_configured_is_refused);
	tcase_add_test(tc, test_rs256_token_is_accepted);
	tcase_add_test(tc, test_es256_token_is_accepted);
	tcase_add_test(tc, test_verifier_needs_a_matching_public_key);
	suite_add_tcase(s, tc);
	return (s);
}
