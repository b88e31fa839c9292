/*
 * confab-ai: the AI assistant's side of a conversation.  main.c only
 * wires things together: the frames, events and REST routes ai-bridge
 * answers, the worker threads (started by the skeleton's init hook once
 * the config is loaded), and the service skeleton (svc.h) that runs the
 * rest.  aib.h lists the files.
 *
 *	confab-ai [-c config] [-t] [-h]
 *	confab-ai [-c config] --seed-demo
 *
 * --seed-demo writes the demo chat config and FAQ of org "demo" (see
 * seed.c) unless they exist, and exits.
 */
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "log.h"

struct aib	aib_app;

/* The REST routes of config.c, settings.c, faq.c and summary.c, in one table. */
static struct cm_rest_route	aib_routes[40];

static const struct cm_frame_route aib_frames[] = {
	{ CM_MSG_SOCKET_OPEN,	aib_socket_open },
	{ CM_MSG_AI_JOB,	aib_job_frame },
	{ 0,			NULL }
};

static const struct cm_event_route aib_events[] = {
	{ "send-ai-message",	aib_send_ai_message },
	{ NULL,			NULL }
};

static int
aib_init(const struct cm_cfg *cfg, void *app)
{
	struct aib	*a = app;
	int		 i;

	a->cfg = cfg;
	a->npeers = cfg->service_threads;
	a->peers = cm_calloc((size_t)a->npeers, sizeof(*a->peers));
	for (i = 0; i < a->npeers; i++)
		a->peers[i].url = cfg->queue_address;
	return (aib_workers_start(a));
}

static void
aib_fini(void *app)
{
	struct aib	*a = app;
	int		 i;

	aib_workers_stop(a);
	for (i = 0; i < a->npeers; i++)
		cm_svc_peer_close(&a->peers[i]);
	free(a->peers);
	a->peers = NULL;
}

static const struct cm_svc_def aib_def = {
	.name =		"ai",
	.frames =	aib_frames,
	.events =	aib_events,
	.rest =		aib_routes,
	.metrics =	aib_metrics,
	.init =		aib_init,
	.fini =		aib_fini,
	.app =		&aib_app,
};

/* Appends a NULL-terminated route table to aib_routes. */
static void
aib_add_routes(const struct cm_rest_route *r)
{
	static size_t	 n;

	for (; r->pattern != NULL; r++) {
		if (n + 1 >= sizeof(aib_routes) / sizeof(aib_routes[0]))
			cm_fatal(70, "msg=\"too many REST routes\"");
		aib_routes[n++] = *r;
	}
}

/* Handles --seed-demo; returns -1 if it is not on the command line. */
static int
aib_seed_cmd(int argc, char **argv)
{
	const char	*path = NULL;
	int		 i, seed = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed-demo") == 0)
			seed = 1;
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "-c", 2) == 0)
			path = argv[i] + 2;
	}
	if (!seed)
		return (-1);
	return (aib_seed_demo(path) == 0 ? 0 : 1);
}

int
main(int argc, char **argv)
{
	int	 status;

	if ((status = aib_seed_cmd(argc, argv)) != -1)
		return (status);
	aib_add_routes(aib_config_routes);
	aib_add_routes(aib_settings_routes);
	aib_add_routes(aib_faq_routes);
	aib_add_routes(aib_summary_routes);
	return (cm_svc_main(&aib_def, argc, argv));
}
