/*
 * Redis pub/sub channel names (formats in channels.h).  The org sits
 * inside a {hash tag}, like in every key, so a Redis Cluster keeps a
 * tenant's channels and keys in one slot.
 */
#include <stdarg.h>
#include <stdio.h>

#include "channels.h"

static int	chan_format(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* snprintf that reports truncation as -1. */
static int
chan_format(char *out, size_t size, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return (-1);
	return (n);
}

int
cm_chan_identity(char *out, size_t size, const char *prefix,
    const char *org, const char *role, const char *email)
{
	return (chan_format(out, size, "%sev:{%s}:u:%s:%s", prefix, org,
	    role, email));
}

int
cm_chan_agents(char *out, size_t size, const char *prefix, const char *org)
{
	return (chan_format(out, size, "%sev:{%s}:agents", prefix, org));
}

int
cm_chan_org(char *out, size_t size, const char *prefix, const char *org)
{
	return (chan_format(out, size, "%sev:{%s}:all", prefix, org));
}
