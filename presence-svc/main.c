/*
 * confab-presence: who is online, agent status, visitor presence, room
 * presence, and no ghost users.  This file only wires the handlers into
 * the service skeleton (svc.h); see pres.h for the map of the others.
 */
#include "pres.h"

static struct pres_app	 pres_app = PRES_APP_INITIALIZER;

static const struct cm_frame_route pres_frames[] = {
	{ CM_MSG_SOCKET_OPEN,		pres_socket_open },
	{ CM_MSG_SOCKET_CLOSE,		pres_socket_close },
	{ CM_MSG_SOCKET_REFRESH,	pres_socket_refresh },
	{ CM_MSG_WORKER_HEARTBEAT,	pres_worker_heartbeat },
	{ 0,				NULL }
};

/*
 * Each client event and REST route runs one operation (api.c); these
 * one-line adapters only name it, and for REST the path parameter.
 */
#define PRES_EVENT(fn, op)						\
static cJSON *								\
fn(struct cm_svc_ctx *ctx, const struct cm_event_req *req)		\
{									\
	return (pres_event_run(ctx, req, op));				\
}
#define PRES_REST(fn, op, param)					\
static void								\
fn(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,		\
    struct cm_rest_reply *rep)						\
{									\
	pres_rest_run(ctx, req, rep, op, param);			\
}

PRES_EVENT(ev_set_status, pres_op_set_status)
PRES_EVENT(ev_page_view, pres_op_page_view)
PRES_EVENT(ev_visitor_state, pres_op_visitor_state)
PRES_EVENT(ev_heartbeat, pres_op_heartbeat)
PRES_EVENT(ev_watch_chat, pres_op_watch_chat)
PRES_EVENT(ev_room_join, pres_op_room_join)
PRES_EVENT(ev_room_leave, pres_op_room_leave)
PRES_EVENT(ev_room_presence, pres_op_room_presence)
PRES_EVENT(ev_room_metadata, pres_op_room_metadata)
PRES_EVENT(ev_room_members, pres_op_room_members)
PRES_EVENT(ev_room_destroy, pres_op_room_destroy)

static const struct cm_event_route pres_events[] = {
	{ "set-status",		ev_set_status },
	{ "page-view",		ev_page_view },
	{ "visitor-state",	ev_visitor_state },
	{ "heartbeat",		ev_heartbeat },
	{ "watch-chat",		ev_watch_chat },
	{ "room-join",		ev_room_join },
	{ "room-leave",		ev_room_leave },
	{ "room-presence",	ev_room_presence },
	{ "room-metadata",	ev_room_metadata },
	{ "room-members",	ev_room_members },
	{ "room-destroy",	ev_room_destroy },
	{ NULL,			NULL }
};

PRES_REST(rest_agents_online, pres_op_agents_online, NULL)
PRES_REST(rest_agent_presence, pres_op_agent_presence, "email")
PRES_REST(rest_agent_status, pres_op_set_status, "email")
PRES_REST(rest_customers_online, pres_op_customers_online, NULL)
PRES_REST(rest_journey, pres_op_journey, "email")
PRES_REST(rest_stats, pres_op_stats, NULL)
PRES_REST(rest_sessions, pres_op_sessions, NULL)
PRES_REST(rest_room_get, pres_op_room_get, "roomId")
PRES_REST(rest_room_join, pres_op_room_join, "roomId")
PRES_REST(rest_room_leave, pres_op_room_leave, "roomId")
PRES_REST(rest_room_presence, pres_op_room_presence, "roomId")
PRES_REST(rest_room_metadata, pres_op_room_metadata, "roomId")
PRES_REST(rest_room_members, pres_op_room_members, "roomId")
PRES_REST(rest_room_history, pres_op_room_history, "roomId")
PRES_REST(rest_room_destroy, pres_op_room_destroy, "roomId")

static const struct cm_rest_route pres_rest[] = {
	{ "GET",  "/chat/agents/online",	  rest_agents_online },
	{ "GET",  "/chat/agents/{}/presence",	  rest_agent_presence },
	{ "POST", "/chat/agents/{}/status",	  rest_agent_status },
	{ "GET",  "/chat/customers/online",	  rest_customers_online },
	{ "GET",  "/chat/customers/{}/journey",	  rest_journey },
	{ "GET",  "/chat/presence/stats",	  rest_stats },
	{ "GET",  "/chat/sessions",		  rest_sessions },
	{ "GET",  "/chat/rooms/{}",		  rest_room_get },
	{ "POST", "/chat/rooms/{}/join",	  rest_room_join },
	{ "POST", "/chat/rooms/{}/leave",	  rest_room_leave },
	{ "POST", "/chat/rooms/{}/presence",	  rest_room_presence },
	{ "POST", "/chat/rooms/{}/metadata",	  rest_room_metadata },
	{ "GET",  "/chat/rooms/{}/members",	  rest_room_members },
	{ "GET",  "/chat/rooms/{}/history",	  rest_room_history },
	{ "POST", "/chat/rooms/{}/destroy",	  rest_room_destroy },
	{ NULL,	  NULL,				  NULL }
};

static const struct cm_svc_def pres_def = {
	.name =		"presence",
	.frames =	pres_frames,
	.events =	pres_events,
	.rest =		pres_rest,
	.app =		&pres_app,
};

int
main(int argc, char **argv)
{
	return (cm_svc_main(&pres_def, argc, argv));
}
