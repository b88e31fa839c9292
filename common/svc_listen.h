/*
 * The service skeleton's NNG listener and its watchdog (svc_listen.c).
 * Private to common/svc*.c; services never see it.
 */
#ifndef CM_SVC_LISTEN_H
#define CM_SVC_LISTEN_H

#include <nng/nng.h>

struct cm_svc_listen;

/*
 * Listens on url with sock, creating the directory of an ipc:// socket
 * first.  Returns a handle (free with cm_svc_listen_free), or NULL
 * after logging why.
 */
struct cm_svc_listen *cm_svc_listen_open(nng_socket sock, const char *url);

/*
 * Checks that the listener still attaches new connections to the
 * socket, and restarts it if it does not (see svc_listen.c).  Blocks
 * for at most about a second in the normal case.  Call it from one
 * thread only.
 */
void	cm_svc_listen_check(struct cm_svc_listen *sl);

/*
 * Frees sl (NULL is fine).  Call it after nng_close() of the socket,
 * which stops the listener and its pipe callbacks.
 */
void	cm_svc_listen_free(struct cm_svc_listen *sl);

/* The URL the service can dial itself on, or NULL (tls+tcp://, port 0). */
const char *cm_svc_listen_self_url(const struct cm_svc_listen *sl);

/* For an ipc:// URL, creates the socket's directory (mkdir -p); 0 or -1. */
int	cm_svc_listen_mkdir(const char *url);

/*
 * The URL that reaches url's listener from this host (loopback for a
 * tcp:// wildcard), or NULL (tls+tcp://, port 0, ...).  Caller frees.
 */
char	*cm_svc_self_url(const char *url);

#endif
