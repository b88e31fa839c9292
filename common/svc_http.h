/*
 * A service's small HTTP endpoint (NNG's HTTP server), on the address
 * of the config key NAME_http_listen, loopback by convention:
 *
 *	GET /livez	200 while the process runs
 *	GET /readyz	200 when its request threads answer and Redis is up
 *	GET /healthz	alias of /readyz
 *	GET /metrics	Prometheus text
 */
#ifndef CM_SVC_HTTP_H
#define CM_SVC_HTTP_H

#include "svc.h"

struct cm_svc_http;

/*
 * Starts the endpoint on "host:port"; NULL (logged) on error, or when
 * addr is empty (no endpoint, not an error: *off is set).
 */
struct cm_svc_http *cm_svc_http_start(const char *addr,
	    const struct cm_svc_def *def, const struct cm_cfg *cfg,
	    struct cm_svc_stats *stats, int *off);
void	cm_svc_http_stop(struct cm_svc_http *h);

/* The Prometheus text of a service (also used by tests). */
void	cm_svc_metrics(const struct cm_svc_def *def, const struct cm_cfg *cfg,
	    const struct cm_svc_stats *st, struct cm_buf *b);

#endif
