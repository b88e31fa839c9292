/*
 * The service skeleton's own REP side of NNG's REQ/REP wire protocol
 * (svc_rep.c), for ipc:// and numeric tcp:// addresses.  Private to
 * common/svc*.c; services never see it.
 */
#ifndef CM_SVC_REP_H
#define CM_SVC_REP_H

#include <stddef.h>
#include <stdint.h>

/* The largest message a peer may send, as NNG's default recvmaxsz. */
#define CM_SP_MSG_MAX	(1024u * 1024u)
/* Hops of a REQ backtrace we accept, as NNG's default maxttl. */
#define CM_SP_MAX_HOPS	8

struct cm_svc_rep;
struct rep_conn;

/* One request taken by a thread; answer it, then release it. */
struct cm_svc_rep_req {
	struct rep_conn	*conn;
	uint8_t		*msg;		/* backtrace + body; malloc'd */
	size_t		 len;
	size_t		 btlen;		/* the backtrace, echoed */
};

/*
 * Listens on url if it is ipc:// or tcp://NUMERIC-HOST:PORT (or a
 * wildcard host): returns 1 and sets *out.  Returns 0 for any other
 * address (the caller uses the NNG library), -1 if it cannot listen
 * (logged).  At most maxconns connections are served at once.
 */
int	cm_svc_rep_open(const char *url, int maxconns,
	    struct cm_svc_rep **out);

/*
 * Waits up to timeout_ms for a request of any connection (accepting
 * new ones meanwhile).  Returns 1 with *req filled (the calling thread
 * answers it with cm_svc_rep_reply, then cm_svc_rep_release), or 0.
 * Any number of threads may call it at once; a request is taken by one.
 */
int	cm_svc_rep_next(struct cm_svc_rep *, int timeout_ms,
	    struct cm_svc_rep_req *req);

/* The body of the request (the cm frame). */
static inline const uint8_t *
cm_svc_rep_body(const struct cm_svc_rep_req *r, size_t *len)
{
	*len = r->len - r->btlen;
	return (r->msg + r->btlen);
}

/*
 * Sends the reply body (a cm frame); waits at most timeout_ms for a
 * peer that does not read.  Returns 0, or -1 (logged; the connection
 * is dropped).
 */
int	cm_svc_rep_reply(struct cm_svc_rep_req *req, const void *body,
	    size_t len, int timeout_ms);

/* Frees what req holds. */
void	cm_svc_rep_release(struct cm_svc_rep_req *req);

/* Stops accepting (and removes an ipc:// socket file). */
void	cm_svc_rep_close_listener(struct cm_svc_rep *);

/* Closes every connection and frees it; no thread may be inside. */
void	cm_svc_rep_free(struct cm_svc_rep *);

/*
 * The SP framing, for the parser and its fuzz target.
 *
 * cm_sp_handshake: 0 if the 8 bytes h are the header of a peer of
 * protocol proto (0x30: REQ0), else -1.
 *
 * cm_sp_msg_len: reads a message header (ipc: 01 + 64-bit length, 9
 * bytes; tcp: the length alone, 8) into *len; -1 if the type byte is
 * wrong or the length is under 4 or over max.
 *
 * cm_sp_backtrace: the length of a REQ message's backtrace (4-byte
 * words up to and including the first with its high bit set, at most
 * CM_SP_MAX_HOPS), or 0 if msg holds none.
 */
int	cm_sp_handshake(const uint8_t h[8], int proto);
int	cm_sp_msg_len(const uint8_t *h, int ipc, uint64_t max, uint64_t *len);
size_t	cm_sp_backtrace(const uint8_t *msg, size_t len);

#endif
