/* libFuzzer target: JWT verification of arbitrary tokens (HS256). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "jwt.h"
#include "log.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct cm_jwt_verifier *v;
	struct cm_principal p;
	const char *why;
	char *token;

	if (v == NULL) {
		static struct cm_cfg cfg;	/* lives as long as v */

		cm_log_threshold = -1;
		memset(&cfg, 0, sizeof(cfg));
		cm_cfg_load_string(&cfg,
		    "jwt_secret fuzz-secret-fuzz-secret-fuzz-secret\n", "fuzz");
		v = cm_jwt_verifier_new(&cfg);
	}
	token = malloc(len + 1);
	memcpy(token, data, len);
	token[len] = '\0';
	cm_jwt_verify(v, token, 1700000000, &p, &why);
	free(token);
	return (0);
}
