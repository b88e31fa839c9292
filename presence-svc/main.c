/*
 * confab-presence: records each Socket.IO socket on connect and removes
 * it on disconnect, and announces identities coming online and going
 * offline.  Everything else is the service skeleton's (svc.h).
 */
#include "pres.h"

static const char *
pres_address(const struct cm_cfg *cfg)
{
	return (cfg->presence_address);
}

static const struct cm_frame_route pres_frames[] = {
	{ CM_MSG_SOCKET_OPEN,		pres_socket_open },
	{ CM_MSG_SOCKET_CLOSE,		pres_socket_close },
	{ CM_MSG_SOCKET_REFRESH,	pres_socket_refresh },
	{ 0,				NULL }
};

/* Client events (set-status, typing, rooms) arrive with issue 3. */
static const struct cm_event_route pres_events[] = {
	{ NULL,				NULL }
};

static const struct cm_svc_def pres_def = {
	.name =		"presence",
	.address =	pres_address,
	.frames =	pres_frames,
	.events =	pres_events,
	.app =		NULL,
};

int
main(int argc, char **argv)
{
	return (cm_svc_main(&pres_def, argc, argv));
}
