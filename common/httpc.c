/*
 * The HTTP client of httpc.h.  The socket is non-blocking and every
 * wait is a poll(2) of at most HTTPC_SLICE_MS between ticks; the same
 * loop serves plain TCP and TLS, where OpenSSL may want to read when we
 * write and the reverse.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <http_parser.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "httpc.h"
#include "util.h"

#define HTTPC_SLICE_MS	100
#define HTTPC_READ	16384

struct httpc {
	struct cm_http	*h;
	int		 fd;
	SSL		*ssl;
	int		 done;		/* the response ended */
};

static SSL_CTX		*httpc_ctx;
static char		 httpc_ctx_err[160];
static pthread_once_t	 httpc_once = PTHREAD_ONCE_INIT;
static const char	*httpc_ca_file;

int
cm_url_parse(const char *url, struct cm_url *u)
{
	const char	*p, *hend, *slash;
	size_t		 n;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "https://", 8) == 0) {
		p = url + 8;
		u->tls = 1;
	} else
		return (-1);
	slash = strchr(p, '/');
	hend = slash != NULL ? slash : p + strlen(p);
	if (*p == '[') {		/* [v6]:port */
		const char *rb = memchr(p, ']', (size_t)(hend - p));

		if (rb == NULL || (n = (size_t)(rb - p - 1)) == 0 ||
		    n >= sizeof(u->host))
			return (-1);
		memcpy(u->host, p + 1, n);
		p = rb + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(hend - p));
		const char *e = colon != NULL ? colon : hend;

		if ((n = (size_t)(e - p)) == 0 || n >= sizeof(u->host))
			return (-1);
		memcpy(u->host, p, n);
		p = e;
	}
	if (*p == ':') {
		n = (size_t)(hend - p - 1);
		if (n == 0 || n >= sizeof(u->port) ||
		    strspn(p + 1, "0123456789") < n)
			return (-1);
		memcpy(u->port, p + 1, n);
	} else if (p != hend)
		return (-1);
	else
		cm_strlcpy(u->port, u->tls ? "443" : "80", sizeof(u->port));
	if (cm_strlcpy(u->path, slash != NULL ? slash : "/",
	    sizeof(u->path)) >= sizeof(u->path))
		return (-1);
	return (0);
}

/* Builds the one TLS context of the process. */
static void
httpc_ctx_init(void)
{
	if ((httpc_ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(httpc_ctx_err, sizeof(httpc_ctx_err), "SSL_CTX_new "
		    "failed");
		return;
	}
	SSL_CTX_set_min_proto_version(httpc_ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(httpc_ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_default_verify_paths(httpc_ctx);
	if (httpc_ca_file != NULL && httpc_ca_file[0] != '\0' &&
	    SSL_CTX_load_verify_locations(httpc_ctx, httpc_ca_file,
	    NULL) != 1)
		snprintf(httpc_ctx_err, sizeof(httpc_ctx_err), "cannot load "
		    "the CA file %s", httpc_ca_file);
}

/*
 * Waits until fd is ready for events, ticking every slice.  Returns 0,
 * or -1 (h->stopped or h->err set).
 */
static int
httpc_wait(struct httpc *c, short events)
{
	struct pollfd	 pfd = { c->fd, events, 0 };
	int		 rv;

	for (;;) {
		if (c->h->tick != NULL && c->h->tick(c->h->arg) == -1) {
			c->h->stopped = 1;
			return (-1);
		}
		rv = poll(&pfd, 1, HTTPC_SLICE_MS);
		if (rv > 0)
			return (0);
		if (rv == -1 && errno != EINTR) {
			snprintf(c->h->err, sizeof(c->h->err), "poll: %s",
			    strerror(errno));
			return (-1);
		}
	}
}

/* Connects to the first address that answers. */
static int
httpc_connect(struct httpc *c)
{
	const struct cm_url	*u = c->h->url;
	struct addrinfo		 hints, *res, *ai;
	socklen_t		 len = sizeof(int);
	int			 rv, soerr = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rv = getaddrinfo(u->host, u->port, &hints, &res)) != 0) {
		snprintf(c->h->err, sizeof(c->h->err), "%.100s: %s", u->host,
		    gai_strerror(rv));
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((c->fd = socket(ai->ai_family, ai->ai_socktype |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol)) == -1)
			continue;
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && httpc_wait(c, POLLOUT) == 0 &&
		    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &len) == 0 && soerr == 0))
			break;
		if (c->h->stopped)
			break;
		snprintf(c->h->err, sizeof(c->h->err), "connect %.100s:%s: %s",
		    u->host, u->port, strerror(soerr != 0 ? soerr : errno));
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	return (c->fd == -1 || c->h->stopped ? -1 : 0);
}

