/*
 * JWT verification and signing on top of libjwt 1.10.
 *
 * libjwt 1.10 trusts the token's own header: it verifies with whatever
 * algorithm the header names, and skips verification for "none".  So
 * the algorithm is pinned here twice: the header is read before libjwt
 * sees the token (which also gives a precise reason in the log), and
 * jwt_get_alg() is checked again after jwt_decode(), before any claim
 * is read.  libjwt 1.10 checks no claims either; exp, nbf, iss and aud
 * are checked below.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <jwt.h>		/* libjwt */

#include "cfg.h"
#include "jwt.h"		/* ours: common/jwt.h */
#include "log.h"
#include "util.h"

#define JWT_TOKEN_MAX	8192
#define JWT_KEYFILE_MAX	(64 * 1024)

struct cm_jwt_verifier {
	jwt_alg_t	 alg;
	unsigned char	*key;		/* HMAC secret or PEM public key */
	size_t		 keylen;
	char		*iss;		/* NULL: not checked */
	char		*aud;		/* NULL: not checked */
	int		 leeway;
};

static const char *const role_names[] = {
	[CM_ROLE_CUSTOMER] =	"customer",
	[CM_ROLE_AGENT] =	"agent",
	[CM_ROLE_ADMIN] =	"admin",
};

const char *
cm_role_name(enum cm_role role)
{
	if ((unsigned)role >= sizeof(role_names) / sizeof(role_names[0]))
		return ("unknown");
	return (role_names[role]);
}

int
cm_role_parse(const char *name, enum cm_role *role)
{
	size_t	 i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (name != NULL && strcmp(name, role_names[i]) == 0) {
			*role = (enum cm_role)i;
			return (0);
		}
	return (-1);
}

/* Reads a key file named by config key; logs why not. */
static char *
jwt_read_file(const char *path, const char *key, size_t *lenp)
{
	char	*buf;

	if ((buf = cm_read_file(path, JWT_KEYFILE_MAX, lenp)) == NULL)
		cm_log_err("msg=\"bad config\" err=\"%s: %s: %s\"", key,
		    path, errno == EFBIG ? "larger than 64 KiB" :
		    strerror(errno));
	return (buf);
}

char *
cm_jwt_secret_load(const struct cm_cfg *cfg)
{
	char	*secret;
	size_t	 len;

	if (cfg->jwt_secret[0] != '\0')
		return (cm_strdup(cfg->jwt_secret));
	if (cfg->jwt_secret_file[0] == '\0') {
		cm_log_err("msg=\"bad config\" err=\"jwt_secret: not set (nor "
		    "jwt_secret_file)\"");
		return (NULL);
	}
	if ((secret = jwt_read_file(cfg->jwt_secret_file, "jwt_secret_file",
	    &len)) == NULL)
		return (NULL);
	secret[strcspn(secret, "\r\n")] = '\0';	/* the first line */
	if (secret[0] == '\0') {
		cm_log_err("msg=\"bad config\" err=\"jwt_secret_file: %s: "
		    "empty first line\"", cfg->jwt_secret_file);
		free(secret);
		return (NULL);
	}
	return (secret);
}

/* Checks that pem holds a public key of the family alg needs. */
static int
jwt_check_pem(jwt_alg_t alg, const char *pem, size_t len, const char *path)
{
	BIO		*bio;
	EVP_PKEY	*pkey = NULL;
	int		 want, rv = -1;

	want = alg >= JWT_ALG_ES256 ? EVP_PKEY_EC : EVP_PKEY_RSA;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) != NULL)
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (pkey == NULL)
		cm_log_err("msg=\"bad config\" err=\"jwt_public_key_file: %s: "
		    "no PEM public key\"", path);
	else if (EVP_PKEY_get_base_id(pkey) != want)
		cm_log_err("msg=\"bad config\" err=\"jwt_public_key_file: %s: "
		    "not an %s key\"", path,
		    want == EVP_PKEY_EC ? "EC" : "RSA");
	else
		rv = 0;
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return (rv);
}

