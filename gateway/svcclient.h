/*
 * The gateway side of the NNG request path: one req0 socket per
 * service, one NNG context per request in flight.  NNG completes
 * requests on its own threads; their results are queued and handed to
 * the libevent loop through an eventfd, so callbacks run on the loop
 * and may touch connections.
 *
 * REQ resends a request that has no reply after nng_resend_ms, so a
 * service restarted in the middle of a request still answers it (the
 * handlers are idempotent); nng_timeout_ms bounds the wait.
 */
#ifndef GW_SVCCLIENT_H
#define GW_SVCCLIENT_H

#include <stddef.h>

#include <event2/event.h>

#include "cfg.h"

struct gw_svc;

/*
 * status: an enum cm_status from the reply, or GW_SVC_TIMEOUT when no
 * reply came in time, GW_SVC_FAILED when the request could not be
 * sent.  body/len borrow the reply body for the duration of the call.
 */
#define GW_SVC_TIMEOUT	(-1)
#define GW_SVC_FAILED	(-2)
typedef void (*gw_svc_cb)(int status, const char *body, size_t len,
    void *arg);

struct gw_svc *gw_svc_new(struct event_base *base, const char *name,
	    const char *url, const struct cm_cfg *cfg);
void	gw_svc_free(struct gw_svc *s);

/*
 * Sends a request; cb(arg) is called exactly once on the loop, unless
 * the client is freed first.  Returns 0, or -1 (cb not called).
 */
int	gw_svc_request(struct gw_svc *s, int type, const char *org,
	    const char *body, size_t len, gw_svc_cb cb, void *arg);

/*
 * Fire and forget: sends a request whose answer only matters if it is
 * an error, which is logged with what.  A service with no handler for
 * the type (CM_ST_UNKNOWN_TYPE) is not an error.
 */
void	gw_svc_notify(struct gw_svc *s, int type, const char *org,
	    const char *body, size_t len, const char *what);

const char *gw_svc_name(const struct gw_svc *s);

/* Where to count request latency and failures (shared memory). */
struct cm_prom_hist;
void	gw_svc_set_stats(struct gw_svc *s, struct cm_prom_hist *latency,
	    uint64_t *errors);
/* Connections (NNG pipes) to the service now; -1 if unknown. */
int	gw_svc_pipes(const struct gw_svc *s);

/* Requests sent and not yet answered. */
unsigned gw_svc_inflight(const struct gw_svc *s);

#endif
