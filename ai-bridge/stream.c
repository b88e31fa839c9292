/*
 * What a run shows the conversation's members while it writes:
 *
 *	chat-stream {"chatId","streamId","event","data"}
 *
 * with event "chunk" (data: the next piece of text), "tool-use" (data:
 * {"id","name","arguments"}), "tool-result" (data: {"id","name",
 * "result"}) and, last, "end" (data: {"text","handoff","reason"} and
 * "error", "cancelled" or "aborted" when it did not finish normally);
 * and typing {"chatId","typing","from":{"role":"ai","email":"","name"}}
 * around it.  Every piece goes to every member (util.c, aib_publish).
 *
 * The run looks up from its work often (aib_gen_tick): for the
 * deadline, for a human taking over, for the service stopping, and to
 * keep its lock and its job's entry fresh.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

#define TICK_EVERY_MS		200
#define TICK_LOCK_EVERY_MS	2000
#define TEXT_CHUNK_WORDS	3
#define TEXT_CHUNK_MAX		48	/* bytes, when words are long */

int
aib_stream_publish(struct aib_gen *g, const char *event, cJSON *data)
{
	cJSON	*ev = cJSON_CreateObject();
	int	 rv;

	cJSON_AddStringToObject(ev, "chatId", g->job->chat);
	cJSON_AddStringToObject(ev, "streamId", g->stream);
	cJSON_AddStringToObject(ev, "event", event);
	cJSON_AddItemToObject(ev, "data", data);
	rv = aib_publish(&g->w->ctx, g->job->org, g->job->members,
	    "chat-stream", ev);
	cJSON_Delete(ev);
	return (rv);
}

int
aib_gen_tick(struct aib_gen *g)
{
	int64_t		 now = cm_mono_ms();
	char		*key;
	redisReply	*r;

	if (g->cancelled || g->timed_out || g->stopped)
		return (-1);
	if (atomic_load(&g->w->aib->stop) || g->w->lost) {
		g->stopped = 1;
		return (-1);
	}
	if (now >= g->deadline) {
		g->timed_out = 1;
		return (-1);
	}
	if (now < g->next_tick)
		return (0);
	g->next_tick = now + TICK_EVERY_MS;
	key = aib_key(g->w->ctx.cfg, AIB_FAM_CANCEL, g->job->org,
	    g->job->chat, NULL);
	r = cm_redis_command(&g->w->ctx, "GET %s", key);
	free(key);
	if (r != NULL && r->type == REDIS_REPLY_STRING &&
	    strtoll(r->str, NULL, 10) >= g->job->received)
		g->cancelled = 1;
	freeReplyObject(r);
	if (g->cancelled)
		return (-1);
	if (now >= g->next_lock) {
		g->next_lock = now + TICK_LOCK_EVERY_MS;
		if (aib_job_lock(g->w, g->job, 1) == 0)
			cm_log_warn("msg=\"conversation lock lost\" org=%s "
			    "chat=%s", g->job->org, g->job->chat);
	}
	aib_worker_beat(g->w, 0);
	return (0);
}

int
aib_gen_sleep(struct aib_gen *g, int ms)
{
	int64_t		 until = cm_mono_ms() + ms, left;
	struct timespec	 ts;

	while ((left = until - cm_mono_ms()) > 0) {
		if (aib_gen_tick(g) == -1)
			return (-1);
		if (left > 50)
			left = 50;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000;
		nanosleep(&ts, NULL);
	}
	return (aib_gen_tick(g));
}

int
aib_stream_chunk(struct aib_gen *g, const char *p, size_t n)
{
	char	*piece;

	if (n == 0)
		return (0);
	if (g->first_chunk == 0) {
		g->first_chunk = cm_mono_ms();
		cm_prom_observe(&aib_app.stats.first_chunk,
		    (uint64_t)(g->first_chunk - g->started) * 1000);
	}
	piece = cm_malloc(n + 1);
	memcpy(piece, p, n);
	piece[n] = '\0';
	aib_stream_publish(g, "chunk", cJSON_CreateString(piece));
	free(piece);
	return (0);
}

int
aib_emit_chunk(struct aib_gen *g, const char *p, size_t n)
{
	if (aib_gen_tick(g) == -1)
		return (-1);
	cm_buf_append(&g->text, p, n);
	if (g->multi)
		return (aib_bubble_feed(g, p, n));
	return (aib_stream_chunk(g, p, n));
}

