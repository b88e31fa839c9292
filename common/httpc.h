/*
 * A small blocking HTTP/1.1 client (confab-ai's model endpoints,
 * queue-svc's webhooks): one request per connection, over TCP or TLS
 * (OpenSSL, TLS 1.2 or later, the server's certificate checked against
 * the system's CAs and ca_file, and its name against the URL's host).  The response
 * is parsed by http_parser, which undoes chunked transfer encoding, and
 * its body handed over as it arrives, so a streamed answer can be shown
 * while it is written.
 *
 * The caller's tick runs at least every 100 ms while the client waits
 * (DNS excepted), so a deadline or a cancel takes effect promptly.
 */
#ifndef CM_HTTPC_H
#define CM_HTTPC_H

#include <stddef.h>

struct cm_url {
	int	 tls;
	char	 host[256];
	char	 port[8];
	char	 path[1024];	/* begins with '/' */
};

/* Parses http[s]://host[:port][/path]; 0, or -1 if it is not one. */
int	cm_url_parse(const char *url, struct cm_url *u);

struct cm_http {
	/* In. */
	const char		*method;
	const struct cm_url	*url;
	const char		*headers;	/* "Name: value\r\n" lines */
	const char		*body;
	size_t			 body_len;
	const char		*ca_file;	/* extra CAs, or NULL; the first
						   request's counts */
	const char		*user_agent;	/* NULL: confab-ai */
	/* Body bytes as they come; -1 stops the request. */
	int			(*on_body)(void *arg, const char *p, size_t n);
	/* Between waits; -1 stops the request. */
	int			(*tick)(void *arg);
	void			*arg;
	/* Out. */
	int			 status;	/* HTTP status, 0 if none */
	int			 stopped;	/* a callback said stop */
	char			 err[192];
};

/*
 * Sends the request and reads the whole response.  Returns 0 once the
 * response ended (any status), or -1 with h->err set, or with
 * h->stopped when a callback asked to stop.
 */
int	cm_http_request(struct cm_http *h);

#endif
