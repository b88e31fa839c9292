/*
 * Fan-out: a worker's single Redis pub/sub connection.  A channel is
 * subscribed while at least one local member needs it (counted per
 * worker); a message on it is written to every member's connection as
 * a Socket.IO event (see common/channels.h for the payload).
 */
#ifndef GW_FANOUT_H
#define GW_FANOUT_H

#include "gw.h"

/* Called for a pending member once its channel is subscribed. */
typedef void (*gw_fanout_ready_fn)(struct gw_member *m);

struct gw_fanout *gw_fanout_new(struct gw_worker *w,
	    gw_fanout_ready_fn on_ready);
void	gw_fanout_free(struct gw_fanout *f);

/* 1 while the pub/sub link to Redis is up. */
int	gw_fanout_ready(const struct gw_fanout *f);

/*
 * Adds m (m->conn set by the caller) to channel.  Returns 1 if the
 * channel is already subscribed, 0 if on_ready(m) will follow (once
 * the Redis link is up, if it is down now).
 */
int	gw_fanout_join(struct gw_fanout *f, const char *channel,
	    struct gw_member *m);
/* Removes m; harmless if m never joined. */
void	gw_fanout_leave(struct gw_fanout *f, struct gw_member *m);

/* Channels subscribed by this worker, for logs and metrics. */
unsigned gw_fanout_count(const struct gw_fanout *f);

#endif