struct cm_jwt_verifier *
cm_jwt_verifier_new(const struct cm_cfg *cfg)
{
	struct cm_jwt_verifier	*v;
	char			*key;
	size_t			 len;
	jwt_alg_t		 alg;

	alg = jwt_str_alg(cfg->jwt_algorithm);
	if (alg == JWT_ALG_INVAL || alg == JWT_ALG_NONE) {
		cm_log_err("msg=\"bad config\" err=\"jwt_algorithm: %s: "
		    "unsupported algorithm\"", cfg->jwt_algorithm);
		return (NULL);
	}
	if (alg <= JWT_ALG_HS512) {
		if ((key = cm_jwt_secret_load(cfg)) == NULL)
			return (NULL);
		len = strlen(key);
		if (len < 32)
			cm_log_warn("msg=\"weak jwt secret\" bytes=%zu "
			    "min=32", len);
	} else {
		if (cfg->jwt_public_key_file[0] == '\0') {
			cm_log_err("msg=\"bad config\" err=\"jwt_public_key_"
			    "file: required for %s\"", cfg->jwt_algorithm);
			return (NULL);
		}
		if ((key = jwt_read_file(cfg->jwt_public_key_file,
		    "jwt_public_key_file", &len)) == NULL)
			return (NULL);
		if (jwt_check_pem(alg, key, len,
		    cfg->jwt_public_key_file) == -1) {
			free(key);
			return (NULL);
		}
	}

	v = cm_calloc(1, sizeof(*v));
	v->alg = alg;
	v->key = (unsigned char *)key;
	v->keylen = len;
	if (cfg->jwt_issuer[0] != '\0')
		v->iss = cm_strdup(cfg->jwt_issuer);
	if (cfg->jwt_audience[0] != '\0')
		v->aud = cm_strdup(cfg->jwt_audience);
	v->leeway = cfg->jwt_leeway_s;
	return (v);
}

void
cm_jwt_verifier_free(struct cm_jwt_verifier *v)
{
	if (v == NULL)
		return;
	OPENSSL_cleanse(v->key, v->keylen);
	free(v->key);
	free(v->iss);
	free(v->aud);
	free(v);
}

/*
 * Reads the "alg" of the token's header (base64url JSON before the
 * first dot).  Returns JWT_ALG_INVAL if the header is malformed or
 * names no algorithm libjwt knows.
 */
static jwt_alg_t
jwt_header_alg(const char *token)
{
	unsigned char	*in, *out;
	const char	*alg;
	cJSON		*hdr;
	size_t		 n, i, pad;
	int		 len;
	jwt_alg_t	 rv = JWT_ALG_INVAL;

	n = strcspn(token, ".");
	if (token[n] != '.' || n == 0 || n % 4 == 1)
		return (JWT_ALG_INVAL);
	pad = (4 - n % 4) % 4;
	in = cm_malloc(n + pad + 1);
	out = cm_malloc((n + pad) / 4 * 3 + 1);
	for (i = 0; i < n; i++) {
		in[i] = (unsigned char)token[i];
		if (token[i] == '-')
			in[i] = '+';
		else if (token[i] == '_')
			in[i] = '/';
		else if (token[i] == '+' || token[i] == '/' || token[i] == '=')
			goto out;		/* not base64url */
	}
	memset(in + n, '=', pad);
	if ((len = EVP_DecodeBlock(out, in, (int)(n + pad))) < (int)pad)
		goto out;
	len -= (int)pad;
	if ((hdr = cm_json_parse((const char *)out, (size_t)len)) != NULL) {
		if ((alg = cm_json_str(hdr, "alg")) != NULL)
			rv = jwt_str_alg(alg);
		cJSON_Delete(hdr);
	}
out:
	free(in);
	free(out);
	return (rv);
}

/* Copies a string claim of at most max bytes; returns why not, or NULL. */
static const char *
jwt_claim_str(const cJSON *claims, const char *name, char *out, size_t max,
    const char *missing, const char *too_long)
{
	const char	*s, *p;

	if ((s = cm_json_str(claims, name)) == NULL || *s == '\0')
		return (missing);
	if (strlen(s) > max)
		return (too_long);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ("control character in claim");
	memcpy(out, s, strlen(s) + 1);
	return (NULL);
}

/* aud may be one string or an array of strings (RFC 7519, 4.1.3). */
static int
jwt_aud_matches(const cJSON *aud, const char *want)
{
	const cJSON	*item;

	if (cJSON_IsString(aud))
		return (strcmp(aud->valuestring, want) == 0);
	if (!cJSON_IsArray(aud))
		return (0);
	cJSON_ArrayForEach(item, aud)
		if (cJSON_IsString(item) &&
		    strcmp(item->valuestring, want) == 0)
			return (1);
	return (0);
}

