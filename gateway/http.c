/*
 * HTTP/1.1 requests, parsed by Node's http_parser (Debian's
 * libhttp-parser): request line, headers, body.  This file keeps the
 * headers confab needs, enforces the head and body limits, routes the
 * request (Engine.IO upgrade, health, REST) and writes responses.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "gw.h"
#include "http.h"
#include "log.h"

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct gw_http_req *r = p->data;

	r->head_bytes += len;
	if (r->head_bytes > r->max_head) {
		r->too_large = 431;
		return (-1);
	}
	cm_buf_append(&r->url, at, len);
	return (0);
}

/* Stores the header just completed if confab reads it. */
static void
header_commit(struct gw_http_req *r)
{
	static const struct {
		const char *name;
		size_t off;
	} keep[] = {
		{ "upgrade", offsetof(struct gw_http_req, upgrade) },
		{ "sec-websocket-key", offsetof(struct gw_http_req, ws_key) },
		{ "sec-websocket-version",
		    offsetof(struct gw_http_req, ws_version) },
		{ "authorization",
		    offsetof(struct gw_http_req, authorization) },
		{ "orgid", offsetof(struct gw_http_req, orgid) },
		{ "user-agent", offsetof(struct gw_http_req, user_agent) },
		{ "origin", offsetof(struct gw_http_req, origin) },
		{ "x-forwarded-for",
		    offsetof(struct gw_http_req, forwarded_for) },
	};
	size_t i;

	if (r->field.len == 0)
		return;
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		char **slot = (char **)((char *)r + keep[i].off);

		if (strcasecmp(r->field.data, keep[i].name) != 0)
			continue;
		free(*slot);
		*slot = cm_strdup(r->value.len ? r->value.data : "");
		break;
	}
	r->field.len = r->value.len = 0;
	if (r->field.data)
		r->field.data[0] = '\0';
	if (r->value.data)
		r->value.data[0] = '\0';
}

static int
on_header_part(http_parser *p, const char *at, size_t len, int is_value)
{
	struct gw_http_req *r = p->data;

	r->head_bytes += len;
	if (r->head_bytes > r->max_head) {
		r->too_large = 431;
		return (-1);
	}
	if (r->in_value && !is_value)
		header_commit(r);
	r->in_value = is_value;
	cm_buf_append(is_value ? &r->value : &r->field, at, len);
	return (0);
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
	return (on_header_part(p, at, len, 0));
}

static int
on_header_value(http_parser *p, const char *at, size_t len)
{
	return (on_header_part(p, at, len, 1));
}

static int
on_headers_complete(http_parser *p)
{
	struct gw_http_req *r = p->data;

	header_commit(r);
	if (p->content_length != ULLONG_MAX &&
	    p->content_length > r->max_body) {
		r->too_large = 413;
		return (-1);
	}
	return (0);
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
	struct gw_http_req *r = p->data;

	if (r->body.len + len > r->max_body) {
		r->too_large = 413;
		return (-1);
	}
	cm_buf_append(&r->body, at, len);
	return (0);
}

static int
on_message_complete(http_parser *p)
{
	struct gw_http_req *r = p->data;

	r->complete = 1;
	http_parser_pause(p, 1);	/* one request at a time */
	return (0);
}

static const http_parser_settings settings = {
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

struct gw_http_req *
gw_http_req_new(void)
{
	struct gw_http_req *r = cm_calloc(1, sizeof(*r));

	r->max_head = 16384;
	r->max_body = 1048576;
	gw_http_req_reset(r);
	return (r);
}

static void
req_clear(struct gw_http_req *r)
{
	char **hdrs[] = { &r->upgrade, &r->ws_key, &r->ws_version,
	    &r->authorization, &r->orgid, &r->user_agent, &r->origin,
	    &r->forwarded_for };
	size_t i;

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		free(*hdrs[i]);
		*hdrs[i] = NULL;
	}
	cm_buf_free(&r->url);
	cm_buf_free(&r->body);
	cm_buf_free(&r->field);
	cm_buf_free(&r->value);
}

void
gw_http_req_reset(struct gw_http_req *r)
{
	req_clear(r);
	r->in_value = 0;
	r->head_bytes = 0;
	r->fed = 0;
	r->too_large = 0;
	r->complete = 0;
	http_parser_init(&r->parser, HTTP_REQUEST);
	r->parser.data = r;
}

void
gw_http_req_free(struct gw_http_req *r)
{
	if (r == NULL)
		return;
	req_clear(r);
	free(r);
}

ssize_t
gw_http_feed(struct gw_http_req *r, const char *data, size_t len)
{
	size_t n = http_parser_execute(&r->parser, &settings, data, len);
	enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);

	r->fed += n;
	if (e != HPE_OK && e != HPE_PAUSED)
		return (-1);
	return ((ssize_t)n);
}

int
gw_http_path(const char *url, char *out, size_t outlen)
{
	size_t n = strcspn(url, "?#");

	if (n >= outlen)
		return (-1);
	memcpy(out, url, n);
	out[n] = '\0';
	return (0);
}

int
gw_http_query_param(const char *url, const char *name, char *out,
    size_t outlen)
{
	const char *q = strchr(url, '?');
	size_t nlen = strlen(name);

	while (q != NULL && *q != '\0') {
		size_t vlen;

		q++;
		if (strncmp(q, name, nlen) == 0 && q[nlen] == '=') {
			q += nlen + 1;
			vlen = strcspn(q, "&#");
			if (vlen >= outlen)
				return (-1);
			memcpy(out, q, vlen);
			out[vlen] = '\0';
			return (0);
		}
		q = strchr(q, '&');
	}
	return (-1);
}

const char *
gw_http_reason(int status)
{
	switch (status) {
	case 101: return ("Switching Protocols");
	case 200: return ("OK");
	case 201: return ("Created");
	case 204: return ("No Content");
	case 400: return ("Bad Request");
	case 401: return ("Unauthorized");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 408: return ("Request Timeout");
	case 409: return ("Conflict");
	case 413: return ("Payload Too Large");
	case 426: return ("Upgrade Required");
	case 429: return ("Too Many Requests");
	case 431: return ("Request Header Fields Too Large");
	case 500: return ("Internal Server Error");
	case 502: return ("Bad Gateway");
	case 503: return ("Service Unavailable");
	case 504: return ("Gateway Timeout");
	default: return ("Unknown");
	}
}

void
gw_http_respond(struct gw_conn *c, int status, const char *json, int close)
{
	gw_http_respond_type(c, status, "application/json", json, close);
}

void
gw_http_respond_type(struct gw_conn *c, int status, const char *type,
    const char *body, int close)
{
	struct cm_buf b = { 0 };
	size_t len = strlen(body);

	cm_buf_printf(&b, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "Connection: %s\r\n\r\n",
	    status, gw_http_reason(status), type, len,
	    close ? "close" : "keep-alive");
	cm_buf_append(&b, body, len);
	gw_conn_write(c, b.data, b.len);
	cm_buf_free(&b);
	if (close)
		gw_conn_close(c);
}

void
gw_http_respond_error(struct gw_conn *c, int status, const char *code,
    const char *message)
{
	struct cm_buf b = { 0 };

	cm_buf_puts(&b, "{\"error\":{\"code\":");
	cm_buf_json_str(&b, code);
	cm_buf_puts(&b, ",\"message\":");
	cm_buf_json_str(&b, message);
	cm_buf_puts(&b, "}}");
	gw_http_respond(c, status, b.data, 1);
	cm_buf_free(&b);
}
