/*
 * confab-queue: conversations, queues and message history.  main.c only
 * wires things together: the frames, events and REST routes queue-svc
 * answers, the timer thread, the webhook dispatchers (hooks.c), and the
 * service skeleton (svc.h) that runs the rest.  qs.h lists the files.
 */
#include "qs.h"

static const struct cm_frame_route qs_frames[] = {
	{ CM_MSG_SOCKET_OPEN,	qs_socket_open },
	{ CM_MSG_SOCKET_CLOSE,	qs_socket_close },
	{ CM_MSG_AI_RESULT,	qs_ai_result },
	{ 0,			NULL }
};

/* Every client event goes through the op table (ops.c). */
static const struct cm_event_route qs_events[] = {
	{ "chat-message",	qs_op_event },
	{ "pick-next",		qs_op_event },
	{ "takeover-chat",	qs_op_event },
	{ "transfer-chat",	qs_op_event },
	{ "resume-ai",		qs_op_event },
	{ "close-chat",		qs_op_event },
	{ "typing",		qs_op_event },
	{ "edit-message",	qs_op_event },
	{ "delete-message",	qs_op_event },
	{ "rate-chat",		qs_op_event },
	{ "watch-chat",		qs_watch_event },	/* then presence-svc */
	{ "tag-chat",		qs_op_event },
	{ "support-persons",	qs_op_event },
	{ "set-preferred-agent", qs_op_event },
	{ "label-chat",		qs_op_event },
	{ "webrtc-signal",	qs_op_event },
	{ "escalate-chat",	qs_escalate_event },	/* teams, then transfer */
	{ "agent-status",	qs_op_event },	/* from presence-svc only */
	{ NULL,			NULL }
};

/* The timer thread and the webhook dispatchers start and stop together. */
static int
qs_init(const struct cm_cfg *cfg, void *app)
{
	if (qs_timer_init(cfg, app) == -1)
		return (-1);
	if (qs_hooks_init(cfg, app) == -1) {
		qs_timer_fini(app);
		return (-1);
	}
	return (0);
}

static void
qs_fini(void *app)
{
	qs_hooks_fini(app);
	qs_timer_fini(app);
}

static const struct cm_svc_def qs_def = {
	.name =		"queue",
	.frames =	qs_frames,
	.events =	qs_events,
	.rest =		qs_rest_routes,
	.metrics =	qs_metrics,
	.init =		qs_init,
	.fini =		qs_fini,
	.app =		NULL,
};

int
main(int argc, char **argv)
{
	qs_scripts_init();		/* before any thread exists */
	return (cm_svc_main(&qs_def, argc, argv));
}
