/* REST routing inside a service (see rest.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rest.h"
#include "svc.h"
#include "util.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* URL-decodes n bytes of s into out; plus_space turns '+' into ' '. */
static int
url_decode(const char *s, size_t n, char *out, size_t outlen, int plus_space)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return (-1);
			if ((hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return (-1);
			c = hi * 16 + lo;
			i += 2;
			if (c == 0)
				return (-1);
		} else if (c == '+' && plus_space)
			c = ' ';
		if (o + 1 >= outlen)
			return (-1);
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (0);
}

int
cm_rest_match(const char *pattern, const char *path,
    char params[][CM_REST_PARAM_MAX], int *nparams)
{
	const char *p = pattern, *s = path;

	*nparams = 0;
	while (*p != '\0' && *s != '\0') {
		if (p[0] == '{' && p[1] == '}') {
			size_t n = strcspn(s, "/");

			if (n == 0 || *nparams >= CM_REST_MAX_PARAMS ||
			    url_decode(s, n, params[*nparams],
			    CM_REST_PARAM_MAX, 0) == -1)
				return (0);
			(*nparams)++;
			p += 2;
			s += n;
			continue;
		}
		if (*p != *s)
			return (0);
		p++;
		s++;
	}
	/* A trailing slash on the path is forgiven. */
	if (*p == '\0' && s[0] == '/' && s[1] == '\0')
		s++;
	return (*p == '\0' && *s == '\0');
}

int
cm_rest_query(const struct cm_rest_req *req, const char *name, char *out,
    size_t outlen)
{
	const char *q = req->query;
	size_t nlen = strlen(name);

	while (q != NULL && *q != '\0') {
		size_t len = strcspn(q, "&");

		if (len > nlen && strncmp(q, name, nlen) == 0 && q[nlen] == '=')
			return (url_decode(q + nlen + 1, len - nlen - 1, out,
			    outlen, 1));
		if (len == nlen && strncmp(q, name, nlen) == 0) {
			if (outlen == 0)
				return (-1);
			out[0] = '\0';
			return (0);
		}
		q += len;
		if (*q == '&')
			q++;
	}
	return (-1);
}

int
cm_rest_query_int(const struct cm_rest_req *req, struct cm_rest_reply *rep,
    const char *name, long def, long lo, long hi, long *out)
{
	char buf[32], *end, msg[128];
	long v;

	if (cm_rest_query(req, name, buf, sizeof(buf)) == -1) {
		*out = def;
		return (0);
	}
	v = strtol(buf, &end, 10);
	if (buf[0] == '\0' || *end != '\0' || v < lo || v > hi) {
		snprintf(msg, sizeof(msg), "%s must be an integer from %ld "
		    "to %ld", name, lo, hi);
		cm_rest_error(rep, 400, "BAD_REQUEST", msg);
		return (-1);
	}
	*out = v;
	return (0);
}

void
cm_rest_error(struct cm_rest_reply *rep, int status, const char *code,
    const char *message)
{
	cJSON_Delete(rep->body);
	rep->status = status;
	rep->body = cm_svc_error(code, message);
}

void
cm_rest_ok(struct cm_rest_reply *rep, int status, cJSON *body)
{
	cJSON_Delete(rep->body);
	rep->status = status;
	rep->body = body;
}

void
cm_rest_raw(struct cm_rest_reply *rep, const char *type, const char *text)
{
	cm_rest_ok(rep, 200, cJSON_CreateString(text));
	rep->content_type = type;
}

cJSON *
cm_rest_dispatch(const struct cm_rest_route *routes, struct cm_svc_ctx *ctx,
    const char *org, const cJSON *fb)
{
	const struct cm_rest_route *r;
	struct cm_rest_req req;
	struct cm_rest_reply rep = { 0, NULL, NULL };
	const char *why;
	cJSON *out;
	int path_seen = 0;

	memset(&req, 0, sizeof(req));
	req.method = cm_json_str(fb, "method");
	req.path = cm_json_str(fb, "path");
	req.query = cm_json_str(fb, "query");
	req.body = cJSON_GetObjectItemCaseSensitive(fb, "body");
	if (cJSON_IsNull(req.body))
		req.body = NULL;
	if (req.query == NULL)
		req.query = "";
	if (req.method == NULL || req.path == NULL)
		cm_rest_error(&rep, 400, "BAD_REQUEST", "method and path required");
	else if (cm_svc_principal(cJSON_GetObjectItemCaseSensitive(fb, "user"),
	    org, &req.user, &why) == -1)
		cm_rest_error(&rep, 400, "BAD_REQUEST", why);
	else {
		for (r = routes; r != NULL && r->pattern != NULL; r++) {
			if (!cm_rest_match(r->pattern, req.path, req.params,
			    &req.nparams))
				continue;
			path_seen = 1;
			if (strcmp(r->method, req.method) == 0)
				break;
		}
		if (r != NULL && r->pattern != NULL)
			r->fn(ctx, &req, &rep);
		else if (path_seen)
			cm_rest_error(&rep, 405, "METHOD_NOT_ALLOWED",
			    "this path does not take that method");
		else
			cm_rest_error(&rep, 404, "NOT_FOUND", "no such endpoint");
		if (rep.status == 0)
			cm_rest_error(&rep, 500, "INTERNAL",
			    "the handler gave no answer");
	}
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "status", rep.status);
	cJSON_AddItemToObject(out, "body", rep.body != NULL ? rep.body :
	    cJSON_CreateObject());
	if (rep.content_type != NULL && cJSON_IsString(rep.body))
		cJSON_AddStringToObject(out, "contentType", rep.content_type);
	return (out);
}
