/*
 * confab-queue: conversations and their messages.  For now it stores a
 * customer's chat-message and delivers it to every tab of the customer;
 * queues, routing and the lifecycle come with issue 4.  Everything else
 * is the service skeleton's (svc.h).
 */
#include "qs.h"

static const char *
qs_address(const struct cm_cfg *cfg)
{
	return (cfg->queue_address);
}

/* REST (history, transcripts, stats) arrives with issue 4. */
static const struct cm_frame_route qs_frames[] = {
	{ 0,			NULL }
};

static const struct cm_event_route qs_events[] = {
	{ "chat-message",	qs_chat_message },
	{ NULL,			NULL }
};

static const struct cm_svc_def qs_def = {
	.name =		"queue",
	.address =	qs_address,
	.frames =	qs_frames,
	.events =	qs_events,
	.app =		NULL,
};

int
main(int argc, char **argv)
{
	return (cm_svc_main(&qs_def, argc, argv));
}
