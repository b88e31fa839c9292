/*
 * What the openai backend and the summarizer share: the endpoint URL,
 * the API key, and a non-streamed chat completion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "httpc.h"
#include "log.h"

#define MODEL_KEY_MAX		4096
#define MODEL_BODY_MAX		(256 * 1024)

int
aib_model_url(struct aib_gen *g, struct cm_url *u)
{
	const char	*base = cm_json_str(g->assistant, "baseUrl");
	char		 url[1200];
	size_t		 n;

	if (base == NULL || cm_json_str(g->assistant, "model") == NULL) {
		cm_strlcpy(g->error, "the assistant has no baseUrl or model",
		    sizeof(g->error));
		return (-1);
	}
	/* "https://host" and "https://host/v1" both mean .../v1/... */
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	snprintf(url, sizeof(url), "%.*s%s/chat/completions", (int)n, base,
	    n >= 3 && strncmp(base + n - 3, "/v1", 3) == 0 ? "" : "/v1");
	if (cm_url_parse(url, u) == -1) {
		cm_strlcpy(g->error, "the assistant's baseUrl is not a URL",
		    sizeof(g->error));
		return (-1);
	}
	return (0);
}

char *
aib_model_key(const struct aib_gen *g)
{
	const char	*k = cm_json_str(g->assistant, "apiKey");
	const char	*f = cm_json_str(g->assistant, "apiKeyFile");
	char		 path[1024], *text;
	size_t		 len;

	if (k != NULL && k[0] != '\0')
		return (cm_strdup(k));
	if (f == NULL || f[0] == '\0')
		return (NULL);
	/* config.c allows a bare file name only: no way out of the dir. */
	snprintf(path, sizeof(path), "%s/%s", g->w->ctx.cfg->ai_key_dir, f);
	if ((text = cm_read_file(path, MODEL_KEY_MAX, &len)) == NULL) {
		cm_log_warn("msg=\"api key file unreadable\" file=\"%s\"", path);
		return (cm_strdup(""));
	}
	text[strcspn(text, "\r\n")] = '\0';
	return (text);
}

/* A non-streamed call: its body, and its own deadline. */
struct model_call {
	struct aib_gen	*g;
	struct cm_buf	 body;
	int64_t		 deadline;
};

static int
model_body(void *arg, const char *p, size_t n)
{
	struct model_call	*m = arg;

	if (m->body.len + n > MODEL_BODY_MAX)
		return (-1);
	cm_buf_append(&m->body, p, n);
	return (0);
}

/* Only the service stopping or the call's own deadline end it. */
static int
model_tick(void *arg)
{
	struct model_call	*m = arg;

	if (atomic_load(&m->g->w->aib->stop) || cm_mono_ms() >= m->deadline)
		return (-1);
	aib_worker_beat(m->g->w, 0);
	return (0);
}

char *
aib_model_complete(struct aib_gen *g, const cJSON *messages, int budget_ms)
{
	struct model_call	 m = { g, { NULL, 0, 0 }, 0 };
	struct cm_http		 h;
	struct cm_url		 u;
	struct cm_buf		 hdr = { 0 };
	const cJSON		*msg;
	cJSON			*req, *res = NULL;
	char			*key, *body, *out = NULL;

	if (aib_model_url(g, &u) == -1)
		return (NULL);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "model", cm_json_str(g->assistant,
	    "model"));
	cJSON_AddFalseToObject(req, "stream");
	cJSON_AddItemToObject(req, "messages", cJSON_Duplicate(messages, 1));
	body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	cm_buf_puts(&hdr, "Content-Type: application/json\r\n"
	    "Accept: application/json\r\n");
	if ((key = aib_model_key(g)) != NULL && key[0] != '\0')
		cm_buf_printf(&hdr, "Authorization: Bearer %s\r\n", key);
	memset(&h, 0, sizeof(h));
	h.method = "POST";
	h.url = &u;
	h.headers = hdr.data;
	h.body = body;
	h.body_len = strlen(body);
	h.ca_file = g->w->ctx.cfg->ai_tls_ca_file;
	h.on_body = model_body;
	h.tick = model_tick;
	h.arg = &m;
	m.deadline = cm_mono_ms() + budget_ms;
	if (cm_http_request(&h) == 0 && h.status == 200 &&
	    (res = cm_json_parse(m.body.data, m.body.len)) != NULL) {
		msg = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(res, "choices"), 0),
		    "message");
		if (cm_json_str(msg, "content") != NULL)
			out = cm_strdup(cm_json_str(msg, "content"));
	}
	if (out == NULL)
		cm_log_info("msg=\"model call failed\" org=%s status=%d "
		    "err=\"%s\"", g->job->org, h.status, h.err);
	cJSON_Delete(res);
	cm_buf_free(&m.body);
	cm_buf_free(&hdr);
	free(body);
	free(key);
	return (out);
}
