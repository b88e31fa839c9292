/*
 * Webhooks (seed 003): an org's admins register URLs for some of eight
 * events; queue-svc POSTs each such event to them, signed.
 *
 * The scripts emit the events (hook() in lua_lib.c), when the state
 * changes, into the org's stream chat-hooks:{ORG}, and only if the org
 * has a webhook.  QS_HOOK_THREADS dispatcher threads here, each with
 * its own Redis connection, take them from there with the consumer
 * group "hooks" (XREADGROUP BLOCK; XAUTOCLAIM for what a dead process
 * left unacknowledged) and turn each into one delivery per matching
 * webhook in the zset chat-hook-due:{ORG}, acknowledging it in the same
 * script (lua_hooks.c).  A thread then claims a due delivery (a lease of
 * QS_HOOK_LEASE_MS pushed onto its score, so a dead process's delivery
 * comes back), POSTs it, and records the attempt: done, or due again
 * after 1, 2, 4, 8, 16 s, or given up after QS_HOOK_ATTEMPTS.  Retries
 * live in Redis, so they survive a restart and a slow receiver holds up
 * one thread only.  At least once: a receiver dedupes on the delivery
 * id (X-Confab-Delivery).
 *
 * The orgs to look at are those in chat-hook-orgs, kept by the webhooks
 * op (qs_hooks_follow).  One XREADGROUP names the streams of all of
 * them (a single Redis; a cluster would want one per slot).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "httpc.h"
#include "log.h"
#include "qs.h"
#include "queue_keys.h"
#include "util.h"

#define QS_HOOK_THREADS		4
#define QS_HOOK_ATTEMPTS	6	/* the first and five retries */
#define QS_HOOK_TIMEOUT_MS	5000
#define QS_HOOK_LEASE_MS	"60000"	/* a claim's lease */
#define QS_HOOK_BLOCK_MS	250
#define QS_HOOK_READ		10	/* events per read (fanout's args) */
#define QS_HOOK_CLAIM_EVERY_MS	10000
#define QS_HOOK_IDLE_MS		30000	/* unacked this long: a dead reader's */
#define QS_HOOK_ORGS_MAX	1000
#define QS_HOOK_BACKOFF_MAX_MS	5000


struct qs_hook_thread {
	const struct cm_cfg	*cfg;
	struct cm_svc_ctx	 ctx;
	pthread_t		 tid;
	int			 running;
	char			 consumer[96];
	int64_t			 next_claim;
	struct cm_redis_retry	 retry;
};

static struct qs_hook_thread	qs_hook_threads[QS_HOOK_THREADS];
static atomic_int		qs_hooks_stop;

static void	*qs_hooks_main(void *);

void
qs_hooks_follow(struct cm_svc_ctx *ctx, const char *org,
    struct qs_result *res)
{
	cJSON		*n;
	redisReply	*r;
	char		*key;

	if (res->body == NULL || (n = cJSON_DetachItemFromObjectCaseSensitive(
	    res->body, "_hooks")) == NULL)
		return;
	if (cJSON_IsNumber(n)) {
		key = qs_key_hook_orgs(ctx->cfg);
		r = cm_redis_command(ctx, "%s %s %s", n->valuedouble > 0 ?
		    "SADD" : "SREM", key, org);
		freeReplyObject(r);
		free(key);
	}
	cJSON_Delete(n);
}

