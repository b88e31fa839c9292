/*
 * The worker's Redis pub/sub link (see fanout.h).  A channel lives in
 * the table while it has members or a SUBSCRIBE/UNSUBSCRIBE in flight:
 *
 *	SUBSCRIBING --confirm--> SUBSCRIBED --last member gone, swept-->
 *	UNSUBSCRIBING --confirm--> freed (or SUBSCRIBING again if a member
 *	joined meanwhile)
 *
 * Unsubscribing waits for a periodic sweep so that a reconnecting tab
 * does not make the channel flap; it also keeps at most one command
 * per channel in flight, which hiredis 0.14's callback table needs.
 * When the link drops, every channel goes back to SUBSCRIBING and is
 * subscribed again on reconnect (with backoff).
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#include "fanout.h"
#include "log.h"
#include "map.h"
#include "stats.h"

#define SWEEP_MS	10000
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000

enum chan_state { CH_SUBSCRIBING, CH_SUBSCRIBED, CH_UNSUBSCRIBING };

TAILQ_HEAD(gw_member_list, gw_member);

struct gw_channel {
	enum chan_state		 state;
	unsigned		 nmembers;
	struct gw_member_list	 members;
	char			 name[];	/* in the same allocation */
};

struct gw_fanout {
	struct gw_worker	*w;
	gw_fanout_ready_fn	 on_ready;
	redisAsyncContext	*ac;
	int			 up;		/* connected and authed */
	int			 had_link;	/* for counting reconnects */
	int			 backoff_ms;
	struct event		*retry_ev;
	struct event		*sweep_ev;
	struct cm_map		*channels;
	unsigned		 subscribed;
};

static void fanout_connect(struct gw_fanout *);
static void fanout_drop_dead(struct gw_fanout *);
static void fanout_schedule_retry(struct gw_fanout *);

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

/* Writes one published payload ("EVENT JSON") to every member. */
static void
fanout_deliver(struct gw_channel *ch, const char *payload, size_t len)
{
	const char *sp = memchr(payload, ' ', len);
	struct gw_member *m;
	struct iovec v[5];

	if (sp == NULL || sp == payload) {
		cm_log_warn("msg=\"bad pubsub payload\" channel=%s", ch->name);
		return;
	}
	/* 2/chat,["EVENT",JSON], written from where it lies. */
	v[0].iov_base = (void *)(uintptr_t)"2/chat,[\"";
	v[0].iov_len = 9;
	v[1].iov_base = (void *)(uintptr_t)payload;
	v[1].iov_len = (size_t)(sp - payload);
	v[2].iov_base = (void *)(uintptr_t)"\",";
	v[2].iov_len = 2;
	v[3].iov_base = (void *)(uintptr_t)(sp + 1);
	v[3].iov_len = len - (size_t)(sp - payload) - 1;
	v[4].iov_base = (void *)(uintptr_t)"]";
	v[4].iov_len = 1;
	TAILQ_FOREACH(m, &ch->members, entry)
		if (m->conn->sock != NULL && m->conn->sock->connected)
			gw_eio_send_messagev(m->conn, v, 5);
}

static void
fanout_subscribe(struct gw_fanout *f, struct gw_channel *ch);

/* Every pub/sub reply: subscribe/unsubscribe confirmations, messages. */
static void
fanout_reply_cb(redisAsyncContext *ac, void *r, void *arg)
{
	struct gw_fanout *f = arg;
	redisReply *reply = r, *kind, *name;
	struct gw_channel *ch;
	struct gw_member *m, *next;

	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 3)
		return;
	kind = reply->element[0];
	name = reply->element[1];
	if (kind->type != REDIS_REPLY_STRING ||
	    name->type != REDIS_REPLY_STRING ||
	    (ch = cm_map_get(f->channels, name->str)) == NULL)
		return;
	if (strcmp(kind->str, "message") == 0 &&
	    reply->element[2]->type == REDIS_REPLY_STRING) {
		fanout_deliver(ch, reply->element[2]->str,
		    reply->element[2]->len);
	} else if (strcmp(kind->str, "subscribe") == 0 &&
	    ch->state == CH_SUBSCRIBING) {
		ch->state = CH_SUBSCRIBED;
		f->subscribed++;
		TAILQ_FOREACH_SAFE(m, &ch->members, entry, next)
			f->on_ready(m);
	} else if (strcmp(kind->str, "unsubscribe") == 0 &&
	    ch->state == CH_UNSUBSCRIBING) {
		if (ch->nmembers > 0) {
			fanout_subscribe(f, ch);
			return;
		}
		cm_map_del(f->channels, ch->name);
		free(ch);
	}
}

