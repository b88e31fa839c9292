/*
 * TLS on the gateway's listener (OpenSSL, TLS 1.2 and later), when
 * tls_cert_file and tls_key_file are set.  Each worker builds its own
 * context after the fork; a SIGHUP reload starts workers that read the
 * files again, so a renewed certificate is picked up without a restart.
 */
#ifndef GW_TLS_H
#define GW_TLS_H

#include <openssl/ssl.h>

struct cm_cfg;

/*
 * Returns a server context for the configured certificate and key,
 * NULL (logged) if they cannot be loaded, or NULL with *off set when
 * TLS is not configured.
 */
SSL_CTX	*gw_tls_ctx(const struct cm_cfg *cfg, int *off);

#endif
