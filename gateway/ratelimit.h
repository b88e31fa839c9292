/*
 * Limits a hostile client runs into: connections per source address
 * (per worker) and event rates per socket.  Each is a config key; 0
 * turns it off.
 */
#ifndef GW_RATELIMIT_H
#define GW_RATELIMIT_H

#include <stdint.h>

struct cm_map;

/* A token bucket: rate per minute, burst of the same size. */
struct gw_bucket {
	double	tokens;
	int64_t	last_ms;
};

/* Takes one token; returns 0, or -1 when the rate is exceeded. */
int	gw_bucket_take(struct gw_bucket *b, int per_minute, int64_t now_ms);

/*
 * Counts a new connection from ip; returns 0, or -1 (not counted) when
 * ip already has max connections.  Release with gw_ip_release().
 */
int	gw_ip_acquire(struct cm_map *m, const char *ip, int max);
void	gw_ip_release(struct cm_map *m, const char *ip);

#endif