/* Checks the claims of a token whose signature is already verified. */
static const char *
jwt_check_claims(const struct cm_jwt_verifier *v, const cJSON *c,
    time_t now, struct cm_principal *p)
{
	const cJSON	*exp, *nbf;
	const char	*s, *why;
	double		 t = (double)now;

	exp = cJSON_GetObjectItemCaseSensitive(c, "exp");
	if (!cJSON_IsNumber(exp) || !isfinite(exp->valuedouble))
		return ("missing exp");
	if (t >= exp->valuedouble + v->leeway)
		return ("expired");
	nbf = cJSON_GetObjectItemCaseSensitive(c, "nbf");
	if (nbf != NULL && (!cJSON_IsNumber(nbf) ||
	    !isfinite(nbf->valuedouble)))
		return ("bad nbf");
	if (nbf != NULL && t + v->leeway < nbf->valuedouble)
		return ("not yet valid");
	if (v->iss != NULL && ((s = cm_json_str(c, "iss")) == NULL ||
	    strcmp(s, v->iss) != 0))
		return ("issuer mismatch");
	if (v->aud != NULL && !jwt_aud_matches(
	    cJSON_GetObjectItemCaseSensitive(c, "aud"), v->aud))
		return ("audience mismatch");

	if ((why = jwt_claim_str(c, "org", p->org, CM_ORG_MAX, "missing org",
	    "org too long")) != NULL)
		return (why);
	if (!cm_org_valid(p->org))
		return ("bad org");
	if ((s = cm_json_str(c, "role")) == NULL)
		return ("missing role");
	if (cm_role_parse(s, &p->role) == -1)
		return ("bad role");
	if (cm_json_str(c, "email") != NULL)
		why = jwt_claim_str(c, "email", p->email, CM_EMAIL_MAX,
		    "missing email", "email too long");
	else
		why = jwt_claim_str(c, "sub", p->email, CM_EMAIL_MAX,
		    "missing email", "email too long");
	if (why != NULL)
		return (why);
	p->name[0] = '\0';
	if ((s = cm_json_str(c, "name")) != NULL && *s != '\0' &&
	    (why = jwt_claim_str(c, "name", p->name, CM_NAME_MAX,
	    "bad name", "name too long")) != NULL)
		return (why);
	p->exp = exp->valuedouble > 4e12 ? (time_t)4e12 :
	    (time_t)exp->valuedouble;
	return (NULL);
}

int
cm_jwt_verify(const struct cm_jwt_verifier *v, const char *token,
    time_t now, struct cm_principal *p, const char **why)
{
	struct cm_principal	 tmp;
	jwt_t			*jwt = NULL;
	char			*grants = NULL;
	cJSON			*claims = NULL;

	memset(&tmp, 0, sizeof(tmp));
	*why = NULL;
	if (token == NULL || *token == '\0')
		*why = "missing token";
	else if (strlen(token) > JWT_TOKEN_MAX)
		*why = "token too long";
	else if (jwt_header_alg(token) != v->alg)
		*why = "algorithm not allowed";
	else if (jwt_decode(&jwt, token, v->key, (int)v->keylen) != 0)
		*why = "bad signature";
	else if (jwt_get_alg(jwt) != v->alg)	/* never trust the header */
		*why = "algorithm not allowed";
	else if ((grants = jwt_get_grants_json(jwt, NULL)) == NULL ||
	    (claims = cJSON_Parse(grants)) == NULL || !cJSON_IsObject(claims))
		*why = "bad claims";
	else
		*why = jwt_check_claims(v, claims, now, &tmp);

	cJSON_Delete(claims);
	free(grants);			/* libjwt 1.10 allocates with malloc */
	jwt_free(jwt);
	if (*why != NULL)
		return (-1);
	*p = tmp;
	return (0);
}

char *
cm_jwt_sign_hs256(const char *secret, const struct cm_principal *p,
    time_t now, long ttl_s, const char *iss, const char *aud)
{
	jwt_t	*jwt = NULL;
	char	*token = NULL;
	int	 err = 0;

	if (secret == NULL || *secret == '\0' || jwt_new(&jwt) != 0) {
		cm_log_err("msg=\"jwt sign\" err=\"no secret or no memory\"");
		return (NULL);
	}
	err |= jwt_add_grant(jwt, "org", p->org);
	err |= jwt_add_grant(jwt, "role", cm_role_name(p->role));
	err |= jwt_add_grant(jwt, "email", p->email);
	err |= jwt_add_grant(jwt, "sub", p->email);
	if (p->name[0] != '\0')
		err |= jwt_add_grant(jwt, "name", p->name);
	err |= jwt_add_grant_int(jwt, "iat", (long)now);
	err |= jwt_add_grant_int(jwt, "exp", (long)now + ttl_s);
	if (iss != NULL && *iss != '\0')
		err |= jwt_add_grant(jwt, "iss", iss);
	if (aud != NULL && *aud != '\0')
		err |= jwt_add_grant(jwt, "aud", aud);
	err |= jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret,
	    (int)strlen(secret));
	if (err == 0)
		token = jwt_encode_str(jwt);	/* malloc'd: caller frees */
	if (token == NULL)
		cm_log_err("msg=\"jwt sign\" err=\"libjwt failed\"");
	jwt_free(jwt);
	return (token);
}

void
cm_principal_json(struct cm_buf *b, const struct cm_principal *p)
{
	cm_buf_puts(b, "{\"org\":");
	cm_buf_json_str(b, p->org);
	cm_buf_printf(b, ",\"role\":\"%s\",\"email\":", cm_role_name(p->role));
	cm_buf_json_str(b, p->email);
	cm_buf_puts(b, ",\"name\":");
	cm_buf_json_str(b, p->name);
	cm_buf_puts(b, "}");
}
