/* The gateway's TLS server context (see tls.h). */
#include <limits.h>

#include <openssl/err.h>

#include "cfg.h"
#include "log.h"
#include "tls.h"

SSL_CTX *
gw_tls_ctx(const struct cm_cfg *cfg, int *off)
{
	SSL_CTX *ctx;
	char err[256];

	*off = cfg->tls_cert_file[0] == '\0' && cfg->tls_key_file[0] == '\0';
	if (*off)
		return (NULL);
	if (cfg->tls_cert_file[0] == '\0' || cfg->tls_key_file[0] == '\0') {
		cm_log_err("msg=\"tls needs both tls_cert_file and "
		    "tls_key_file\"");
		return (NULL);
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key_file,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	return (ctx);
fail:
	ERR_error_string_n(ERR_get_error(), err, sizeof(err));
	cm_log_err("msg=\"tls setup failed\" cert=\"%s\" key=\"%s\" err=\"%s\"",
	    cfg->tls_cert_file, cfg->tls_key_file, err);
	SSL_CTX_free(ctx);
	return (NULL);
}
