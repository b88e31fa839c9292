/*
 * confabctl check-redis: compares the Redis server of redis_address
 * with what confab needs, one line per setting, and exits 1 when any
 * differs.  confab keeps all state there, so: AOF on (appendonly yes)
 * for restarts without loss, maxmemory-policy noeviction (an evicted
 * key is lost state), and Redis 6.2 or later (streams, XAUTOCLAIM).  confab uses no
 * keyspace notifications.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cfg.h"
#include "confabctl.h"
#include "svc.h"

/* CONFIG GET name into out; -1 if the server would not say. */
static int
redis_config(redisContext *c, const char *name, char *out, size_t len)
{
	redisReply *r = redisCommand(c, "CONFIG GET %s", name);
	int rv = -1;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[1]->type == REDIS_REPLY_STRING) {
		snprintf(out, len, "%s", r->element[1]->str);
		rv = 0;
	}
	freeReplyObject(r);
	return (rv);
}

static int
check(redisContext *c, const char *name, const char *want, const char *why)
{
	char v[128];

	if (redis_config(c, name, v, sizeof(v)) == -1) {
		printf("WARNING - %s: unknown (CONFIG GET refused)\n", name);
		return (1);
	}
	if (strcmp(v, want) != 0) {
		printf("WARNING - %s is %s, confab needs %s: %s\n", name, v,
		    want, why);
		return (1);
	}
	printf("OK - %s %s\n", name, v);
	return (0);
}

int
ctl_check_redis(const char *cfgpath, int argc, char **argv)
{
	struct cm_cfg cfg;
	redisContext *c;
	redisReply *r;
	int bad = 0, major = 0, minor = 0;

	if (argc != 1) {
		ctl_usage_cmd(ctl_find("check-redis"));
		return (EX_USAGE);
	}
	if (cm_cfg_load(&cfg, cfgpath) == -1)
		return (EX_CONFIG);
	if ((c = cm_redis_connect(&cfg)) == NULL) {
		printf("CRITICAL - cannot reach Redis at %s\n",
		    cfg.redis_address);
		cm_cfg_free(&cfg);
		return (1);
	}
	bad |= check(c, "appendonly", "yes",
	    "without AOF a Redis restart loses the last writes");
	bad |= check(c, "maxmemory-policy", "noeviction",
	    "evicted keys are lost conversations and presence");
	r = redisCommand(c, "INFO server");
	if (r != NULL && r->type == REDIS_REPLY_STRING) {
		const char *v = strstr(r->str, "redis_version:");

		if (v != NULL && sscanf(v + 14, "%d.%d", &major, &minor) < 1)
			major = 0;
	}
	freeReplyObject(r);
	if (major < 6 || (major == 6 && minor < 2)) {
		printf("WARNING - redis_version %d.%d: confab needs 6.2 or "
		    "later (streams, XAUTOCLAIM)\n", major, minor);
		bad = 1;
	} else
		printf("OK - redis_version %d.%d\n", major, minor);
	redisFree(c);
	cm_cfg_free(&cfg);
	return (bad);
}
