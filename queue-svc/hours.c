/*
 * Business hours (seed 003): an org's weekly schedule in its time zone,
 * with holidays, and what a customer's new conversation meets outside
 * them (outsideHours):
 *
 *	queue	queued as at any time (the default)
 *	message	queued, and the org's message stored as a system message
 *	refuse	not opened: the ack is OUTSIDE_HOURS with the message
 *
 * The setting, PUT /chat/queue/settings {"businessHours": {...} | null}:
 *
 *	{"timezone":"Europe/Berlin","days":{"mon":["09:00-17:00"],..},
 *	 "holidays":["2026-12-25",..],"outsideHours":"message",
 *	 "message":"We are closed; we answer from 9:00."}
 *
 * A day not named is closed; "00:00-24:00" is the whole day.  Time
 * zones are the system's (tzdata); Lua in Redis has none, so the C side
 * works out whether the org is open and hands the script the answer,
 * computed at most every QS_HOURS_CACHE_MS per org and thread, and at
 * once after a change of the settings through this process.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "qs.h"
#include "queue_keys.h"
#include "util.h"

#define QS_HOURS_CACHE_MS	30000
#define QS_HOURS_CACHED		64	/* orgs per thread */
#define QS_HOURS_RANGES_MAX	8	/* ranges per day */
#define QS_HOURS_HOLIDAYS_MAX	366
#define QS_HOURS_MESSAGE_MAX	1000
#define QS_TZ_MAX		64

static const char *const qs_days[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

/* TZ is process-wide state: one conversion at a time. */
static pthread_mutex_t	qs_tz_lock = PTHREAD_MUTEX_INITIALIZER;
/* Bumped when this process changes an org's settings. */
static atomic_int	qs_hours_gen;

void
qs_hours_forget(void)
{
	atomic_fetch_add(&qs_hours_gen, 1);
}

/* "HH:MM-HH:MM" into minutes of the day; -1 if not that. */
static int
qs_hours_range(const char *s, int *from, int *to)
{
	int	 h1, m1, h2, m2, n = 0;

	if (sscanf(s, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &n) != 4 ||
	    s[n] != '\0' || strlen(s) != 11 || h1 < 0 || h1 > 23 || m1 < 0 ||
	    m1 > 59 || h2 < 0 || h2 > 24 || m2 < 0 || m2 > 59 ||
	    (h2 == 24 && m2 != 0))
		return (-1);
	*from = h1 * 60 + m1;
	*to = h2 * 60 + m2;
	return (*to > *from ? 0 : -1);
}

static int
qs_hours_date(const char *s)
{
	int	 y, m, d, n = 0;

	return (s != NULL && sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 &&
	    s[n] == '\0' && n == 10 && m >= 1 && m <= 12 && d >= 1 && d <= 31);
}

/* A time zone name of the system's tzdata. */
static int
qs_hours_tz(const char *tz)
{
	char	 path[128];
	size_t	 i;

	if (tz == NULL || tz[0] == '\0' || strlen(tz) > QS_TZ_MAX ||
	    tz[0] == '/' || strstr(tz, "..") != NULL)
		return (0);
	for (i = 0; tz[i] != '\0'; i++)
		if (!((tz[i] >= 'A' && tz[i] <= 'Z') || (tz[i] >= 'a' &&
		    tz[i] <= 'z') || (tz[i] >= '0' && tz[i] <= '9') ||
		    strchr("/_+-", tz[i]) != NULL))
			return (0);
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return (access(path, R_OK) == 0);
}

const char *
qs_hours_check(const cJSON *h)
{
	const cJSON	*days, *d, *r, *v;
	const char	*out, *msg;
	int		 from, to, n, i;

	if (!cJSON_IsObject(h))
		return ("businessHours must be an object or null");
	if (!qs_hours_tz(cm_json_str(h, "timezone")))
		return ("businessHours.timezone must be a time zone such as "
		    "Europe/Berlin");
	days = cJSON_GetObjectItemCaseSensitive(h, "days");
	if (!cJSON_IsObject(days))
		return ("businessHours.days must be an object of mon..sun");
	cJSON_ArrayForEach(d, days) {
		for (i = 0; i < 7 && strcmp(d->string, qs_days[i]) != 0; i++)
			;
		if (i == 7 || !cJSON_IsArray(d) ||
		    cJSON_GetArraySize(d) > QS_HOURS_RANGES_MAX)
			return ("businessHours.days: mon..sun, each at most 8 "
			    "\"HH:MM-HH:MM\"");
		cJSON_ArrayForEach(r, d)
			if (!cJSON_IsString(r) || qs_hours_range(r->valuestring,
			    &from, &to) == -1)
				return ("businessHours.days: a range is "
				    "\"HH:MM-HH:MM\", the end after the start");
	}
	v = cJSON_GetObjectItemCaseSensitive(h, "holidays");
	n = 0;
	if (v != NULL && !cJSON_IsArray(v))
		return ("businessHours.holidays must be an array of dates");
	cJSON_ArrayForEach(r, v)
		if (++n > QS_HOURS_HOLIDAYS_MAX || !cJSON_IsString(r) ||
		    !qs_hours_date(r->valuestring))
			return ("businessHours.holidays: at most 366 "
			    "\"YYYY-MM-DD\"");
	out = cm_json_str(h, "outsideHours");
	if (out != NULL && strcmp(out, "queue") != 0 &&
	    strcmp(out, "message") != 0 && strcmp(out, "refuse") != 0)
		return ("businessHours.outsideHours must be queue, message or "
		    "refuse");
	msg = cm_json_str(h, "message");
	if (cJSON_GetObjectItemCaseSensitive(h, "message") != NULL &&
	    (msg == NULL || !qs_valid_text(msg, QS_HOURS_MESSAGE_MAX)))
		return ("businessHours.message must be text of at most 1000 "
		    "bytes");
	return (NULL);
}

/* t's local time in zone tz. */
static void
qs_hours_local(const char *tz, time_t t, struct tm *tm)
{
	char	*old;

	pthread_mutex_lock(&qs_tz_lock);
	old = getenv("TZ") != NULL ? cm_strdup(getenv("TZ")) : NULL;
	setenv("TZ", tz, 1);
	tzset();
	localtime_r(&t, tm);
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	pthread_mutex_unlock(&qs_tz_lock);
	free(old);
}

int
qs_hours_eval(const cJSON *h, time_t t)
{
	const cJSON	*r;
	struct tm	 tm;
	char		 date[16];
	int		 now, from, to;

	if (qs_hours_check(h) != NULL)
		return (-1);
	qs_hours_local(cm_json_str(h, "timezone"), t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(h, "holidays"))
		if (strcmp(r->valuestring, date) == 0)
			return (0);
	now = tm.tm_hour * 60 + tm.tm_min;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(h, "days"), qs_days[tm.tm_wday]))
		if (qs_hours_range(r->valuestring, &from, &to) == 0 &&
		    now >= from && now < to)
			return (1);
	return (0);
}

