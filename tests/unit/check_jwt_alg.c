/*
 * JWT algorithm tests: "none" and key confusion are refused, RS256 and
 * ES256 tokens are accepted with the right public key only.  An RSA and
 * an EC key pair are generated once per run with OpenSSL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "check_jwt.h"

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
	jt_write_file(rsa_pub_path, rsa_pub);
	jt_write_file(ec_pub_path, ec_pub);
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

START_TEST(test_alg_none_token_is_refused)
{
	struct cm_jwt_verifier	*v = jt_hs256_verifier();
	char			*hdr, *hdr2, *body, token[1024];

	hdr = jt_b64url("{\"alg\":\"none\"}");
	hdr2 = jt_b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
	body = jt_b64url(jt_claims(""));
	snprintf(token, sizeof(token), "%s.%s.", hdr, body);
	jt_assert_refused(v, token, "algorithm not allowed");
	snprintf(token, sizeof(token), "%s.%s.", hdr2, body);
	jt_assert_refused(v, token, "algorithm not allowed");
	snprintf(token, sizeof(token), "%s.%s", hdr, body);
	jt_assert_refused(v, token, "algorithm not allowed");
	free(hdr);
	free(hdr2);
	free(body);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_key_confusion_hs256_with_rsa_pem_is_refused)
{
	struct cm_jwt_verifier	*v;
	char			 conf[256], *token;

	/* The classic confusion: the public key used as an HMAC secret. */
	snprintf(conf, sizeof(conf), "jwt_algorithm RS256\n"
	    "jwt_public_key_file %s\n", rsa_pub_path);
	v = jt_verifier(conf);
	ck_assert_ptr_nonnull(v);
	token = jt_sign(JWT_ALG_HS256, rsa_pub, jt_claims(""));
	jt_assert_refused(v, token, "algorithm not allowed");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_other_algorithm_than_configured_is_refused)
{
	struct cm_jwt_verifier	*v = jt_hs256_verifier();
	char			*token;

	token = jt_sign(JWT_ALG_HS384, SECRET, jt_claims(""));
	jt_assert_refused(v, token, "algorithm not allowed");
	free(token);
	token = jt_sign(JWT_ALG_RS256, rsa_priv, jt_claims(""));
	jt_assert_refused(v, token, "algorithm not allowed");
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
	ck_assert_ptr_nonnull(v = jt_verifier(conf));
	token = jt_sign(JWT_ALG_RS256, rsa_priv, jt_claims(""));
	ck_assert_msg(cm_jwt_verify(v, token, NOW, &p, &why) == 0,
	    "refused: %s", why);
	ck_assert_str_eq(p.email, "a@example.com");
	ck_assert_int_eq(p.role, CM_ROLE_AGENT);
	free(token);

	/* The same claims signed by the EC key do not pass. */
	token = jt_sign(JWT_ALG_ES256, ec_priv, jt_claims(""));
	jt_assert_refused(v, token, "algorithm not allowed");
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
	ck_assert_ptr_nonnull(v = jt_verifier(conf));
	token = jt_sign(JWT_ALG_ES256, ec_priv, jt_claims(""));
	ck_assert_msg(cm_jwt_verify(v, token, NOW, &p, &why) == 0,
	    "refused: %s", why);
	ck_assert_str_eq(p.org, "demo");

	/* Flip a signature character: refused. */
	last = token + strlen(token) - 2;
	*last = *last == 'A' ? 'B' : 'A';
	jt_assert_refused(v, token, "bad signature");
	free(token);
	cm_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_verifier_needs_a_matching_public_key)
{
	char	 conf[256];

	jt_quiet();
	ck_assert_ptr_null(jt_verifier("jwt_algorithm RS256\n"));
	ck_assert_ptr_null(jt_verifier("jwt_algorithm RS256\n"
	    "jwt_public_key_file /nonexistent.pem\n"));
	snprintf(conf, sizeof(conf), "jwt_algorithm RS256\n"
	    "jwt_public_key_file %s\n", ec_pub_path);
	ck_assert_ptr_null(jt_verifier(conf));
	snprintf(conf, sizeof(conf), "jwt_algorithm ES256\n"
	    "jwt_public_key_file %s\n", rsa_pub_path);
	ck_assert_ptr_null(jt_verifier(conf));
}
END_TEST

TCase *
jwt_alg_tcase(void)
{
	TCase	*tc = tcase_create("algorithms");

	/* Unchecked: the keys are made once, in the runner, not per fork. */
	tcase_add_unchecked_fixture(tc, keys_setup, keys_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_alg_none_token_is_refused);
	tcase_add_test(tc, test_key_confusion_hs256_with_rsa_pem_is_refused);
	tcase_add_test(tc, test_other_algorithm_than_configured_is_refused);
	tcase_add_test(tc, test_rs256_token_is_accepted);
	tcase_add_test(tc, test_es256_token_is_accepted);
	tcase_add_test(tc, test_verifier_needs_a_matching_public_key);
	return (tc);
}
