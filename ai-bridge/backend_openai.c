/*
 * The openai backend: any OpenAI-compatible POST {baseUrl}/v1/chat/
 * completions with "stream":true (OpenAI, vLLM, llama.cpp's server,
 * Ollama).  The answer comes as Server-Sent Events (sse.c), each a
 * chat.completion.chunk whose choices[0].delta holds "content" (sent on
 * as chunk events at once) or "tool_calls" pieces (toolcall.c), until
 * "data: [DONE]".
 *
 * Two tools are declared: transfer_chat_to_agent {reason}, which ends
 * the answer with a hand-off, and search_faq {query}, which the bridge
 * answers from the org's FAQ before asking the model again (at most
 * OAI_ROUNDS rounds).  Each call shows in the stream as tool-use and
 * tool-result events.
 *
 * The API key is the assistant's apiKey, or the first line of the file
 * apiKeyFile names in ai_key_dir.  A status other than 200, a stream
 * that stops before [DONE] or an error object in the stream fails the
 * run (run.c hands off with the reason); so does the deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "httpc.h"
#include "log.h"

#define OAI_ROUNDS		4
#define OAI_EVENT_MAX		(1024 * 1024)
#define OAI_ERRBODY_MAX		4096
#define OAI_FAQ_HITS		3

struct oai {
	struct aib_gen		*g;
	struct aib_sse		 sse;
	struct aib_tools	 tools;
	struct cm_http		 http;
	struct cm_buf		 round_text;	/* content of this round */
	struct cm_buf		 errbody;
	int			 done;		/* [DONE] seen */
	int			 failed;
};

static const char oai_tools_json[] =
"[{\"type\":\"function\",\"function\":{\"name\":\"transfer_chat_to_agent\","
"\"description\":\"Hand the conversation to a human support agent, when "
"you cannot help or the customer asks for a person.\",\"parameters\":"
"{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\","
"\"description\":\"Why a human should take over, in a few words.\"}},"
"\"required\":[\"reason\"]}}},"
"{\"type\":\"function\",\"function\":{\"name\":\"search_faq\","
"\"description\":\"Search the company's FAQ; returns the best matching "
"questions and answers.\",\"parameters\":{\"type\":\"object\","
"\"properties\":{\"query\":{\"type\":\"string\"}},\"required\":"
"[\"query\"]}}}]";

/* One SSE event of the stream. */
static int
oai_event(void *arg, const char *event, const char *data, size_t len)
{
	struct oai	*o = arg;
	const cJSON	*ch, *delta, *v;
	cJSON		*j;
	const char	*msg;
	int		 rv = 0;

	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		o->done = 1;
		return (0);
	}
	if ((j = cm_json_parse(data, len)) == NULL)
		return (0);		/* not ours to understand */
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "error")) != NULL &&
	    !cJSON_IsNull(v)) {
		msg = cm_json_str(v, "message");
		snprintf(o->g->error, sizeof(o->g->error), "the model server "
		    "reported: %.150s", msg != NULL ? msg : "an error");
		o->failed = 1;
		cJSON_Delete(j);
		return (-1);
	}
	ch = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j,
	    "choices"), 0);
	delta = cJSON_GetObjectItemCaseSensitive(ch, "delta");
	v = cJSON_GetObjectItemCaseSensitive(delta, "content");
	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		cm_buf_puts(&o->round_text, v->valuestring);
		rv = aib_emit_chunk(o->g, v->valuestring,
		    strlen(v->valuestring));
	}
	v = cJSON_GetObjectItemCaseSensitive(delta, "tool_calls");
	if (rv == 0 && v != NULL && !cJSON_IsNull(v) &&
	    aib_tools_delta(&o->tools, v) == -1) {
		cm_strlcpy(o->g->error, "the model sent a malformed tool call",
		    sizeof(o->g->error));
		o->failed = 1;
		rv = -1;
	}
	cJSON_Delete(j);
	return (rv);
}

static int
oai_body(void *arg, const char *p, size_t n)
{
	struct oai	*o = arg;

	if (o->http.status != 200) {
		if (o->errbody.len + n <= OAI_ERRBODY_MAX)
			cm_buf_append(&o->errbody, p, n);
		return (0);
	}
	if (aib_sse_feed(&o->sse, p, n) == -1) {
		if (!o->failed && !o->g->cancelled && !o->g->timed_out &&
		    !o->g->stopped)
			cm_strlcpy(o->g->error, "the model's stream is too "
			    "large or malformed", sizeof(o->g->error));
		return (-1);
	}
	return (0);
}

