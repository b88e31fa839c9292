/*
 * GET /chat/ice-servers (seed 001's WebRTC bridge): the STUN and TURN
 * servers a widget or a console gives its RTCPeerConnection, from the
 * config's ice_servers.  With turn_secret, each TURN server comes with
 * credentials that coturn's use-auth-secret accepts until they expire:
 * username "EXPIRY:ORG:EMAIL", credential base64(HMAC-SHA1(secret,
 * username)), so that only signed-in users relay through it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "qs.h"
#include "util.h"

/* The coturn credential for user into out (base64, NUL-terminated). */
static int
qs_ice_credential(const char *secret, const char *user, char *out,
    size_t size)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 len = 0;

	if (HMAC(EVP_sha1(), secret, (int)strlen(secret),
	    (const unsigned char *)user, strlen(user), mac, &len) == NULL ||
	    size < 4 * ((len + 2) / 3) + 1)
		return (-1);
	EVP_EncodeBlock((unsigned char *)out, mac, (int)len);
	return (0);
}

void
qs_rest_ice(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*p = cfg->ice_servers, *end;
	char			 url[256], user[CM_ORG_MAX + CM_EMAIL_MAX + 32];
	char			 cred[64];
	cJSON			*out, *list, *srv;
	size_t			 n;
	int			 turn;

	snprintf(user, sizeof(user), "%lld:%s:%s", (long long)time(NULL) +
	    cfg->turn_credential_ttl_s, req->user.org, req->user.email);
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "iceServers");
	while (*p != '\0') {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) == 0)
			break;
		end = p + n;
		if (n >= sizeof(url)) {		/* cfg.c refuses these */
			p = end;
			continue;
		}
		memcpy(url, p, n);
		url[n] = '\0';
		p = end;
		srv = cJSON_CreateObject();
		cJSON_AddItemToArray(cJSON_AddArrayToObject(srv, "urls"),
		    cJSON_CreateString(url));
		turn = strncmp(url, "turn:", 5) == 0 ||
		    strncmp(url, "turns:", 6) == 0;
		if (turn && cfg->turn_secret[0] != '\0' &&
		    qs_ice_credential(cfg->turn_secret, user, cred,
		    sizeof(cred)) == 0) {
			cJSON_AddStringToObject(srv, "username", user);
			cJSON_AddStringToObject(srv, "credential", cred);
		}
		cJSON_AddItemToArray(list, srv);
	}
	cJSON_AddNumberToObject(out, "ttl", cfg->turn_credential_ttl_s);
	cm_rest_ok(rep, 200, out);
}
