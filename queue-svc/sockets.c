/*
 * SOCKET_OPEN and SOCKET_CLOSE, which the gateway sends every service
 * (proto.h).  queue-svc keeps its own view of who is connected, for two
 * things:
 *
 *  - agents' availability: an agent or admin with at least one socket is
 *    online for routing (chat-agents, chat-skill:*); the skills it serves
 *    come from the socket's auth context { skills: [..] } when given.
 *    presence-svc's status (available | busy | away) is not consulted.
 *  - the assistant: the chat config a customer's socket names in its
 *    auth context { configId } (chat-visitor), so that the customer's
 *    next new conversation starts with that config's assistant.
 *  - offline delivery: when an identity's last socket closes, the time
 *    is kept (chat-away); its next socket gets the messages of its
 *    conversations since then, a little before, as chat-message with
 *    "replayed": true.  presence-svc sends the SOCKET_CLOSE of a dead
 *    worker's sockets with "since", the earliest the socket may have
 *    died: the away time is then that, and an identity that has
 *    reconnected already gets what it missed replayed at once.
 *
 * Sockets of a gateway worker that died never send SOCKET_CLOSE; the
 * timer's sweep (timer.c) finds them.  Both answer {}.
 */
#include <string.h>

#include "log.h"
#include "qs.h"
#include "util.h"

#define QS_SID_MAX	64

static int	 qs_socket(struct cm_svc_ctx *, const struct cm_frame *,
		    const cJSON *, cJSON **, int);
static void	 qs_socket_skills(const cJSON *, char *, size_t);

int
qs_socket_open(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	return (qs_socket(ctx, f, body, reply, 1));
}

int
qs_socket_close(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	return (qs_socket(ctx, f, body, reply, 0));
}

/*
 * The skills of an agent's socket as a comma list into out, or "-" when
 * its context names none (the ones registered before stay).  A list
 * with a bad name counts as none, with a log line.
 */
static void
qs_socket_skills(const cJSON *body, char *out, size_t size)
{
	const cJSON	*list;

	list = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(body, "context"), "skills");
	if (list == NULL)
		cm_strlcpy(out, "-", size);
	else if (qs_skills_csv(list, out, size) == -1) {
		cm_log_info("msg=\"agent skills ignored\" why=\"not a list "
		    "of at most 16 skill names\"");
		cm_strlcpy(out, "-", size);
	}
}

static int
qs_socket(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply, int open)
{
	struct cm_principal	 u;
	const cJSON		*since;
	const char		*sid, *why, *args[8];
	char			 since_s[24] = "";
	char			 skills[QS_SKILLS_CSV_MAX];
	redisReply		*r;
	int			 st = CM_ST_OK;

	sid = cm_json_str(body, "sid");
	if (sid == NULL || sid[0] == '\0' || strlen(sid) > QS_SID_MAX) {
		*reply = cm_svc_error("BAD_FRAME", "sid missing or too long");
		return (CM_ST_BAD_FRAME);
	}
	if (f->org[0] == '\0' || cm_svc_principal(
	    cJSON_GetObjectItemCaseSensitive(body, "user"), f->org, &u,
	    &why) == -1) {
		*reply = cm_svc_error("BAD_FRAME", f->org[0] == '\0' ?
		    "no org" : why);
		return (CM_ST_BAD_FRAME);
	}
	if (open && u.role != CM_ROLE_CUSTOMER)
		qs_socket_skills(body, skills, sizeof(skills));
	else
		cm_strlcpy(skills, "-", sizeof(skills));
	args[0] = open ? "1" : "0";
	args[1] = sid;
	args[2] = cm_role_name(u.role);
	args[3] = u.email;
	args[4] = u.name;
	args[5] = skills;
	args[6] = open && u.role == CM_ROLE_CUSTOMER ? qs_context_config(
	    cJSON_GetObjectItemCaseSensitive(body, "context")) : "";
	/* A close presence-svc sends for a dead worker says since when. */
	since = cJSON_GetObjectItemCaseSensitive(body, "since");
	if (!open && cJSON_IsNumber(since) && since->valuedouble > 0 &&
	    since->valuedouble < 1e15)
		snprintf(since_s, sizeof(since_s), "%.0f", since->valuedouble);
	args[7] = since_s;
	r = qs_run(ctx, f->org, &qs_script_sock, 8, args);
	if (r == NULL) {
		*reply = cm_svc_error("UNAVAILABLE", "the queue store is "
		    "unreachable");
		st = CM_ST_UNAVAILABLE;
	} else if (r->type == REDIS_REPLY_ERROR) {
		cm_log_warn("msg=\"socket script failed\" open=%d err=\"%.300s\"",
		    open, r->str);
		*reply = cm_svc_error("INTERNAL", "socket script failed");
		st = CM_ST_ERROR;
	} else
		*reply = cJSON_CreateObject();
	freeReplyObject(r);
	return (st);
}