static void
fanout_subscribe(struct gw_fanout *f, struct gw_channel *ch)
{
	ch->state = CH_SUBSCRIBING;
	if (f->up)
		redisAsyncCommand(f->ac, fanout_reply_cb, f, "SUBSCRIBE %s",
		    ch->name);
}

static int
resubscribe_one(const char *key, void *value, void *arg)
{
	struct gw_fanout *f = arg;
	struct gw_channel *ch = value;

	fanout_subscribe(f, ch);
	return (0);
}

static void
fanout_auth_cb(redisAsyncContext *ac, void *r, void *arg)
{
	redisReply *reply = r;

	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		cm_log_err("msg=\"redis auth failed\" err=\"%s\"", reply->str);
}

static void
fanout_connect_cb(const redisAsyncContext *ac, int status)
{
	struct gw_fanout *f = ac->data;

	if (status != REDIS_OK) {
		cm_log_warn("msg=\"redis pubsub connect failed\" err=\"%s\" "
		    "retry_ms=%d", ac->errstr, f->backoff_ms);
		f->ac = NULL;		/* hiredis frees it */
		fanout_schedule_retry(f); /* disconnect_cb will not run */
		return;
	}
	cm_log_notice("msg=\"redis pubsub connected\" channels=%zu",
	    cm_map_count(f->channels));
	if (f->had_link)
		CM_ADD(&f->w->st->redis_reconnects, 1);
	f->had_link = 1;
	f->up = 1;
	f->backoff_ms = BACKOFF_MIN_MS;
	if (f->w->cfg->redis_password[0] != '\0')
		redisAsyncCommand(f->ac, fanout_auth_cb, f, "AUTH %s",
		    f->w->cfg->redis_password);
	fanout_drop_dead(f);
	cm_map_each(f->channels, resubscribe_one, f);
}

static int
reset_one(const char *key, void *value, void *arg)
{
	struct gw_channel *ch = value;

	ch->state = ch->nmembers > 0 ? CH_SUBSCRIBING : CH_UNSUBSCRIBING;
	return (0);
}

static void
fanout_schedule_retry(struct gw_fanout *f)
{
	struct timeval tv = { f->backoff_ms / 1000,
	    (f->backoff_ms % 1000) * 1000 };

	evtimer_add(f->retry_ev, &tv);
	f->backoff_ms = f->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    f->backoff_ms * 2;
}

static void
fanout_disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct gw_fanout *f = ac->data;

	if (f == NULL)
		return;		/* gw_fanout_free() is tearing down */
	cm_log_warn("msg=\"redis pubsub disconnected\" err=\"%s\"",
	    status == REDIS_OK ? "closed" : ac->errstr);
	CM_ADD(&f->w->st->redis_errors, 1);
	f->up = 0;
	f->ac = NULL;
	f->subscribed = 0;
	/* Channels without members are dropped at the next sweep. */
	cm_map_each(f->channels, reset_one, f);
	fanout_schedule_retry(f);
}

static void
fanout_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	fanout_connect(arg);
}

static void
fanout_connect(struct gw_fanout *f)
{
	const char *addr = f->w->cfg->redis_address;
	char host[256];
	int port;

	if (addr[0] == '/' || addr[0] == '.')
		f->ac = redisAsyncConnectUnix(addr);
	else if (cm_split_hostport(addr, host, sizeof(host), &port) == 0)
		f->ac = redisAsyncConnect(host, port);
	else {
		cm_log_err("msg=\"bad redis_address\" value=\"%s\"", addr);
		return;
	}
	if (f->ac == NULL || f->ac->err) {
		cm_log_warn("msg=\"redis pubsub connect failed\" err=\"%s\"",
		    f->ac ? f->ac->errstr : "out of memory");
		if (f->ac != NULL)
			redisAsyncFree(f->ac);
		f->ac = NULL;
		fanout_schedule_retry(f);
		return;
	}
	f->ac->data = f;
	redisLibeventAttach(f->ac, f->w->base);
	redisAsyncSetConnectCallback(f->ac, fanout_connect_cb);
	redisAsyncSetDisconnectCallback(f->ac, fanout_disconnect_cb);
}

