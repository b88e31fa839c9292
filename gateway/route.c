/*
 * Reads HTTP requests off a connection and sends each where it goes:
 * /socket.io/ to the Engine.IO handshake, /healthz and friends to the
 * health answers, /chat/... to the REST forwarder, anything else 404.
 */
#include <string.h>

#include <event2/buffer.h>

#include "fanout.h"
#include "gw.h"
#include "handshake.h"
#include "http.h"
#include "log.h"
#include "prom.h"
#include "stats.h"
#include "svcclient.h"

#define GW_PATH_MAX	1024

/*
 * /livez: the worker's loop answers.  /readyz (and /healthz, its alias
 * for load balancers): it may take traffic: its Redis pub/sub link is
 * up, it has a connection to every service, and it is not draining.
 * Both carry the worker's counters and the state of each link.
 */
static void
health(struct gw_conn *c, const char *path)
{
	static const char *names[GW_SVC_COUNT] = { "presence", "queue", "ai" };
	struct gw_worker *w = c->w;
	int live = strcmp(path, "/livez") == 0;
	int ready = gw_fanout_ready(w->fanout) && !w->draining, i, pipes;
	struct cm_buf b = { 0 }, links = { 0 };

	for (i = 0; i < GW_SVC_COUNT; i++) {
		pipes = gw_svc_pipes(w->svc[i]);
		ready = ready && pipes != 0;
		cm_buf_printf(&links, ",\"%s\":\"%s\"", names[i],
		    pipes != 0 ? "up" : "down");
	}
	cm_buf_printf(&b, "{\"status\":\"%s\",\"worker\":%d,"
	    "\"connections\":%u,\"sockets\":%u,\"channels\":%u,"
	    "\"redis\":\"%s\"%s}",
	    live || ready ? "ok" : w->draining ? "draining" : "unavailable",
	    w->slot, w->nconns, w->nsockets, gw_fanout_count(w->fanout),
	    gw_fanout_ready(w->fanout) ? "up" : "down",
	    links.data != NULL ? links.data : "");
	gw_http_respond(c, live || ready ? 200 : 503, b.data, 0);
	cm_buf_free(&b);
	cm_buf_free(&links);
}

/* GET /metrics: the whole gateway (every worker's slot), Prometheus text. */
static void
metrics(struct gw_conn *c)
{
	struct cm_buf b = { 0 };

	gw_stats_render(c->w->stats, &b);
	gw_http_respond_type(c, 200, CM_PROM_CONTENT_TYPE, b.data, 0);
	cm_buf_free(&b);
}

/* Handles the complete request in c->req. */
static void
dispatch(struct gw_conn *c)
{
	struct gw_http_req *r = c->req;
	char path[GW_PATH_MAX];

	CM_ADD(&c->w->st->http_requests, 1);
	if (r->url.len == 0 || gw_http_path(r->url.data, path,
	    sizeof(path)) == -1) {
		gw_http_respond_error(c, 400, "BAD_REQUEST", "bad request URL");
		return;
	}
	if (strcmp(path, "/socket.io/") == 0 ||
	    strcmp(path, "/socket.io") == 0) {
		gw_handshake(c);
		return;
	}
	if (r->parser.upgrade) {
		gw_http_respond_error(c, 404, "NOT_FOUND",
		    "WebSocket upgrades are served on /socket.io/ only");
		return;
	}
	if (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0 ||
	    strcmp(path, "/livez") == 0) {
		health(c, path);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		metrics(c);
		return;
	}
	if (strncmp(path, "/chat/", 6) == 0) {
		gw_rest_handle(c, r);
		return;
	}
	gw_http_respond_error(c, 404, "NOT_FOUND", "no such path");
}

void
gw_http_on_read(struct gw_conn *c)
{
	struct evbuffer *in;

	gw_conn_ref(c);
	while (!c->closed && c->state == GW_CONN_HTTP &&
	    (in = gw_conn_input(c)) != NULL) {
		struct gw_http_req *r = c->req;
		size_t len = evbuffer_get_contiguous_space(in);
		int keep;
		const char *data = (const char *)evbuffer_pullup(in, len);
		ssize_t n;

		n = gw_http_feed(r, data, len);
		if (r->too_large) {
			gw_http_respond_error(c, r->too_large, "TOO_LARGE",
			    r->too_large == 413 ? "request body too large" :
			    "request head too large");
			break;
		}
		if (n < 0) {
			cm_log_info("msg=\"bad http request\" ip=%s err=%s",
			    c->ip, http_errno_name(
			    HTTP_PARSER_ERRNO(&r->parser)));
			gw_http_respond_error(c, 400, "BAD_REQUEST",
			    "malformed HTTP request");
			break;
		}
		evbuffer_drain(in, (size_t)n);
		if (!r->complete)
			continue;
		/*
		 * A whole request: no deadline while we answer.  Whether
		 * the client keeps the connection is read now: an answer
		 * given at once resets the parser.
		 */
		gw_conn_disarm(c);
		keep = http_should_keep_alive(&r->parser);
		dispatch(c);
		if (!c->closed && c->state == GW_CONN_HTTP && !keep)
			gw_conn_close(c);
		if (!c->closed && c->state == GW_CONN_HTTP) {
			gw_http_req_reset(c->req);
			gw_conn_arm(c, c->w->cfg->http_header_timeout_ms);
		}
	}
	gw_conn_unref(c);
}
