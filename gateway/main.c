/*
 * confab-gateway: the Socket.IO and REST front door.  See
 * confab-gateway(8).  main() only reads the command line and the
 * config, then hands over to the master (master.c).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "master.h"
#include "util.h"

static void
usage(FILE *f, int status)
{
	fprintf(f, "usage: confab-gateway [-t | -T] [-c config]\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	struct cm_cfg *cfg = cm_calloc(1, sizeof(*cfg));
	const char *path = NULL;
	int ch, test = 0, dump = 0;

	cm_log_init("gateway");
	while ((ch = getopt(argc, argv, "c:tTh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'T':
			dump = 1;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 64);
		}
	}
	if (argc != optind)
		usage(stderr, 64);
	/* A peer that resets mid-write must cost a connection, not a worker. */
	signal(SIGPIPE, SIG_IGN);
	if (cm_cfg_load(cfg, path) == -1 || gw_master_check_cfg(cfg) == -1)
		return (78);
	if (dump)
		cm_cfg_dump(cfg, STDOUT_FILENO);
	if (test || dump) {
		fprintf(stderr, "configuration ok\n");
		cm_cfg_free(cfg);
		free(cfg);
		return (0);
	}
	return (gw_master_run(cfg, path));
}
