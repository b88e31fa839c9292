/* Per-address connection counts and per-socket token buckets. */
#include <stdint.h>

#include "ratelimit.h"
#include "map.h"

int
gw_bucket_take(struct gw_bucket *b, int per_minute, int64_t now_ms)
{
	if (per_minute <= 0)
		return (0);
	if (b->last_ms == 0)
		b->tokens = per_minute;		/* a full burst to start */
	else
		b->tokens += (double)(now_ms - b->last_ms) * per_minute /
		    60000.0;
	if (b->tokens > per_minute)
		b->tokens = per_minute;
	b->last_ms = now_ms;
	if (b->tokens < 1.0)
		return (-1);
	b->tokens -= 1.0;
	return (0);
}

/* The map's values are the counts themselves, cast to pointers. */
int
gw_ip_acquire(struct cm_map *m, const char *ip, int max)
{
	intptr_t n = (intptr_t)cm_map_get(m, ip);

	if (max > 0 && n >= max)
		return (-1);
	cm_map_put(m, ip, (void *)(n + 1));
	return (0);
}

void
gw_ip_release(struct cm_map *m, const char *ip)
{
	intptr_t n = (intptr_t)cm_map_get(m, ip);

	if (n <= 1)
		cm_map_del(m, ip);
	else
		cm_map_put(m, ip, (void *)(n - 1));
}