/* Waits for what OpenSSL asked for after ret; 0 to retry, -1 to fail. */
static int
httpc_ssl_retry(struct httpc *c, int ret, const char *what)
{
	int		 e = SSL_get_error(c->ssl, ret);
	unsigned long	 code;
	const char	*why = NULL;
	long		 vr;

	if (e == SSL_ERROR_WANT_READ)
		return (httpc_wait(c, POLLIN));
	if (e == SSL_ERROR_WANT_WRITE)
		return (httpc_wait(c, POLLOUT));
	if ((vr = SSL_get_verify_result(c->ssl)) != X509_V_OK)
		why = X509_verify_cert_error_string(vr);
	else if ((code = ERR_get_error()) != 0)
		why = ERR_reason_error_string(code);
	snprintf(c->h->err, sizeof(c->h->err), "tls %s: %s", what,
	    why != NULL ? why : e == SSL_ERROR_SSL ? "error" :
	    "connection closed");
	ERR_clear_error();
	return (-1);
}

static int
httpc_tls(struct httpc *c)
{
	unsigned char	 addr[16];
	int		 rv;

	httpc_ca_file = c->h->ca_file;
	pthread_once(&httpc_once, httpc_ctx_init);
	if (httpc_ctx == NULL || httpc_ctx_err[0] != '\0') {
		cm_strlcpy(c->h->err, httpc_ctx_err[0] != '\0' ?
		    httpc_ctx_err : "no TLS context", sizeof(c->h->err));
		return (-1);
	}
	if ((c->ssl = SSL_new(httpc_ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		cm_strlcpy(c->h->err, "tls setup failed", sizeof(c->h->err));
		return (-1);
	}
	/* An address is checked as one, and sent as no server name. */
	if (inet_pton(AF_INET, c->h->url->host, addr) == 1 ||
	    inet_pton(AF_INET6, c->h->url->host, addr) == 1)
		rv = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl),
		    c->h->url->host);
	else
		rv = SSL_set_tlsext_host_name(c->ssl, c->h->url->host) == 1 &&
		    SSL_set1_host(c->ssl, c->h->url->host) == 1;
	if (rv != 1) {
		cm_strlcpy(c->h->err, "tls setup failed", sizeof(c->h->err));
		return (-1);
	}
	while ((rv = SSL_connect(c->ssl)) != 1)
		if (httpc_ssl_retry(c, rv, "handshake") == -1)
			return (-1);
	return (0);
}

