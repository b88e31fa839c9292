/* Blocking NNG requests between services (see svc_call.h). */
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "log.h"
#include "proto.h"
#include "svc_call.h"
#include "util.h"

static int
peer_open(struct cm_svc_peer *p, int timeout_ms)
{
	int rv;

	if (p->open)
		return (0);
	if ((rv = nng_req0_open(&p->sock)) != 0 ||
	    (rv = nng_socket_set_ms(p->sock, NNG_OPT_RECONNMINT, 50)) != 0 ||
	    (rv = nng_socket_set_ms(p->sock, NNG_OPT_RECONNMAXT, 1000)) != 0 ||
	    (rv = nng_dial(p->sock, p->url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		cm_log_warn("msg=\"peer socket failed\" url=\"%s\" err=\"%s\"",
		    p->url, nng_strerror(rv));
		return (-1);
	}
	p->open = 1;
	return (0);
}

int
cm_svc_call(struct cm_svc_peer *p, int type, const char *org,
    const char *body, size_t len, int timeout_ms, int *status, char **reply)
{
	struct cm_frame f = { .type = (uint8_t)type, .body = body,
	    .body_len = len }, r;
	nng_msg *msg = NULL;
	void *buf;
	size_t n;
	int rv;

	*reply = NULL;
	if (peer_open(p, timeout_ms) == -1)
		return (-1);
	f.corr = ++p->corr;
	cm_strlcpy(f.org, org, sizeof(f.org));
	buf = cm_malloc(cm_frame_size(&f));
	if ((n = cm_frame_encode(&f, buf)) == 0) {
		free(buf);
		return (cm_fail("msg=\"bad org for a peer call\" org=\"%s\"",
		    org));
	}
	nng_socket_set_ms(p->sock, NNG_OPT_SENDTIMEO, timeout_ms);
	nng_socket_set_ms(p->sock, NNG_OPT_RECVTIMEO, timeout_ms);
	rv = nng_send(p->sock, buf, n, 0);
	free(buf);
	if (rv == 0)
		rv = nng_recvmsg(p->sock, &msg, 0);
	if (rv != 0) {
		cm_log_warn("msg=\"peer did not answer\" url=\"%s\" type=%s "
		    "err=\"%s\"", p->url, cm_msg_type_name(type),
		    nng_strerror(rv));
		return (-1);
	}
	if (cm_frame_decode(nng_msg_body(msg), nng_msg_len(msg), &r) == -1) {
		nng_msg_free(msg);
		return (cm_fail("msg=\"bad reply from peer\" url=\"%s\"",
		    p->url));
	}
	*status = r.status;
	*reply = cm_malloc(r.body_len + 1);
	memcpy(*reply, r.body, r.body_len);
	(*reply)[r.body_len] = '\0';
	nng_msg_free(msg);
	return (0);
}

void
cm_svc_peer_close(struct cm_svc_peer *p)
{
	if (p->open)
		nng_close(p->sock);
	p->open = 0;
}
