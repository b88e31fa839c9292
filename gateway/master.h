#ifndef GW_MASTER_H
#define GW_MASTER_H

#include "cfg.h"

/*
 * Runs the gateway master until SIGTERM: binds the listener, forks the
 * workers, respawns the ones that die, reloads on SIGHUP.  cfg is owned
 * by the master from here on; path is reread on reload.  Returns the
 * exit status.
 */
int	gw_master_run(struct cm_cfg *cfg, const char *path);

/* Checks what the workers will build from cfg (the JWT key); 0 if usable. */
int	gw_master_check_cfg(const struct cm_cfg *cfg);

#endif