static int
httpc_write(struct httpc *c, const char *p, size_t n)
{
	ssize_t	 w;
	int	 rv;

	while (n > 0) {
		if (c->ssl != NULL) {
			if ((rv = SSL_write(c->ssl, p, (int)n)) <= 0) {
				if (httpc_ssl_retry(c, rv, "write") == -1)
					return (-1);
				continue;
			}
			w = rv;
		} else if ((w = send(c->fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN || errno == EINTR) {
				if (httpc_wait(c, POLLOUT) == -1)
					return (-1);
				continue;
			}
			snprintf(c->h->err, sizeof(c->h->err), "send: %s",
			    strerror(errno));
			return (-1);
		}
		p += w;
		n -= (size_t)w;
	}
	return (0);
}

/* Reads some bytes: > 0, 0 at the end of the stream, -1 on error. */
static ssize_t
httpc_read(struct httpc *c, char *buf, size_t size)
{
	ssize_t	 r;
	int	 rv, e;

	for (;;) {
		if (c->ssl != NULL) {
			if ((rv = SSL_read(c->ssl, buf, (int)size)) > 0)
				return (rv);
			e = SSL_get_error(c->ssl, rv);
			if (e == SSL_ERROR_ZERO_RETURN ||
			    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
				return (0);	/* unclean EOF counts as EOF */
			if (httpc_ssl_retry(c, rv, "read") == -1)
				return (-1);
			continue;
		}
		if ((r = recv(c->fd, buf, size, 0)) >= 0)
			return (r);
		if (errno != EAGAIN && errno != EINTR) {
			snprintf(c->h->err, sizeof(c->h->err), "recv: %s",
			    strerror(errno));
			return (-1);
		}
		if (httpc_wait(c, POLLIN) == -1)
			return (-1);
	}
}

static int
httpc_on_headers(http_parser *p)
{
	struct httpc	*c = p->data;

	c->h->status = p->status_code;
	return (0);
}

static int
httpc_on_body(http_parser *p, const char *at, size_t n)
{
	struct httpc	*c = p->data;

	if (c->h->on_body != NULL && c->h->on_body(c->h->arg, at, n) == -1) {
		c->h->stopped = 1;
		return (-1);
	}
	return (0);
}

static int
httpc_on_done(http_parser *p)
{
	((struct httpc *)p->data)->done = 1;
	return (0);
}

/* Writes the request head and body. */
static int
httpc_send(struct httpc *c)
{
	const struct cm_http	*h = c->h;
	struct cm_buf		 b = { 0 };
	int			 v6 = strchr(h->url->host, ':') != NULL, rv;

	cm_buf_printf(&b, "%s %s HTTP/1.1\r\nHost: %s%s%s", h->method,
	    h->url->path, v6 ? "[" : "", h->url->host, v6 ? "]" : "");
	if (strcmp(h->url->port, h->url->tls ? "443" : "80") != 0)
		cm_buf_printf(&b, ":%s", h->url->port);
	cm_buf_printf(&b, "\r\nUser-Agent: %s\r\nConnection: close\r\n"
	    "Content-Length: %zu\r\n%s\r\n", h->user_agent != NULL ?
	    h->user_agent : "confab-ai", h->body_len,
	    h->headers != NULL ? h->headers : "");
	rv = httpc_write(c, b.data, b.len);
	cm_buf_free(&b);
	if (rv == 0 && h->body_len > 0)
		rv = httpc_write(c, h->body, h->body_len);
	return (rv);
}

int
cm_http_request(struct cm_http *h)
{
	struct httpc		 c = { h, -1, NULL, 0 };
	http_parser_settings	 set;
	http_parser		 p;
	char			 buf[HTTPC_READ];
	size_t			 parsed;
	ssize_t			 n;
	int			 rv = -1;

	h->status = 0;
	h->stopped = 0;
	h->err[0] = '\0';
	if (httpc_connect(&c) == -1 || (h->url->tls && httpc_tls(&c) == -1) ||
	    httpc_send(&c) == -1)
		goto out;
	memset(&set, 0, sizeof(set));
	set.on_headers_complete = httpc_on_headers;
	set.on_body = httpc_on_body;
	set.on_message_complete = httpc_on_done;
	http_parser_init(&p, HTTP_RESPONSE);
	p.data = &c;
	while (!c.done) {
		if ((n = httpc_read(&c, buf, sizeof(buf))) == -1)
			goto out;
		/* n == 0 tells the parser the stream ended. */
		parsed = http_parser_execute(&p, &set, buf, (size_t)n);
		if (h->stopped)
			goto out;
		if (n == 0 && !c.done) {
			cm_strlcpy(h->err, "the connection closed before the "
			    "response ended", sizeof(h->err));
			goto out;
		}
		if (parsed != (size_t)n || HTTP_PARSER_ERRNO(&p) != HPE_OK) {
			snprintf(h->err, sizeof(h->err), "bad HTTP response: "
			    "%s", http_errno_description(HTTP_PARSER_ERRNO(&p)));
			goto out;
		}
	}
	rv = 0;
out:
	if (c.ssl != NULL)
		SSL_free(c.ssl);
	if (c.fd != -1)
		close(c.fd);
	return (rv);
}
