/*
 * One service asking another (queue-svc -> ai-bridge, ai-bridge ->
 * queue-svc): a blocking NNG request with a deadline, from a service's
 * request or worker thread.  Each caller keeps one struct cm_svc_peer
 * per peer and thread; the socket redials by itself.
 */
#ifndef CM_SVC_CALL_H
#define CM_SVC_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

struct cm_svc_peer {
	const char	*url;		/* borrowed */
	nng_socket	 sock;
	int		 open;
	uint64_t	 corr;
};

/*
 * Sends a frame of type for org with body to peer and waits up to
 * timeout_ms for the answer.  On 0, *status is the reply's status and
 * *reply a malloc'd NUL-terminated copy of its body (caller frees).
 * Returns -1 (logged) if the peer did not answer.
 */
int	cm_svc_call(struct cm_svc_peer *peer, int type, const char *org,
	    const char *body, size_t len, int timeout_ms, int *status,
	    char **reply);

void	cm_svc_peer_close(struct cm_svc_peer *peer);

#endif