/* The skeleton's init hook (with the timer's): starts the threads. */
int
qs_hooks_init(const struct cm_cfg *cfg, void *app)
{
	struct qs_hook_thread	*t;
	char			 host[64];
	int			 i, rv;

	atomic_store(&qs_hooks_stop, 0);
	if (gethostname(host, sizeof(host)) == -1)
		cm_strlcpy(host, "queue", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	for (i = 0; i < QS_HOOK_THREADS; i++) {
		t = &qs_hook_threads[i];
		memset(t, 0, sizeof(*t));
		t->cfg = cfg;
		t->ctx.cfg = cfg;
		t->ctx.thread = -1;
		snprintf(t->consumer, sizeof(t->consumer), "%s-%ld-%d", host,
		    (long)getpid(), i);
		if ((rv = pthread_create(&t->tid, NULL, qs_hooks_main,
		    t)) != 0) {
			qs_hooks_fini(app);
			return (cm_fail("msg=\"webhook thread not started\" "
			    "err=\"%s\"", strerror(rv)));
		}
		t->running = 1;
	}
	return (0);
}

void
qs_hooks_fini(void *app)
{
	struct qs_hook_thread	*t;
	int			 i;

	atomic_store(&qs_hooks_stop, 1);
	for (i = 0; i < QS_HOOK_THREADS; i++) {
		t = &qs_hook_threads[i];
		if (!t->running)
			continue;
		pthread_join(t->tid, NULL);
		if (t->ctx.redis != NULL)
			redisFree(t->ctx.redis);
		t->ctx.redis = NULL;
		t->running = 0;
	}
}

/* Returns 0 with a Redis link, or -1 while it is down (with backoff). */
static int
qs_hooks_redis(struct qs_hook_thread *t)
{
	return (cm_redis_link(&t->ctx, &t->retry, QS_HOOK_BACKOFF_MAX_MS));
}

static void
qs_hooks_nap(int ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Runs the dispatcher's script for org; logs a failure. */
static redisReply *
qs_hook_q(struct qs_hook_thread *t, const char *org, int nargs,
    const char **args)
{
	redisReply	*r;

	r = qs_run(&t->ctx, org, &qs_script_hook_q, nargs, args);
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		cm_log_warn("msg=\"webhook script failed\" org=%s mode=%s "
		    "err=\"%.300s\"", org, args[0], r->str);
	return (r);
}

/* Turns the stream entries of one XREADGROUP/XAUTOCLAIM list to deliveries. */
static void
qs_hook_fanout(struct qs_hook_thread *t, const char *org,
    const redisReply *entries)
{
	const char	*args[1 + QS_HOOK_READ];
	size_t		 i;
	int		 n = 0;

	args[n++] = "fanout";
	for (i = 0; entries != NULL && entries->type == REDIS_REPLY_ARRAY &&
	    i < entries->elements; i++) {
		const redisReply *e = entries->element[i];

		if (e->type != REDIS_REPLY_ARRAY || e->elements < 1 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		args[n++] = e->element[0]->str;
		if (n == 1 + QS_HOOK_READ) {
			freeReplyObject(qs_hook_q(t, org, n, args));
			n = 1;
		}
	}
	if (n > 1)
		freeReplyObject(qs_hook_q(t, org, n, args));
}

/* The org from a stream key "...chat-hooks:{ORG}" into out. */
static int
qs_hook_key_org(const char *key, char *out, size_t size)
{
	const char	*a = strrchr(key, '{'), *b = strrchr(key, '}');

	if (a == NULL || b == NULL || b <= a + 1 || (size_t)(b - a - 1) >= size)
		return (-1);
	memcpy(out, a + 1, (size_t)(b - a - 1));
	out[b - a - 1] = '\0';
	return (0);
}

/* Makes the group of every stream named; an existing one is fine. */
static void
qs_hook_groups(struct qs_hook_thread *t, char **keys, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		freeReplyObject(cm_redis_command(&t->ctx, "XGROUP CREATE %s "
		    "hooks $ MKSTREAM", keys[i]));
}

/*
 * Reads new events of every org in orgs (waiting up to block ms), and
 * every QS_HOOK_CLAIM_EVERY_MS takes over those a dead reader left.
 */
static void
qs_hook_read(struct qs_hook_thread *t, const redisReply *orgs, int block)
{
	const char	**argv;
	char		**keys, org[CM_ORG_MAX + 1], blk[16], cnt[16];
	redisReply	 *r, *x;
	size_t		  i, n = 0, argc = 0;
	int64_t		  now = cm_mono_ms();

	keys = cm_calloc(orgs->elements, sizeof(*keys));
	for (i = 0; i < orgs->elements && n < QS_HOOK_ORGS_MAX; i++)
		if (orgs->element[i]->type == REDIS_REPLY_STRING &&
		    cm_org_valid(orgs->element[i]->str))
			keys[n++] = qs_key(t->cfg, QS_FAM_HOOKS,
			    orgs->element[i]->str, NULL, NULL);
	if (n == 0)
		goto out;
	if (now >= t->next_claim) {
		t->next_claim = now + QS_HOOK_CLAIM_EVERY_MS;
		for (i = 0; i < n; i++) {
			x = cm_redis_command(&t->ctx, "XAUTOCLAIM %s hooks %s "
			    "%d 0-0 COUNT 100", keys[i], t->consumer,
			    QS_HOOK_IDLE_MS);
			if (x != NULL && x->type == REDIS_REPLY_ARRAY &&
			    x->elements >= 2 &&
			    qs_hook_key_org(keys[i], org, sizeof(org)) == 0)
				qs_hook_fanout(t, org, x->element[1]);
			freeReplyObject(x);
		}
	}
	argv = cm_calloc(10 + 2 * n, sizeof(*argv));
	snprintf(blk, sizeof(blk), "%d", block);
	snprintf(cnt, sizeof(cnt), "%d", QS_HOOK_READ);
	argv[argc++] = "XREADGROUP";
	argv[argc++] = "GROUP";
	argv[argc++] = "hooks";
	argv[argc++] = t->consumer;
	argv[argc++] = "COUNT";
	argv[argc++] = cnt;
	if (block > 0) {
		argv[argc++] = "BLOCK";
		argv[argc++] = blk;
	}
	argv[argc++] = "STREAMS";
	for (i = 0; i < n; i++)
		argv[argc++] = keys[i];
	for (i = 0; i < n; i++)
		argv[argc++] = ">";
	r = cm_redis_argv(&t->ctx, (int)argc, argv, NULL);
	free(argv);
	if (r != NULL && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOGROUP", 7) == 0)
		qs_hook_groups(t, keys, n);
	else if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++) {
			x = r->element[i];
			if (x->type == REDIS_REPLY_ARRAY && x->elements == 2 &&
			    x->element[0]->type == REDIS_REPLY_STRING &&
			    qs_hook_key_org(x->element[0]->str, org,
			    sizeof(org)) == 0)
				qs_hook_fanout(t, org, x->element[1]);
		}
	freeReplyObject(r);
out:
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

struct qs_hook_send {
	int64_t		 deadline;
};

static int
qs_hook_tick(void *arg)
{
	struct qs_hook_send	*s = arg;

	return (atomic_load(&qs_hooks_stop) || cm_mono_ms() >= s->deadline ?
	    -1 : 0);
}

/* The hex HMAC-SHA256 of body under secret into out (65 bytes). */
static int
qs_hook_sign(const char *secret, const char *body, size_t len, char *out)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0, i;

	if (HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)body, len, mac, &n) == NULL || n != 32)
		return (-1);
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return (0);
}

/*
 * Sends delivery d (the due zset's member m) to webhook h, then records
 * the attempt.
 */
static void
qs_hook_deliver(struct qs_hook_thread *t, const char *org, const char *m,
    const cJSON *d, const cJSON *h)
{
	struct qs_hook_send	 s;
	struct cm_http		 req;
	struct cm_url		 u;
	struct cm_buf		 hdr = { 0 };
	const char		*id = cm_json_str(d, "d"), *ev = cm_json_str(d, "e");
	const char		*url = cm_json_str(h, "url");
	const char		*secret = cm_json_str(h, "secret"), *args[6];
	const cJSON		*a = cJSON_GetObjectItemCaseSensitive(d, "a");
	const cJSON		*ts = cJSON_GetObjectItemCaseSensitive(d, "t");
	char			*body, sig[65], status[200], ms[24], delay[24];
	cJSON			*o;
	redisReply		*r;
	int64_t			 t0 = cm_mono_ms();
	int			 attempt, ok = 0;

	if (id == NULL || ev == NULL || url == NULL || secret == NULL ||
	    !cJSON_IsNumber(a) || cm_json_str(d, "j") == NULL) {
		cm_log_warn("msg=\"webhook delivery unreadable\" org=%s", org);
		args[0] = "done";
		args[1] = m;
		args[2] = "0";
		args[3] = "unreadable";
		args[4] = "0";
		args[5] = "";
		freeReplyObject(qs_hook_q(t, org, 6, args));
		return;
	}
	attempt = a->valueint;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "event", ev);
	cJSON_AddStringToObject(o, "org", org);
	cJSON_AddNumberToObject(o, "ts", cJSON_IsNumber(ts) ?
	    ts->valuedouble : 0);
	cJSON_AddItemToObject(o, "data", cJSON_CreateRaw(cm_json_str(d, "j")));
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);

	status[0] = '\0';
	if (cm_url_parse(url, &u) == -1)
		cm_strlcpy(status, "bad url", sizeof(status));
	else if (qs_hook_sign(secret, body, strlen(body), sig) == -1)
		cm_strlcpy(status, "signing failed", sizeof(status));
	if (status[0] == '\0') {
		cm_buf_printf(&hdr, "Content-Type: application/json\r\n"
		    "X-Confab-Event: %s\r\nX-Confab-Delivery: %s\r\n"
		    "X-Confab-Signature: sha256=%s\r\n", ev, id, sig);
		memset(&req, 0, sizeof(req));
		s.deadline = t0 + QS_HOOK_TIMEOUT_MS;
		req.method = "POST";
		req.url = &u;
		req.headers = hdr.data;
		req.body = body;
		req.body_len = strlen(body);
		req.user_agent = "confab-webhooks";
		req.tick = qs_hook_tick;
		req.arg = &s;
		if (cm_http_request(&req) == 0) {
			snprintf(status, sizeof(status), "%d", req.status);
			ok = req.status >= 200 && req.status < 300;
		} else if (req.stopped)
			cm_strlcpy(status, "timeout", sizeof(status));
		else
			snprintf(status, sizeof(status), "%s", req.err[0] !=
			    '\0' ? req.err : "failed");
		cm_buf_free(&hdr);
	}
	free(body);

	snprintf(ms, sizeof(ms), "%lld", (long long)(cm_mono_ms() - t0));
	delay[0] = '\0';
	if (!ok && attempt < QS_HOOK_ATTEMPTS && attempt >= 1)
		snprintf(delay, sizeof(delay), "%d", 1000 << (attempt - 1));
	if (ok)
		cm_log_info("msg=\"webhook delivered\" org=%s webhook=%s "
		    "event=%s delivery=%s attempt=%d status=%s ms=%s", org,
		    cm_json_str(d, "w") ? cm_json_str(d, "w") : "", ev, id,
		    attempt, status, ms);
	else if (delay[0] != '\0')
		cm_log_info("msg=\"webhook delivery failed; will retry\" "
		    "org=%s webhook=%s event=%s delivery=%s attempt=%d "
		    "status=\"%s\" ms=%s retry_ms=%s", org,
		    cm_json_str(d, "w") ? cm_json_str(d, "w") : "", ev, id,
		    attempt, status, ms, delay);
	else
		cm_log_warn("msg=\"webhook delivery given up\" org=%s "
		    "webhook=%s event=%s delivery=%s attempts=%d "
		    "status=\"%s\"", org,
		    cm_json_str(d, "w") ? cm_json_str(d, "w") : "", ev, id,
		    attempt, status);
	args[0] = "done";
	args[1] = m;
	args[2] = ok ? "1" : "0";
	args[3] = status;
	args[4] = ms;
	args[5] = delay;
	r = qs_hook_q(t, org, 6, args);
	freeReplyObject(r);
}