static int
oai_tick(void *arg)
{
	return (aib_gen_tick(((struct oai *)arg)->g));
}

/* The request body for messages; caller frees. */
static char *
oai_request(struct aib_gen *g, const cJSON *messages)
{
	const cJSON	*a = g->assistant, *v;
	cJSON		*r = cJSON_CreateObject();
	char		*s;

	cJSON_AddStringToObject(r, "model", cm_json_str(a, "model"));
	cJSON_AddTrueToObject(r, "stream");
	cJSON_AddItemToObject(r, "messages", cJSON_Duplicate(messages, 1));
	if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(a, "tools"))) {
		cJSON_AddItemToObject(r, "tools", cJSON_Parse(oai_tools_json));
		cJSON_AddStringToObject(r, "tool_choice", "auto");
	}
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(a,
	    "temperature")))
		cJSON_AddNumberToObject(r, "temperature", v->valuedouble);
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(a,
	    "maxTokens")))
		cJSON_AddNumberToObject(r, "max_tokens", v->valuedouble);
	s = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return (s);
}

/* Makes one request; 0, or -1 with g->error (or a stop flag) set. */
static int
oai_post(struct oai *o, const struct cm_url *u, const char *key,
    const char *body)
{
	struct cm_buf	 hdr = { 0 };
	const char	*msg;
	cJSON		*e;
	int		 rv;

	cm_buf_puts(&hdr, "Content-Type: application/json\r\n"
	    "Accept: text/event-stream\r\n");
	if (key != NULL && key[0] != '\0')
		cm_buf_printf(&hdr, "Authorization: Bearer %s\r\n", key);
	memset(&o->http, 0, sizeof(o->http));
	o->http.method = "POST";
	o->http.url = u;
	o->http.headers = hdr.data;
	o->http.body = body;
	o->http.body_len = strlen(body);
	o->http.ca_file = o->g->w->ctx.cfg->ai_tls_ca_file;
	o->http.on_body = oai_body;
	o->http.tick = oai_tick;
	o->http.arg = o;
	o->done = 0;
	o->errbody.len = 0;
	rv = cm_http_request(&o->http);
	cm_buf_free(&hdr);
	if (o->failed || o->g->cancelled || o->g->timed_out || o->g->stopped)
		return (-1);
	if (rv == -1 && !o->http.stopped) {
		snprintf(o->g->error, sizeof(o->g->error), "%s", o->http.err);
		return (-1);
	}
	if (o->http.status != 200) {
		e = cm_json_parse(o->errbody.data, o->errbody.len);
		msg = cm_json_str(cJSON_GetObjectItemCaseSensitive(e, "error"),
		    "message");
		snprintf(o->g->error, sizeof(o->g->error), "HTTP %d: %.150s",
		    o->http.status, msg != NULL ? msg : "no message");
		cJSON_Delete(e);
		return (-1);
	}
	if (!o->done) {
		cm_strlcpy(o->g->error, "the model's stream ended before "
		    "[DONE]", sizeof(o->g->error));
		return (-1);
	}
	return (rv);
}

/*
 * Runs the tool calls of a round: appends the assistant's message and
 * the tools' answers to messages.  Returns 1 if the answer is over
 * (a transfer), 0 to ask the model again, -1 to stop.
 */
