/*
 * libFuzzer target: what a service does with a REST request's outside
 * bytes: the path against route patterns, the query string, and the
 * JSON body (the gateway's depth-limited parse).  The first line of the
 * input is the path, the second the query, the rest the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rest.h"
#include "util.h"

static const char *patterns[] = {
	"/chat/agents/{}/status", "/chat/rooms/{}/members/{}",
	"/chat/conversations/{}/messages", "/chat/sessions",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = malloc(len + 1), *path, *query, *body, *nl;
	char params[CM_REST_MAX_PARAMS][CM_REST_PARAM_MAX], v[64];
	struct cm_rest_req req;
	struct cm_rest_reply rep = { 0, NULL, NULL };
	size_t i;
	long n;
	int np;

	memcpy(text, data, len);
	text[len] = '\0';
	path = text;
	query = (nl = strchr(path, '\n')) != NULL ? (*nl = '\0', nl + 1) : "";
	body = (nl = strchr(query, '\n')) != NULL ? (*nl = '\0', nl + 1) : "";
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		cm_rest_match(patterns[i], path, params, &np);
	memset(&req, 0, sizeof(req));
	req.query = query;
	cm_rest_query(&req, "limit", v, sizeof(v));
	cm_rest_query_int(&req, &rep, "before", 0, 0, 1000000, &n);
	cJSON_Delete(rep.body);
	cJSON_Delete(cm_json_parse(body, strlen(body)));
	free(text);
	return (0);
}
