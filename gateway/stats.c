/* The gateway's shared counters and their Prometheus rendering. */
#include <sys/mman.h>

#include <string.h>

#include "gw.h"
#include "stats.h"

struct gw_stats *
gw_stats_map(void)
{
	void *p = mmap(NULL, sizeof(struct gw_stats), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return (p == MAP_FAILED ? NULL : p);
}

/* Sums one counter or gauge field over every slot. */
#define SUM(st, field) ({						\
	double _s = 0;							\
	for (int _i = 0; _i < GW_STATS_SLOTS; _i++)			\
		_s += (double)CM_LOAD(&(st)->slot[_i].field);		\
	_s;								\
})

static void
render_by_role(struct cm_buf *b, const struct gw_stats *st, int total)
{
	struct cm_buf l = { 0 };
	int r;

	for (r = 0; r < GW_STATS_ROLES; r++) {
		l.len = 0;
		cm_prom_label(&l, "role", cm_role_name(r));
		if (total)
			cm_prom_sample(b, "confab_gateway_sockets_total", l.data,
			    SUM(st, sockets_total[r]));
		else
			cm_prom_sample(b, "confab_gateway_sockets", l.data,
			    SUM(st, sockets[r]));
	}
	cm_buf_free(&l);
}

static void
render_nng(struct cm_buf *b, const struct gw_stats *st)
{
	static const char *names[GW_STATS_SVCS] = { "presence", "queue", "ai" };
	struct cm_buf l = { 0 };
	int s, i;

	cm_prom_family(b, "confab_gateway_nng_request_duration_seconds",
	    "histogram", "Time from a request to a service to its answer.");
	for (s = 0; s < GW_STATS_SVCS; s++) {
		struct cm_prom_hist h;

		memset(&h, 0, sizeof(h));
		for (i = 0; i < GW_STATS_SLOTS; i++)
			cm_prom_hist_add(&h, &st->slot[i].nng_latency[s]);
		l.len = 0;
		cm_prom_label(&l, "service", names[s]);
		cm_prom_hist(b, "confab_gateway_nng_request_duration_seconds",
		    l.data, &h);
	}
	cm_prom_family(b, "confab_gateway_nng_errors_total", "counter",
	    "Requests to a service that failed or timed out.");
	for (s = 0; s < GW_STATS_SVCS; s++) {
		l.len = 0;
		cm_prom_label(&l, "service", names[s]);
		cm_prom_sample(b, "confab_gateway_nng_errors_total", l.data,
		    SUM(st, nng_errors[s]));
	}
	cm_buf_free(&l);
}

/* A counter family with a direction="in" and a direction="out" sample. */
static void
render_inout(struct cm_buf *b, const char *name, const char *help, double in,
    double out)
{
	cm_prom_family(b, name, "counter", help);
	cm_prom_sample(b, name, "direction=\"in\"", in);
	cm_prom_sample(b, name, "direction=\"out\"", out);
}

static void
render_packets(struct cm_buf *b, const struct gw_stats *st)
{
	render_inout(b, "confab_gateway_engineio_packets_total",
	    "Engine.IO packets, by direction.", SUM(st, eio_in),
	    SUM(st, eio_out));
	render_inout(b, "confab_gateway_socketio_packets_total",
	    "Socket.IO packets, by direction.", SUM(st, sio_in),
	    SUM(st, sio_out));
	render_inout(b, "confab_gateway_websocket_bytes_total",
	    "WebSocket payload bytes, by direction.", SUM(st, bytes_in),
	    SUM(st, bytes_out));
}

/* The process_* families for the whole gateway: master and workers. */
static void
render_process(struct cm_buf *b, const struct gw_stats *st)
{
	int pids[GW_STATS_SLOTS + 1], n = 0, i;

	pids[n++] = (int)CM_LOAD(&st->master_pid);
	for (i = 0; i < GW_STATS_SLOTS; i++)
		if (CM_LOAD(&st->slot[i].pid) > 0)
			pids[n++] = (int)CM_LOAD(&st->slot[i].pid);
	cm_prom_process(b, pids, n);
}

void
gw_stats_render(const struct gw_stats *st, struct cm_buf *b)
{
	static const char *ce[GW_CE_COUNT] = { "auth", "namespace",
	    "unavailable" };
	int i;

	cm_prom_one(b, "confab_gateway_connections", "gauge",
	    "Open client TCP connections.",
	    SUM(st, connections));
	cm_prom_one(b, "confab_gateway_connections_total", "counter",
	    "Client TCP connections accepted.",
	    SUM(st, connections_total));
	cm_prom_one(b, "confab_gateway_connections_refused_total", "counter",
	    "Connections closed at once: over max_connections_per_ip.",
	    SUM(st, connections_refused));
	cm_prom_one(b, "confab_gateway_rate_limited_total", "counter",
	    "Events refused with RATE_LIMIT_EXCEEDED.",
	    SUM(st, rate_limited));
	cm_prom_family(b, "confab_gateway_sockets", "gauge",
	    "Connected Socket.IO sockets in /chat, by role.");
	render_by_role(b, st, 0);
	cm_prom_family(b, "confab_gateway_sockets_total", "counter",
	    "Socket.IO sockets connected since start, by role.");
	render_by_role(b, st, 1);
	cm_prom_family(b, "confab_gateway_connect_errors_total", "counter",
	    "Socket.IO connects refused, by reason.");
	for (i = 0; i < GW_CE_COUNT; i++) {
		char l[32];

		snprintf(l, sizeof(l), "reason=\"%s\"", ce[i]);
		cm_prom_sample(b, "confab_gateway_connect_errors_total", l,
		    SUM(st, connect_errors[i]));
	}
	render_packets(b, st);
	cm_prom_one(b, "confab_gateway_http_requests_total", "counter",
	    "HTTP requests answered (REST, health, metrics, handshakes).",
	    SUM(st, http_requests));
	render_nng(b, st);
	cm_prom_one(b, "confab_gateway_pubsub_channels", "gauge",
	    "Redis pub/sub channels subscribed, all workers.",
	    SUM(st, channels));
	cm_prom_one(b, "confab_redis_errors_total", "counter",
	    "Redis link failures.",
	    SUM(st, redis_errors));
	cm_prom_one(b, "confab_redis_reconnects_total", "counter",
	    "Redis links established again after a failure.",
	    SUM(st, redis_reconnects));
	cm_prom_one(b, "confab_gateway_worker_restarts_total", "counter",
	    "Workers the master respawned after they died.",
	    (double)CM_LOAD(&st->worker_restarts));
	render_process(b, st);
}
