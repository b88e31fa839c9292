/*
 * One operation, two callers.  Every presence operation (pres_op_fn)
 * takes the caller and one JSON object of arguments, and returns a
 * result or an error.  A socket event passes its argument; a REST
 * request passes its body, the path parameter and the query string,
 * merged into one object.  So each operation is written once, and the
 * two wire shapes are made here:
 *
 *	event ack	{"ok":true,...result}	{"ok":false,"error":{code,message}}
 *	REST		200 result		HTTP status, {"error":{code,message}}
 */
#include <stdlib.h>
#include <string.h>

#include "pres.h"
#include "util.h"

#define API_QUERY_NAME_MAX	32
#define API_QUERY_VALUE_MAX	1024

static void	 api_add_query(cJSON *, const struct cm_rest_req *);

cJSON *
pres_event_run(struct cm_svc_ctx *ctx, const struct cm_event_req *req,
    pres_op_fn fn)
{
	struct pres_call	 call;
	struct pres_err		 err;
	cJSON			*empty = NULL, *res, *ack, *it;

	if (req->data != NULL && !cJSON_IsObject(req->data))
		return (cm_json_error("BAD_REQUEST",
		    "the event's argument must be an object"));
	if (req->data == NULL)
		empty = cJSON_CreateObject();
	call.user = &req->user;
	call.sid = req->sid;
	call.args = req->data != NULL ? req->data : empty;
	memset(&err, 0, sizeof(err));
	res = fn(ctx, &call, &err);
	cJSON_Delete(empty);
	if (res == NULL)
		return (cm_json_error(err.code[0] != '\0' ? err.code :
		    "INTERNAL", err.msg));
	ack = cJSON_CreateObject();
	cJSON_AddTrueToObject(ack, "ok");
	while ((it = res->child) != NULL) {
		cJSON_DetachItemViaPointer(res, it);
		cJSON_AddItemToObject(ack, it->string, it);
	}
	cJSON_Delete(res);
	return (ack);
}

void
pres_rest_run(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep, pres_op_fn fn, const char *param)
{
	struct pres_call	 call;
	struct pres_err		 err;
	cJSON			*args, *res;

	if (req->body != NULL && !cJSON_IsObject(req->body)) {
		cm_rest_error(rep, 400, "BAD_REQUEST",
		    "the body must be a JSON object");
		return;
	}
	args = req->body != NULL ? cJSON_Duplicate(req->body, 1) :
	    cJSON_CreateObject();
	if (param != NULL && req->nparams > 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(args, param);
		cJSON_AddStringToObject(args, param, req->params[0]);
	}
	api_add_query(args, req);
	call.user = &req->user;
	call.sid = NULL;
	call.args = args;
	memset(&err, 0, sizeof(err));
	res = fn(ctx, &call, &err);
	cJSON_Delete(args);
	if (res == NULL)
		cm_rest_error(rep, err.http != 0 ? err.http : 500,
		    err.code[0] != '\0' ? err.code : "INTERNAL", err.msg);
	else
		cm_rest_ok(rep, 200, res);
}

/*
 * Adds each query parameter that the body does not already name, as a
 * string (operations accept numbers and booleans as strings).
 */
static void
api_add_query(cJSON *args, const struct cm_rest_req *req)
{
	const char	*q = req->query;
	char		 name[API_QUERY_NAME_MAX + 1];
	char		 value[API_QUERY_VALUE_MAX];
	size_t		 len, nlen;

	while (q != NULL && *q != '\0') {
		len = strcspn(q, "&");
		nlen = strcspn(q, "=&");
		if (nlen > 0 && nlen <= API_QUERY_NAME_MAX) {
			memcpy(name, q, nlen);
			name[nlen] = '\0';
			if (cJSON_GetObjectItemCaseSensitive(args,
			    name) == NULL && cm_rest_query(req, name, value,
			    sizeof(value)) == 0)
				cJSON_AddStringToObject(args, name, value);
		}
		q += len;
		if (*q == '&')
			q++;
	}
}
