/* A service's HTTP endpoint: health and metrics (see svc_http.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "log.h"
#include "prom.h"
#include "svc_http.h"

struct cm_svc_http {
	nng_http_server		*srv;
	nng_url			*url;
	const struct cm_svc_def	*def;
	const struct cm_cfg	*cfg;
	struct cm_svc_stats	*stats;
};

/* A counter family confab_SVC_WHAT{type=...}, one sample per frame type. */
static void
metrics_by_type(struct cm_buf *b, const char *svc, const char *what,
    const char *help, const uint64_t *counts)
{
	struct cm_buf l = { 0 };
	char name[64];
	int t;

	snprintf(name, sizeof(name), "confab_%s_%s", svc, what);
	cm_prom_family(b, name, "counter", help);
	for (t = 1; t < CM_MSG_TYPE_MAX; t++) {
		l.len = 0;
		cm_prom_label(&l, "type", cm_msg_type_name(t));
		cm_prom_sample(b, name, l.data, (double)CM_LOAD(&counts[t]));
	}
	cm_buf_free(&l);
}

void
cm_svc_metrics(const struct cm_svc_def *def, const struct cm_cfg *cfg,
    const struct cm_svc_stats *st, struct cm_buf *b)
{
	struct cm_buf l = { 0 };
	char name[64];
	int t;

	metrics_by_type(b, def->name, "requests_total",
	    "NNG requests served, by type.", st->requests);
	metrics_by_type(b, def->name, "request_failures_total",
	    "NNG requests answered with an error status, by type.",
	    st->failures);
	snprintf(name, sizeof(name), "confab_%s_request_duration_seconds",
	    def->name);
	cm_prom_family(b, name, "histogram",
	    "Time to answer an NNG request, by type.");
	for (t = 1; t < CM_MSG_TYPE_MAX; t++) {
		struct cm_prom_hist h;

		memset(&h, 0, sizeof(h));
		cm_prom_hist_add(&h, &st->duration[t]);
		l.len = 0;
		cm_prom_label(&l, "type", cm_msg_type_name(t));
		cm_prom_hist(b, name, l.data, &h);
	}
	cm_prom_one(b, "confab_redis_errors_total", "counter",
	    "Redis link failures.",
	    (double)CM_LOAD(&st->redis_errors));
	cm_prom_one(b, "confab_redis_reconnects_total", "counter",
	    "Redis links established again after a failure.",
	    (double)CM_LOAD(&st->redis_reconnects));
	cm_prom_one(b, "confab_ready", "gauge",
	    "1 when the request threads answer and Redis is up.",
	    CM_LOAD(&st->probe_ok) && CM_LOAD(&st->redis_ok) ? 1 : 0);
	if (def->metrics != NULL)
		def->metrics(cfg, def->app, b);
	cm_prom_process(b, NULL, 0);
	cm_buf_free(&l);
}

static void
http_reply(nng_aio *aio, int status, const char *type, const char *body)
{
	nng_http_res *res;

	if (nng_http_res_alloc(&res) != 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	nng_http_res_set_status(res, (uint16_t)status);
	nng_http_res_set_header(res, "Content-Type", type);
	nng_http_res_copy_data(res, body, strlen(body));
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static void
http_health_cb(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	nng_http_handler *h = nng_aio_get_input(aio, 1);
	struct cm_svc_http *sh = nng_http_handler_get_data(h);
	const char *uri = nng_http_req_get_uri(req);
	int probe = CM_LOAD(&sh->stats->probe_ok);
	int redis = CM_LOAD(&sh->stats->redis_ok);
	char body[192];

	if (strncmp(uri, "/livez", 6) == 0) {
		http_reply(aio, 200, "application/json", "{\"status\":\"ok\"}");
		return;
	}
	snprintf(body, sizeof(body), "{\"status\":\"%s\",\"service\":\"%s\","
	    "\"threads\":\"%s\",\"redis\":\"%s\"}",
	    probe && redis ? "ok" : "unavailable", sh->def->name,
	    probe ? "ok" : "not answering", redis ? "ok" : "down");
	http_reply(aio, probe && redis ? 200 : 503, "application/json", body);
}

static void
http_metrics_cb(nng_aio *aio)
{
	nng_http_handler *h = nng_aio_get_input(aio, 1);
	struct cm_svc_http *sh = nng_http_handler_get_data(h);
	struct cm_buf b = { 0 };

	cm_svc_metrics(sh->def, sh->cfg, sh->stats, &b);
	http_reply(aio, 200, CM_PROM_CONTENT_TYPE, b.data);
	cm_buf_free(&b);
}

static int
http_add(struct cm_svc_http *sh, const char *path, void (*cb)(nng_aio *))
{
	nng_http_handler *h;
	int rv;

	if ((rv = nng_http_handler_alloc(&h, path, cb)) != 0 ||
	    (rv = nng_http_handler_set_method(h, "GET")) != 0 ||
	    (rv = nng_http_handler_set_data(h, sh, NULL)) != 0 ||
	    (rv = nng_http_server_add_handler(sh->srv, h)) != 0)
		return (cm_fail("msg=\"http handler failed\" path=%s "
		    "err=\"%s\"", path, nng_strerror(rv)));
	return (0);
}

struct cm_svc_http *
cm_svc_http_start(const char *addr, const struct cm_svc_def *def,
    const struct cm_cfg *cfg, struct cm_svc_stats *stats, int *off)
{
	struct cm_svc_http *sh;
	char url[300];
	int rv;

	*off = addr == NULL || addr[0] == '\0';
	if (*off)
		return (NULL);
	sh = cm_calloc(1, sizeof(*sh));
	sh->def = def;
	sh->cfg = cfg;
	sh->stats = stats;
	snprintf(url, sizeof(url), "http://%s", addr);
	if ((rv = nng_url_parse(&sh->url, url)) != 0 ||
	    (rv = nng_http_server_hold(&sh->srv, sh->url)) != 0) {
		cm_log_err("msg=\"bad http address\" address=\"%s\" err=\"%s\"",
		    addr, nng_strerror(rv));
		goto fail;
	}
	if (http_add(sh, "/livez", http_health_cb) == -1 ||
	    http_add(sh, "/readyz", http_health_cb) == -1 ||
	    http_add(sh, "/healthz", http_health_cb) == -1 ||
	    http_add(sh, "/metrics", http_metrics_cb) == -1)
		goto fail;
	if ((rv = nng_http_server_start(sh->srv)) != 0) {
		cm_log_err("msg=\"cannot listen for http\" address=\"%s\" "
		    "err=\"%s\"", addr, nng_strerror(rv));
		goto fail;
	}
	cm_log_notice("msg=\"http listening\" address=\"%s\"", addr);
	return (sh);
fail:
	cm_svc_http_stop(sh);
	return (NULL);
}

void
cm_svc_http_stop(struct cm_svc_http *sh)
{
	if (sh == NULL)
		return;
	if (sh->srv != NULL) {
		nng_http_server_stop(sh->srv);
		nng_http_server_release(sh->srv);
	}
	if (sh->url != NULL)
		nng_url_free(sh->url);
	free(sh);
}