/*
 * The length of the next chunk of text: TEXT_CHUNK_WORDS words with
 * the blanks after them, or TEXT_CHUNK_MAX bytes cut at a character.
 */
static size_t
stream_next_chunk(const char *s)
{
	size_t	 i = 0;
	int	 words = 0;

	while (s[i] != '\0' && i < TEXT_CHUNK_MAX) {
		while (s[i] != '\0' && s[i] != ' ' && s[i] != '\n' &&
		    i < TEXT_CHUNK_MAX)
			i++;
		while (s[i] == ' ' || s[i] == '\n')
			i++;
		if (++words == TEXT_CHUNK_WORDS)
			break;
	}
	/* Never inside a UTF-8 sequence. */
	while (i > 0 && s[i] != '\0' && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return (i > 0 ? i : strlen(s));
}

int
aib_emit_text(struct aib_gen *g, const char *text)
{
	size_t	 n;

	while (*text != '\0') {
		n = stream_next_chunk(text);
		if (aib_emit_chunk(g, text, n) == -1)
			return (-1);
		text += n;
		if (*text != '\0' && g->chunk_delay_ms > 0 &&
		    aib_gen_sleep(g, g->chunk_delay_ms) == -1)
			return (-1);
	}
	return (0);
}

int
aib_emit_tool(struct aib_gen *g, const char *event, cJSON *data)
{
	if (aib_gen_tick(g) == -1) {
		cJSON_Delete(data);
		return (-1);
	}
	aib_stream_publish(g, event, data);
	return (0);
}

void
aib_emit_end(struct aib_gen *g)
{
	cJSON	*d = cJSON_CreateObject();

	if (g->multi) {
		/* The last bubble's text; the others ended with theirs. */
		cJSON_AddStringToObject(d, "text", g->text.len > 0 &&
		    g->bubble.len > 0 ? g->bubble.data : "");
		cJSON_AddNumberToObject(d, "bubble",
		    cJSON_GetArraySize(g->bubbles));
		cJSON_AddTrueToObject(d, "last");
	} else
		cJSON_AddStringToObject(d, "text", g->text.len > 0 ?
		    g->text.data : "");
	cJSON_AddBoolToObject(d, "handoff", g->handoff);
	cJSON_AddStringToObject(d, "reason", g->reason);
	if (g->cancelled)
		cJSON_AddTrueToObject(d, "cancelled");
	else if (g->timed_out)
		cJSON_AddStringToObject(d, "error", "timeout");
	else if (g->error[0] != '\0')
		cJSON_AddStringToObject(d, "error", g->error);
	aib_stream_publish(g, "end", d);
	cm_prom_observe(&aib_app.stats.stream_duration,
	    (uint64_t)(cm_mono_ms() - g->started) * 1000);
}

void
aib_emit_aborted(struct aib_gen *g, const char *old_stream)
{
	cJSON	*ev = cJSON_CreateObject(), *d;

	cJSON_AddStringToObject(ev, "chatId", g->job->chat);
	cJSON_AddStringToObject(ev, "streamId", old_stream);
	cJSON_AddStringToObject(ev, "event", "end");
	d = cJSON_AddObjectToObject(ev, "data");
	cJSON_AddStringToObject(d, "text", "");
	cJSON_AddFalseToObject(d, "handoff");
	cJSON_AddStringToObject(d, "reason", "");
	cJSON_AddTrueToObject(d, "aborted");
	aib_publish(&g->w->ctx, g->job->org, g->job->members, "chat-stream",
	    ev);
	cJSON_Delete(ev);
}

void
aib_emit_typing(struct aib_gen *g, int on)
{
	cJSON	*ev = cJSON_CreateObject(), *from;

	cJSON_AddStringToObject(ev, "chatId", g->job->chat);
	cJSON_AddBoolToObject(ev, "typing", on);
	from = cJSON_AddObjectToObject(ev, "from");
	cJSON_AddStringToObject(from, "role", "ai");
	cJSON_AddStringToObject(from, "email", "");
	cJSON_AddStringToObject(from, "name", cm_json_str(g->character,
	    "name") ? cm_json_str(g->character, "name") : "Assistant");
	aib_publish(&g->w->ctx, g->job->org, g->job->members, "typing", ev);
	cJSON_Delete(ev);
}
