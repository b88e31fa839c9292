/*
 * The gateway's counters, in one shared anonymous mapping that the
 * master creates before forking: each worker writes its own slot (with
 * relaxed atomics), and whichever worker serves GET /metrics reads them
 * all, so a scrape sees the whole gateway, not one worker.  A slot
 * outlives its worker: counters keep counting across a respawn, and
 * the master zeroes the gauges of a dead worker.
 */
#ifndef GW_STATS_H
#define GW_STATS_H

#include <stdint.h>

#include "prom.h"

#define GW_STATS_SLOTS		64
#define GW_STATS_ROLES		3	/* enum cm_role */
#define GW_STATS_SVCS		3	/* enum gw_svc_id */

enum gw_connect_error {
	GW_CE_AUTH = 0,
	GW_CE_NAMESPACE,
	GW_CE_UNAVAILABLE,
	GW_CE_COUNT
};

struct gw_slot_stats {
	/* gauges */
	int64_t		connections;
	int64_t		sockets[GW_STATS_ROLES];
	int64_t		channels;
	/* counters */
	uint64_t	connections_total;
	uint64_t	connections_refused;	/* per-address limit */
	uint64_t	rate_limited;		/* events refused */
	uint64_t	sockets_total[GW_STATS_ROLES];
	uint64_t	connect_errors[GW_CE_COUNT];
	uint64_t	eio_in, eio_out, sio_in, sio_out;
	uint64_t	bytes_in, bytes_out;
	uint64_t	nng_errors[GW_STATS_SVCS];
	struct cm_prom_hist nng_latency[GW_STATS_SVCS];
	uint64_t	redis_errors, redis_reconnects;
	uint64_t	http_requests;
	int64_t		heartbeat_ms;	/* cm_mono_ms of the last loop tick */
	int64_t		redis_up;
	int64_t		pid;		/* 0: no worker in this slot */
};

struct gw_stats {
	int64_t			master_pid;
	uint64_t		worker_restarts;
	struct gw_slot_stats	slot[GW_STATS_SLOTS];
};

/* Maps the shared block (master, before the first fork); NULL on error. */
struct gw_stats *gw_stats_map(void);

/* Writes the Prometheus text of every slot into b. */
struct cm_buf;
void	gw_stats_render(const struct gw_stats *st, struct cm_buf *b);

#endif