/* Claims and sends one due delivery of org; 1 if there was one. */
static int
qs_hook_one(struct qs_hook_thread *t, const char *org)
{
	const char	*args[2] = { "claim", QS_HOOK_LEASE_MS };
	redisReply	*r;
	cJSON		*o, *d = NULL, *h = NULL;
	const char	*m = NULL;
	int		 rv = 0;

	r = qs_hook_q(t, org, 2, args);
	if (r == NULL || r->type != REDIS_REPLY_STRING) {
		freeReplyObject(r);
		return (0);
	}
	o = cm_json_parse(r->str, r->len);
	if (o != NULL && (m = cm_json_str(o, "delivery")) != NULL &&
	    cm_json_str(o, "webhook") != NULL) {
		d = cm_json_parse(m, strlen(m));
		h = cm_json_parse(cm_json_str(o, "webhook"),
		    strlen(cm_json_str(o, "webhook")));
		if (d != NULL && h != NULL)
			qs_hook_deliver(t, org, m, d, h);
		rv = 1;
	}
	cJSON_Delete(d);
	cJSON_Delete(h);
	cJSON_Delete(o);
	freeReplyObject(r);
	return (rv);
}

static void *
qs_hooks_main(void *arg)
{
	struct qs_hook_thread	*t = arg;
	redisReply		*orgs;
	char			*key;
	size_t			 i;
	int			 sent;

	key = qs_key_hook_orgs(t->cfg);
	while (!atomic_load(&qs_hooks_stop)) {
		if (qs_hooks_redis(t) == -1) {
			qs_hooks_nap(100);
			continue;
		}
		orgs = cm_redis_command(&t->ctx, "SMEMBERS %s", key);
		if (orgs == NULL || orgs->type != REDIS_REPLY_ARRAY ||
		    orgs->elements == 0) {
			freeReplyObject(orgs);
			qs_hooks_nap(QS_HOOK_BLOCK_MS);
			continue;
		}
		sent = 0;
		for (i = 0; i < orgs->elements && !atomic_load(&qs_hooks_stop);
		    i++)
			if (orgs->element[i]->type == REDIS_REPLY_STRING &&
			    cm_org_valid(orgs->element[i]->str))
				sent += qs_hook_one(t, orgs->element[i]->str);
		/* Due work first; wait for new events only when idle. */
		if (!atomic_load(&qs_hooks_stop))
			qs_hook_read(t, orgs, sent > 0 ? 0 : QS_HOOK_BLOCK_MS);
		freeReplyObject(orgs);
	}
	free(key);
	return (NULL);
}
