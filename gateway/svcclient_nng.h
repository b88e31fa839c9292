/*
 * The NNG library's REQ client (svcclient_nng.c): svcclient.c uses it
 * for service addresses it does not dial itself (anything but ipc://
 * and tcp:// with a numeric address).  Same contract as svcclient.h.
 */
#ifndef GW_SVCCLIENT_NNG_H
#define GW_SVCCLIENT_NNG_H

#include "svcclient.h"

struct gw_nsvc;
struct cm_prom_hist;

struct gw_nsvc *gw_nsvc_new(struct event_base *base, const char *name,
	    const char *url, const struct cm_cfg *cfg);
void	gw_nsvc_free(struct gw_nsvc *s);
int	gw_nsvc_request(struct gw_nsvc *s, int type, const char *org,
	    const char *body, size_t len, gw_svc_cb cb, void *arg);
void	gw_nsvc_set_stats(struct gw_nsvc *s, struct cm_prom_hist *latency,
	    uint64_t *errors);
int	gw_nsvc_pipes(const struct gw_nsvc *s);
unsigned gw_nsvc_inflight(const struct gw_nsvc *s);

#endif