/* The org's business hours from Redis; 1 found, 0 none, -1 failed. */
static int
qs_hours_load(struct cm_svc_ctx *ctx, const char *org, cJSON **h)
{
	char		*key = qs_key(ctx->cfg, QS_FAM_ORG, org, NULL, NULL);
	redisReply	*r;
	int		 rv = -1;

	*h = NULL;
	r = cm_redis_command(ctx, "HGET %s hours", key);
	free(key);
	if (r != NULL && r->type == REDIS_REPLY_NIL)
		rv = 0;
	else if (r != NULL && r->type == REDIS_REPLY_STRING &&
	    (*h = cm_json_parse(r->str, r->len)) != NULL)
		rv = 1;
	freeReplyObject(r);
	return (rv);
}

int
qs_hours_open(struct cm_svc_ctx *ctx, const char *org)
{
	static __thread struct {
		char	 org[CM_ORG_MAX + 1];
		int	 open, gen;
		int64_t	 until;
	}			 cache[QS_HOURS_CACHED];
	static __thread int	 next;
	int64_t			 now = cm_mono_ms();
	int			 gen = atomic_load(&qs_hours_gen);
	cJSON			*h;
	int			 i, open, rv;

	for (i = 0; i < QS_HOURS_CACHED; i++)
		if (strcmp(cache[i].org, org) == 0 && now < cache[i].until &&
		    cache[i].gen == gen)
			return (cache[i].open);
	if ((rv = qs_hours_load(ctx, org, &h)) == -1)
		return (-1);		/* Redis down: the script fails too */
	open = rv == 0 ? -1 : qs_hours_eval(h, time(NULL));
	cJSON_Delete(h);
	for (i = 0; i < QS_HOURS_CACHED && strcmp(cache[i].org, org) != 0; i++)
		;
	if (i == QS_HOURS_CACHED)
		i = next++ % QS_HOURS_CACHED;
	cm_strlcpy(cache[i].org, org, sizeof(cache[i].org));
	cache[i].open = open;
	cache[i].gen = gen;
	cache[i].until = now + QS_HOURS_CACHE_MS;
	return (open);
}

void
qs_rest_hours(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	cJSON	*h, *out;
	int	 rv;

	if ((rv = qs_hours_load(ctx, req->user.org, &h)) == -1) {
		cm_rest_error(rep, 503, "SERVICE_UNAVAILABLE", "the queue "
		    "store is unreachable");
		return;
	}
	out = cJSON_CreateObject();
	if (rv == 0) {
		cJSON_AddTrueToObject(out, "open");
		cJSON_AddNullToObject(out, "businessHours");
	} else {
		cJSON_AddBoolToObject(out, "open",
		    qs_hours_eval(h, time(NULL)) != 0);
		cJSON_AddItemToObject(out, "businessHours", h);
	}
	cm_rest_ok(rep, 200, out);
}
