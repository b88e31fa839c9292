/*
 * The confab_queue_* metric families (GET /metrics on queue_http_listen):
 * queue depth by queue (skill) summed over orgs, how long conversations
 * waited before an agent got them, and messages stored.  The counters
 * are fed by qs_metrics_op() after every op.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "map.h"
#include "prom.h"
#include "qs.h"
#include "queue_keys.h"
#include "svc.h"

struct qs_metrics {
	struct cm_prom_hist	wait;		/* pick-next: queued -> picked */
	uint64_t		stored;		/* chat-message stored anew */
	uint64_t		picked;
};

static struct qs_metrics qs_counts;	/* one per process, atomics */

void
qs_metrics_op(const char *op, const cJSON *body)
{
	const cJSON *chat, *w, *m;

	if (strcmp(op, "pick-next") == 0 &&
	    (chat = cJSON_GetObjectItemCaseSensitive(body, "chat")) != NULL &&
	    cJSON_IsNumber(w = cJSON_GetObjectItemCaseSensitive(chat,
	    "waiting"))) {
		cm_prom_observe(&qs_counts.wait,
		    (uint64_t)(w->valuedouble * 1e6));
		CM_ADD(&qs_counts.picked, 1);
	} else if (strcmp(op, "chat-message") == 0 &&
	    (m = cJSON_GetObjectItemCaseSensitive(body, "message")) != NULL &&
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body,
	    "duplicate")))
		CM_ADD(&qs_counts.stored, 1);
}

static int
qs_metrics_emit(const char *skill, void *n, void *arg)
{
	struct cm_buf *b = arg, l = { 0 };

	cm_prom_label(&l, "queue", skill);
	cm_prom_sample(b, "confab_queue_depth", l.data, (double)(intptr_t)n);
	cm_buf_free(&l);
	return (0);
}

/*
 * ZCARD of every queue of every org, summed by queue (skill): orgs are
 * not a label, since their number has no bound.
 */
static void
qs_metrics_depth(redisContext *c, const struct cm_cfg *cfg, struct cm_buf *b)
{
	struct cm_map *depth = cm_map_new();
	redisReply *orgs, *skills, *n;
	char *k, *okey = qs_key_orgs(cfg);
	size_t i, j;

	orgs = redisCommand(c, "SMEMBERS %s", okey);
	free(okey);
	for (i = 0; orgs != NULL && orgs->type == REDIS_REPLY_ARRAY &&
	    i < orgs->elements; i++) {
		k = qs_key(cfg, QS_FAM_QUEUES, orgs->element[i]->str, NULL,
		    NULL);
		skills = redisCommand(c, "SMEMBERS %s", k);
		free(k);
		for (j = 0; skills != NULL && skills->type ==
		    REDIS_REPLY_ARRAY && j < skills->elements; j++) {
			const char *sk = skills->element[j]->str;

			k = qs_key(cfg, QS_FAM_QUEUE, orgs->element[i]->str,
			    sk, NULL);
			n = redisCommand(c, "ZCARD %s", k);
			free(k);
			if (n != NULL && n->type == REDIS_REPLY_INTEGER)
				cm_map_put(depth, sk, (void *)((intptr_t)
				    cm_map_get(depth, sk) + n->integer));
			freeReplyObject(n);
		}
		freeReplyObject(skills);
	}
	freeReplyObject(orgs);
	cm_prom_family(b, "confab_queue_depth", "gauge",
	    "Conversations waiting for an agent, by queue (skill), all orgs.");
	cm_map_each(depth, qs_metrics_emit, b);
	cm_map_free(depth);
}

void
qs_metrics(const struct cm_cfg *cfg, void *app, struct cm_buf *b)
{
	struct cm_prom_hist h;
	redisContext *c;

	memset(&h, 0, sizeof(h));
	cm_prom_hist_add(&h, &qs_counts.wait);
	cm_prom_family(b, "confab_queue_wait_seconds", "histogram",
	    "How long a conversation waited in a queue before pick-next.");
	cm_prom_hist(b, "confab_queue_wait_seconds", NULL, &h);
	cm_prom_one(b, "confab_queue_messages_stored_total", "counter",
	    "Chat messages stored (retries of a stored one not counted).",
	    (double)CM_LOAD(&qs_counts.stored));
	cm_prom_one(b, "confab_queue_picked_total", "counter",
	    "Conversations an agent took from a queue.",
	    (double)CM_LOAD(&qs_counts.picked));
	/* A scrape has its own short-lived link: the threads' are theirs. */
	if ((c = cm_redis_connect(cfg)) != NULL) {
		qs_metrics_depth(c, cfg, b);
		redisFree(c);
	}
}
