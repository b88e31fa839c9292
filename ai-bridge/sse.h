/*
 * An incremental parser of Server-Sent Events (the WHATWG "event stream"
 * format), as an OpenAI-compatible server streams a chat completion:
 *
 *	data: {"choices":[{"delta":{"content":"Hel"}}]}
 *
 *	data: [DONE]
 *
 * Bytes are fed as they arrive, split anywhere (a CRLF may straddle two
 * reads).  Lines end in CRLF, LF or CR; "data" lines accumulate, joined
 * by LF; "event" names the event; a blank line dispatches it.  Comments
 * (":...") and "id" and "retry" fields are ignored, as is an event with
 * no data.  A stream that ends mid-event does not dispatch it.
 *
 * This file depends on common/util only, so that the unit tests and the
 * fuzz target can include it alone.
 */
#ifndef AIB_SSE_H
#define AIB_SSE_H

#include <stddef.h>

#include "util.h"

#define AIB_SSE_EVENT_MAX	64	/* longer event names are cut */

/*
 * Called for each event.  event is "message" unless an "event" field
 * named it; data (len bytes, followed by a NUL; it may hold NULs of
 * its own) is borrowed for the call.
 * Returns 0 to go on, or -1 to stop the parser.
 */
typedef int (*aib_sse_fn)(void *arg, const char *event, const char *data,
    size_t len);

struct aib_sse {
	struct cm_buf	 line;		/* the line being read */
	struct cm_buf	 data;		/* the event's data so far */
	char		 event[AIB_SSE_EVENT_MAX + 1];
	size_t		 max;		/* bytes a line or an event may hold */
	int		 cr;		/* the last byte was a CR */
	int		 bom;		/* the leading BOM was looked for */
	int		 has_data;	/* a data field was seen */
	int		 failed;
	aib_sse_fn	 fn;
	void		*arg;
};

/* Prepares p; max bounds a line and an event's data (bytes). */
void	aib_sse_init(struct aib_sse *p, size_t max, aib_sse_fn fn, void *arg);

/*
 * Parses n more bytes.  Returns 0, or -1 once a line or an event grew
 * beyond max or fn asked to stop; after -1 every call returns -1.
 */
int	aib_sse_feed(struct aib_sse *p, const char *buf, size_t n);

void	aib_sse_free(struct aib_sse *p);

#endif
