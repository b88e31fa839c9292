/*
 * Multi-bubble answers (seed 003): with "multiBubble": true an answer
 * is delivered as several messages, one per paragraph.  Each bubble is
 * a stream of its own, closed by an end event {"text","bubble":i,
 * "last":false} when the blank line after it arrives; the assistant
 * then shows typing for bubbleDelayMs (default 800 ms, so a reader
 * keeps up) before the next bubble opens under a new streamId.  The
 * last bubble's end event, written by aib_emit_end, has "last":true.
 * The result lists the bubbles in "messages", for queue-svc to store
 * as separate messages in that order.
 *
 * Newlines at the end of a chunk are held back until the next byte
 * shows whether they make a blank line, so a boundary split across two
 * chunks of a model's stream is still found.
 */
#include <string.h>

#include "aib.h"

#define BUBBLE_DELAY_DEFAULT	800

void
aib_bubble_init(struct aib_gen *g)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(g->assistant,
			    "bubbleDelayMs");

	g->multi = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g->assistant,
	    "multiBubble"));
	g->bubble_delay_ms = cJSON_IsNumber(v) ? v->valueint :
	    BUBBLE_DELAY_DEFAULT;
	g->bubbles = cJSON_CreateArray();
}

/* Records the current bubble and publishes its end. */
static void
bubble_close(struct aib_gen *g)
{
	cJSON	*b = cJSON_CreateObject(), *d;

	cJSON_AddStringToObject(b, "text", g->bubble.len > 0 ?
	    g->bubble.data : "");
	cJSON_AddStringToObject(b, "streamId", g->stream);
	cJSON_AddItemToArray(g->bubbles, b);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "text", g->bubble.len > 0 ?
	    g->bubble.data : "");
	cJSON_AddNumberToObject(d, "bubble", cJSON_GetArraySize(g->bubbles) -
	    1);
	cJSON_AddFalseToObject(d, "last");
	cJSON_AddFalseToObject(d, "handoff");
	cJSON_AddStringToObject(d, "reason", "");
	aib_stream_publish(g, "end", d);
	g->bubble.len = 0;
}

/* Closes a bubble with text and opens the next one after typing. */
static int
bubble_next(struct aib_gen *g)
{
	if (g->bubble.len == 0)
		return (0);		/* blank lines before any text */
	bubble_close(g);
	aib_emit_typing(g, 1);
	if (aib_gen_sleep(g, g->bubble_delay_ms) == -1)
		return (-1);
	if (cm_random_id(g->stream, AIB_STREAM_ID_LEN) == -1)
		return (-1);
	return (0);
}

/* Publishes text of the current bubble. */
static void
bubble_text(struct aib_gen *g, const char *p, size_t n)
{
	if (n == 0)
		return;
	cm_buf_append(&g->bubble, p, n);
	aib_stream_chunk(g, p, n);
}

int
aib_bubble_feed(struct aib_gen *g, const char *p, size_t n)
{
	size_t	 i, start = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			bubble_text(g, p + start, i - start);
			g->newlines++;
			start = i + 1;
			continue;
		}
		if (g->newlines >= 2) {
			if (bubble_next(g) == -1)
				return (-1);
		} else if (g->newlines == 1 && g->bubble.len > 0)
			bubble_text(g, "\n", 1);
		g->newlines = 0;
	}
	bubble_text(g, p + start, n - start);
	return (0);
}