static int
oai_run_tools(struct oai *o, cJSON *messages)
{
	struct aib_gen	*g = o->g;
	struct aib_toolcall *c;
	cJSON		*am, *calls, *call, *fn, *args, *use, *res, *out, *tm;
	cJSON		*all, *hits;
	const char	*reason, *q, *msg;
	char		*text;
	int		 i, over = 0;

	am = cJSON_CreateObject();
	cJSON_AddStringToObject(am, "role", "assistant");
	if (o->round_text.len > 0)
		cJSON_AddStringToObject(am, "content", o->round_text.data);
	else
		cJSON_AddNullToObject(am, "content");
	calls = cJSON_AddArrayToObject(am, "tool_calls");
	for (i = 0; i < o->tools.n; i++) {
		c = &o->tools.calls[i];
		call = cJSON_CreateObject();
		cJSON_AddStringToObject(call, "id", c->id);
		cJSON_AddStringToObject(call, "type", "function");
		fn = cJSON_AddObjectToObject(call, "function");
		cJSON_AddStringToObject(fn, "name", c->name);
		cJSON_AddStringToObject(fn, "arguments", c->args.len > 0 ?
		    c->args.data : "{}");
		cJSON_AddItemToArray(calls, call);
	}
	cJSON_AddItemToArray(messages, am);

	for (i = 0; i < o->tools.n && !over; i++) {
		c = &o->tools.calls[i];
		args = aib_tools_args(&o->tools, i);
		use = cJSON_CreateObject();
		cJSON_AddStringToObject(use, "id", c->id);
		cJSON_AddStringToObject(use, "name", c->name);
		cJSON_AddItemToObject(use, "arguments", args != NULL ?
		    cJSON_Duplicate(args, 1) : cJSON_CreateString(c->args.len >
		    0 ? c->args.data : ""));
		if (aib_emit_tool(g, "tool-use", use) == -1) {
			cJSON_Delete(args);
			return (-1);
		}
		out = cJSON_CreateObject();
		if (strcmp(c->name, "transfer_chat_to_agent") == 0) {
			reason = cm_json_str(args, "reason");
			snprintf(g->reason, sizeof(g->reason), "%s",
			    reason != NULL && reason[0] != '\0' ? reason :
			    "The assistant handed the conversation over");
			g->handoff = !g->job->asked;
			cJSON_AddBoolToObject(out, "transferred", g->handoff);
			over = 1;
		} else if (strcmp(c->name, "search_faq") == 0 &&
		    (q = cm_json_str(args, "query")) != NULL &&
		    (all = aib_faq_all(&g->w->ctx, g->job->org)) != NULL) {
			hits = aib_faq_search(all, q, cJSON_GetObjectItemCaseSensitive(
			    g->assistant, "faqCategories"), OAI_FAQ_HITS);
			cJSON_AddItemToObject(out, "entries", hits);
			cJSON_Delete(all);
		} else
			cJSON_AddStringToObject(out, "error", "unknown tool or "
			    "bad arguments");
		cJSON_Delete(args);
		text = cJSON_PrintUnformatted(out);
		tm = cJSON_CreateObject();
		cJSON_AddStringToObject(tm, "role", "tool");
		cJSON_AddStringToObject(tm, "tool_call_id", c->id);
		cJSON_AddStringToObject(tm, "content", text);
		cJSON_AddItemToArray(messages, tm);
		free(text);
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "id", c->id);
		cJSON_AddStringToObject(res, "name", c->name);
		cJSON_AddItemToObject(res, "result", out);
		if (aib_emit_tool(g, "tool-result", res) == -1)
			return (-1);
	}
	if (over && g->text.len == 0) {
		/* Something for the customer to read, not just silence. */
		msg = cm_json_str(g->assistant, "handoffMessage");
		aib_emit_text(g, msg != NULL && msg[0] != '\0' ? msg :
		    "Let me connect you with a member of our team.");
	}
	return (over);
}

int
aib_openai_generate(struct aib_gen *g)
{
	struct oai	 o;
	struct cm_url	 u;
	char		*key, *body;
	cJSON		*messages;
	int		 round, rv = -1;

	if (aib_model_url(g, &u) == -1)
		return (-1);
	memset(&o, 0, sizeof(o));
	o.g = g;
	key = aib_model_key(g);
	messages = aib_prompt_messages(g);
	for (round = 0; round < OAI_ROUNDS; round++) {
		aib_sse_init(&o.sse, OAI_EVENT_MAX, oai_event, &o);
		aib_tools_reset(&o.tools);
		o.round_text.len = 0;
		body = oai_request(g, messages);
		rv = oai_post(&o, &u, key, body);
		free(body);
		aib_sse_free(&o.sse);
		if (rv == -1 || o.tools.n == 0)
			break;
		if ((rv = oai_run_tools(&o, messages)) != 0) {
			rv = rv == 1 ? 0 : -1;
			break;
		}
		rv = -1;
	}
	if (round == OAI_ROUNDS)
		cm_strlcpy(g->error, "the model kept calling tools",
		    sizeof(g->error));
	if (rv == 0 && g->text.len == 0 && !g->handoff) {
		cm_strlcpy(g->error, "the model gave an empty answer",
		    sizeof(g->error));
		rv = -1;
	}
	cJSON_Delete(messages);
	aib_tools_free(&o.tools);
	cm_buf_free(&o.round_text);
	cm_buf_free(&o.errbody);
	free(key);
	return (rv);
}
