/*
 * The service's NNG listener, and a watchdog for a bug of NNG 1.5.2
 * (the version Debian 12 ships): when a peer closes its connection in
 * the middle of the SP handshake, the transport reports NNG_ECLOSED to
 * the listener, which takes it for its own closing and stops attaching
 * new connections to the socket (nanomsg/nng#1518, fixed in 1.6.0).
 * The transport still accepts and handshakes, so a client's dial
 * succeeds, but its requests are never read: the service is deaf to
 * every new peer.  One connect-and-close is enough, such as a port
 * scan, a health probe killed halfway, a gateway worker killed while
 * dialing, or NNG's own stale-socket probe when a second instance
 * starts on the same ipc:// path.
 *
 * The watchdog dials the listener and waits until the connection is
 * attached (NNG_PIPE_EV_ADD_POST).  If it is not, the listener is
 * closed and started again; peers reconnect on their own and their REQ
 * sockets resend what was pending.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>

#include "log.h"
#include "svc_listen.h"
#include "util.h"

#define LISTEN_ATTACH_WAIT_MS	1000

struct cm_svc_listen {
	nng_socket	 sock;
	nng_listener	 l;
	char		*url;
	char		*self_url;	/* what the watchdog dials; or NULL */
	atomic_uint	 attached;	/* pipes attached to sock, ever */
};

static int	 listen_start(struct cm_svc_listen *);
static void	 listen_pipe_cb(nng_pipe, nng_pipe_ev, void *);

int
cm_svc_listen_mkdir(const char *url)
{
	char	 path[PATH_MAX], *p, c;

	if (strncmp(url, "ipc://", 6) != 0)
		return (0);
	if (cm_strlcpy(path, url + 6, sizeof(path)) >= sizeof(path))
		return (cm_fail("msg=\"ipc path too long\" address=\"%s\"",
		    url));
	if ((p = strrchr(path, '/')) == NULL || p == path)
		return (0);
	*p = '\0';
	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			return (cm_fail("msg=\"cannot create directory\" "
			    "path=\"%s\" err=\"%s\"", path, strerror(errno)));
		if ((*p = c) == '\0')
			return (0);
	}
}

/*
 * The URL that reaches url's listener from this host: the same for
 * ipc://, loopback for a tcp:// wildcard.  NULL (no watchdog) for other
 * schemes, whose dial would need more setup (TLS) or which we do not
 * use.  Returns a malloc'd string; caller frees.
 */
char *
cm_svc_self_url(const char *url)
{
	struct cm_buf	 b = { 0 };
	const char	*host, *port;
	size_t		 hlen;

	if (strncmp(url, "ipc://", 6) == 0)
		return (cm_strdup(url));
	if (strncmp(url, "tcp://", 6) != 0 ||
	    (port = strrchr(url + 6, ':')) == NULL || strcmp(port, ":0") == 0)
		return (NULL);
	host = url + 6;
	hlen = (size_t)(port - host);
	cm_buf_puts(&b, "tcp://");
	if (hlen == 0 || (hlen == 1 && host[0] == '*') ||
	    (hlen == 7 && strncmp(host, "0.0.0.0", 7) == 0))
		cm_buf_puts(&b, "127.0.0.1");
	else if (hlen == 4 && strncmp(host, "[::]", 4) == 0)
		cm_buf_puts(&b, "[::1]");
	else
		cm_buf_append(&b, host, hlen);
	cm_buf_puts(&b, port);
	return (b.data);
}

/* Runs on an NNG thread: only counts. */
static void
listen_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct cm_svc_listen	*sl = arg;

	atomic_fetch_add(&sl->attached, 1);
}

static int
listen_start(struct cm_svc_listen *sl)
{
	int	 rv;

	if ((rv = nng_listener_create(&sl->l, sl->sock, sl->url)) != 0)
		return (cm_fail("msg=\"cannot listen\" address=\"%s\" "
		    "err=\"%s\"", sl->url, nng_strerror(rv)));
	if ((rv = nng_listener_start(sl->l, 0)) != 0) {
		nng_listener_close(sl->l);
		return (cm_fail("msg=\"cannot listen\" address=\"%s\" "
		    "err=\"%s\"", sl->url, nng_strerror(rv)));
	}
	return (0);
}

struct cm_svc_listen *
cm_svc_listen_open(nng_socket sock, const char *url)
{
	struct cm_svc_listen	*sl;
	int			 rv;

	if (url == NULL || url[0] == '\0') {
		cm_log_err("msg=\"no address configured\"");
		return (NULL);
	}
	if (cm_svc_listen_mkdir(url) == -1)
		return (NULL);
	sl = cm_calloc(1, sizeof(*sl));
	sl->sock = sock;
	sl->url = cm_strdup(url);
	sl->self_url = cm_svc_self_url(url);
	if ((rv = nng_pipe_notify(sock, NNG_PIPE_EV_ADD_POST, listen_pipe_cb,
	    sl)) != 0 || listen_start(sl) == -1) {
		if (rv != 0)
			cm_log_err("msg=\"nng_pipe_notify failed\" err=\"%s\"",
			    nng_strerror(rv));
		nng_pipe_notify(sock, NNG_PIPE_EV_ADD_POST, NULL, NULL);
		free(sl->self_url);
		free(sl->url);
		free(sl);
		return (NULL);
	}
	if (sl->self_url == NULL)
		cm_log_notice("msg=\"listener watchdog off for this address\" "
		    "address=\"%s\"", url);
	return (sl);
}

void
cm_svc_listen_check(struct cm_svc_listen *sl)
{
	nng_socket	 req;
	unsigned	 before;
	int		 rv, waited;

	if (sl->self_url == NULL)
		return;
	before = atomic_load(&sl->attached);
	if ((rv = nng_req0_open(&req)) != 0) {
		cm_log_warn("msg=\"watchdog socket failed\" err=\"%s\"",
		    nng_strerror(rv));
		return;
	}
	/* A synchronous dial returns once the handshake is done. */
	rv = nng_dial(req, sl->self_url, NULL, 0);
	for (waited = 0; rv == 0 && waited < LISTEN_ATTACH_WAIT_MS &&
	    atomic_load(&sl->attached) == before; waited += 10)
		nng_msleep(10);
	nng_close(req);
	if (rv == 0 && atomic_load(&sl->attached) != before)
		return;

	cm_log_warn("msg=\"listener deaf, restarting it\" address=\"%s\" "
	    "err=\"%s\"", sl->url, rv != 0 ? nng_strerror(rv) :
	    "connection not attached");
	nng_listener_close(sl->l);
	if (cm_svc_listen_mkdir(sl->url) == 0 && listen_start(sl) == 0)
		cm_log_notice("msg=\"listener restarted\" address=\"%s\"",
		    sl->url);
}

const char *
cm_svc_listen_self_url(const struct cm_svc_listen *sl)
{
	return (sl->self_url);
}

void
cm_svc_listen_free(struct cm_svc_listen *sl)
{
	if (sl == NULL)
		return;
	free(sl->self_url);
	free(sl->url);
	free(sl);
}
