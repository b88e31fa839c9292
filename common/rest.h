/*
 * REST requests inside a service: the gateway forwards /chat/... as a
 * CM_MSG_REST frame; the service skeleton matches it against the
 * service's route table and calls the handler.  Handlers hold business
 * logic only: authentication happened at the gateway (req->user is the
 * verified principal) and the answer's JSON framing happens here.
 *
 * A pattern is a path whose "{}" segments match any one segment, which
 * is URL-decoded into req->params in order:
 *
 *	{ "POST", "/chat/agents/{}/status", pres_rest_set_status }
 */
#ifndef CM_REST_H
#define CM_REST_H

#include <cjson/cJSON.h>

#include "jwt.h"

struct cm_svc_ctx;

#define CM_REST_MAX_PARAMS	4
#define CM_REST_PARAM_MAX	256

struct cm_rest_req {
	const char		*method;	/* borrowed: "GET", "POST", ... */
	const char		*path;		/* borrowed */
	const char		*query;		/* borrowed; no '?', may be "" */
	struct cm_principal	 user;
	const cJSON		*body;		/* borrowed; NULL if none */
	char			 params[CM_REST_MAX_PARAMS][CM_REST_PARAM_MAX];
	int			 nparams;
};

/*
 * What a handler fills: an HTTP status and a JSON body (owned).  With
 * content_type set (a static string) and a string body, the client gets
 * the string itself as the body, of that type (a CSV transcript).
 */
struct cm_rest_reply {
	int		 status;
	cJSON		*body;
	const char	*content_type;
};

typedef void (*cm_rest_fn)(struct cm_svc_ctx *, const struct cm_rest_req *,
    struct cm_rest_reply *);

struct cm_rest_route {
	const char	*method;
	const char	*pattern;
	cm_rest_fn	 fn;
};

/*
 * Matches path against pattern; on a match fills params (URL-decoded)
 * and returns 1.  0 if no match, or a parameter is too long or badly
 * encoded.
 */
int	cm_rest_match(const char *pattern, const char *path,
	    char params[][CM_REST_PARAM_MAX], int *nparams);

/*
 * Copies query parameter name, URL-decoded ('+' is a space), into out.
 * Returns 0, or -1 if absent, too long or badly encoded.
 */
int	cm_rest_query(const struct cm_rest_req *req, const char *name,
	    char *out, size_t outlen);

/*
 * An integer query parameter in [lo, hi], or def when absent.  Returns
 * -1 (and fills an HTTP 400 into rep) if present but not such a number.
 */
int	cm_rest_query_int(const struct cm_rest_req *req,
	    struct cm_rest_reply *rep, const char *name, long def, long lo,
	    long hi, long *out);

/* Sets rep to status with {"error":{"code","message"}}. */
void	cm_rest_error(struct cm_rest_reply *rep, int status, const char *code,
	    const char *message);

/* Sets rep to status with body (taking ownership). */
void	cm_rest_ok(struct cm_rest_reply *rep, int status, cJSON *body);

/* Sets rep to 200 with text as a raw body of type (a static string). */
void	cm_rest_raw(struct cm_rest_reply *rep, const char *type,
	    const char *text);

/*
 * Answers one CM_MSG_REST body for the routes (NULL-terminated):
 * 404 when no pattern matches the path, 405 when one matches but not
 * the method.  Returns the reply {"status","body"[,"contentType"]};
 * caller frees.
 */
cJSON	*cm_rest_dispatch(const struct cm_rest_route *routes,
	    struct cm_svc_ctx *ctx, const char *org, const cJSON *frame_body);

#endif
