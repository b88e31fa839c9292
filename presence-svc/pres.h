/*
 * presence-svc: who is connected, on which socket.  main.c wires the
 * handlers below into the service skeleton (svc.h); handlers.c opens
 * and closes sockets, refresh.c keeps live sockets' keys from expiring,
 * scripts.c holds the Lua.  Issue 3 (agent status, REST reads, ghost
 * cleanup, rooms) adds files beside these and rows to main.c's tables.
 */
#ifndef PRES_H
#define PRES_H

#include "svc.h"

/* A Socket.IO socket id as the gateway makes it is 20 characters. */
#define PRES_SID_MAX	64

/* handlers.c: frame handlers (cm_frame_fn). */
int	pres_socket_open(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);
int	pres_socket_close(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);

/*
 * Maps the reply of a Redis call to a frame status: NULL (Redis down)
 * is CM_ST_UNAVAILABLE, an error reply CM_ST_ERROR (logged with op),
 * each with an error body in *reply; anything else is CM_ST_OK and
 * *reply is left alone.
 */
int	pres_redis_status(const redisReply *r, const char *op,
	    cJSON **reply);

/* refresh.c */
int	pres_socket_refresh(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);

/* scripts.c */
extern struct cm_script	pres_script_open;
extern struct cm_script	pres_script_close;

#endif