static int
sweep_one(const char *key, void *value, void *arg)
{
	struct gw_fanout *f = arg;
	struct gw_channel *ch = value;

	if (ch->nmembers == 0 && ch->state == CH_SUBSCRIBED && f->up) {
		ch->state = CH_UNSUBSCRIBING;
		f->subscribed--;
		redisAsyncCommand(f->ac, fanout_reply_cb, f, "UNSUBSCRIBE %s",
		    ch->name);
	}
	return (0);
}

/* Frees member-less channels left over from a dropped link. */
static int
collect_dead(const char *key, void *value, void *arg)
{
	struct gw_channel *ch = value, **dead = arg;

	if (ch->nmembers == 0 && ch->state == CH_UNSUBSCRIBING && *dead == NULL)
		*dead = ch;
	return (0);
}

static void
fanout_drop_dead(struct gw_fanout *f)
{
	struct gw_channel *dead;

	for (;;) {
		dead = NULL;
		cm_map_each(f->channels, collect_dead, &dead);
		if (dead == NULL)
			break;
		cm_map_del(f->channels, dead->name);
		free(dead);
	}
}

static void
fanout_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_fanout *f = arg;

	if (!f->up) {
		fanout_drop_dead(f);
		return;
	}
	cm_map_each(f->channels, sweep_one, f);
	cm_log_debug("msg=\"fanout sweep\" channels=%u", f->subscribed);
}

struct gw_fanout *
gw_fanout_new(struct gw_worker *w, gw_fanout_ready_fn on_ready)
{
	struct gw_fanout *f = cm_calloc(1, sizeof(*f));
	struct timeval tv = { SWEEP_MS / 1000, 0 };

	f->w = w;
	f->on_ready = on_ready;
	f->backoff_ms = BACKOFF_MIN_MS;
	f->channels = cm_map_new();
	f->retry_ev = evtimer_new(w->base, fanout_retry_cb, f);
	f->sweep_ev = event_new(w->base, -1, EV_PERSIST, fanout_sweep_cb, f);
	event_add(f->sweep_ev, &tv);
	fanout_connect(f);
	return (f);
}

static int
free_one(const char *key, void *value, void *arg)
{
	struct gw_channel *ch = value;

	free(ch);
	return (0);
}

void
gw_fanout_free(struct gw_fanout *f)
{
	if (f == NULL)
		return;
	if (f->ac != NULL) {
		f->ac->data = NULL;
		redisAsyncFree(f->ac);
	}
	event_free(f->retry_ev);
	event_free(f->sweep_ev);
	cm_map_each(f->channels, free_one, NULL);
	cm_map_free(f->channels);
	free(f);
}

int
gw_fanout_ready(const struct gw_fanout *f)
{
	return (f->up);
}

int
gw_fanout_join(struct gw_fanout *f, const char *channel, struct gw_member *m)
{
	struct gw_channel *ch;

	/*
	 * While the link is down the member waits: the channel is
	 * subscribed when the link is back, and the socket's CONNECT is
	 * answered then (or its connect_timeout_ms closes it, and the
	 * client reconnects by itself).  A connect_error instead would
	 * stop socket.io-client from ever retrying.
	 */
	if ((ch = cm_map_get(f->channels, channel)) == NULL) {
		size_t len = strlen(channel) + 1;

		ch = cm_calloc(1, sizeof(*ch) + len);
		memcpy(ch->name, channel, len);
		TAILQ_INIT(&ch->members);
		cm_map_put(f->channels, channel, ch);
		fanout_subscribe(f, ch);
	}
	TAILQ_INSERT_TAIL(&ch->members, m, entry);
	ch->nmembers++;
	m->channel = ch;
	return (ch->state == CH_SUBSCRIBED ? 1 : 0);
}

void
gw_fanout_leave(struct gw_fanout *f, struct gw_member *m)
{
	struct gw_channel *ch = m->channel;

	if (ch == NULL)
		return;
	TAILQ_REMOVE(&ch->members, m, entry);
	ch->nmembers--;
	m->channel = NULL;
}

unsigned
gw_fanout_count(const struct gw_fanout *f)
{
	return (f->subscribed);
}
