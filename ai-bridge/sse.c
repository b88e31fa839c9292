/*
 * The Server-Sent Events parser (sse.h).  It follows the WHATWG HTML
 * standard's "event stream interpretation": one pass over the bytes,
 * one line buffer, and the dispatch of an event on a blank line.
 */
#include <string.h>

#include "sse.h"

static int	sse_line(struct aib_sse *, const char *, size_t);
static int	sse_dispatch(struct aib_sse *);

void
aib_sse_init(struct aib_sse *p, size_t max, aib_sse_fn fn, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->max = max;
	p->fn = fn;
	p->arg = arg;
}

void
aib_sse_free(struct aib_sse *p)
{
	cm_buf_free(&p->line);
	cm_buf_free(&p->data);
}

int
aib_sse_feed(struct aib_sse *p, const char *buf, size_t n)
{
	size_t	 i, start;

	if (p->failed)
		return (-1);
	/* A UTF-8 byte order mark may open the stream; it is not data. */
	if (!p->bom) {
		static const char bom[] = "\xef\xbb\xbf";
		size_t have = p->line.len, k;

		for (k = 0; have + k < 3 && k < n; k++)
			if (buf[k] != bom[have + k])
				break;
		if (have + k < 3 && k < n) {
			/* Not a BOM: whatever was held back is text. */
			p->bom = 1;
		} else if (have + k == 3) {
			p->bom = 1;
			p->line.len = 0;
			buf += k;
			n -= k;
		} else {
			/* All of buf is a prefix of the BOM: keep it. */
			cm_buf_append(&p->line, buf, n);
			return (0);
		}
	}
	start = 0;
	for (i = 0; i < n; i++) {
		if (buf[i] != '\n' && buf[i] != '\r') {
			p->cr = 0;
			continue;
		}
		if (buf[i] == '\n' && p->cr && i == start && p->line.len == 0) {
			/* The LF of a CRLF whose CR ended the last line. */
			p->cr = 0;
			start = i + 1;
			continue;
		}
		if (sse_line(p, buf + start, i - start) == -1)
			return (-1);
		p->cr = buf[i] == '\r';
		start = i + 1;
	}
	if (start < n) {
		if (p->line.len + (n - start) > p->max) {
			p->failed = 1;
			return (-1);
		}
		cm_buf_append(&p->line, buf + start, n - start);
	}
	return (0);
}

/*
 * Handles one complete line: the held part in p->line followed by len
 * bytes at s.
 */
static int
sse_line(struct aib_sse *p, const char *s, size_t len)
{
	const char	*line, *colon, *value;
	size_t		 total, namelen, vlen;
	int		 rv = 0;

	if (p->line.len > 0) {
		if (p->line.len + len > p->max) {
			p->failed = 1;
			return (-1);
		}
		cm_buf_append(&p->line, s, len);
		line = p->line.data;
		total = p->line.len;
	} else {
		line = s;
		total = len;
	}
	if (total == 0)
		rv = sse_dispatch(p);
	else if (line[0] != ':') {
		colon = memchr(line, ':', total);
		namelen = colon != NULL ? (size_t)(colon - line) : total;
		value = colon != NULL ? colon + 1 : line + total;
		vlen = total - (size_t)(value - line);
		if (vlen > 0 && value[0] == ' ') {
			value++;
			vlen--;
		}
		if (namelen == 4 && memcmp(line, "data", 4) == 0) {
			if (p->data.len + vlen + 1 > p->max) {
				p->failed = 1;
				rv = -1;
			} else {
				cm_buf_append(&p->data, value, vlen);
				cm_buf_append(&p->data, "\n", 1);
				p->has_data = 1;
			}
		} else if (namelen == 5 && memcmp(line, "event", 5) == 0) {
			if (vlen > AIB_SSE_EVENT_MAX)
				vlen = AIB_SSE_EVENT_MAX;
			memcpy(p->event, value, vlen);
			p->event[vlen] = '\0';
		}
		/* "id", "retry" and unknown fields are ignored. */
	}
	p->line.len = 0;
	return (rv);
}

/* A blank line: hands the event to fn and starts the next one. */
static int
sse_dispatch(struct aib_sse *p)
{
	const char	*event = p->event[0] != '\0' ? p->event : "message";
	int		 rv = 0;

	if (p->has_data) {
		/* The last data line's LF is not part of the data. */
		p->data.len--;
		p->data.data[p->data.len] = '\0';
		if (p->fn(p->arg, event, p->data.data, p->data.len) == -1) {
			p->failed = 1;
			rv = -1;
		}
	}
	p->data.len = 0;
	p->has_data = 0;
	p->event[0] = '\0';
	return (rv);
}
