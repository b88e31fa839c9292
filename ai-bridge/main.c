/*
 * confab-ai: the AI assistant's side of a conversation.  Issue 8 fills
 * it (assistant configs, the FAQ and OpenAI backends, reply jobs from a
 * Redis stream); for now it only answers PING through the service
 * skeleton (svc.h), so the gateway and health checks can find it.
 */
#include "svc.h"

static const char *
aib_address(const struct cm_cfg *cfg)
{
	return (cfg->ai_address);
}

static const struct cm_frame_route aib_frames[] = {
	{ 0,		NULL }
};

static const struct cm_event_route aib_events[] = {
	{ NULL,		NULL }
};

static const struct cm_svc_def aib_def = {
	.name =		"ai",
	.address =	aib_address,
	.frames =	aib_frames,
	.events =	aib_events,
	.app =		NULL,
};

int
main(int argc, char **argv)
{
	return (cm_svc_main(&aib_def, argc, argv));
}
