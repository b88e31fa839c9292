/*
 * presence-svc: who is connected, on which socket and gateway worker,
 * agent status, visitor presence, and room presence.  main.c wires the
 * handlers below into the service skeleton (svc.h).
 *
 *	handlers.c	socket open and close (frames)
 *	refresh.c	the 30 s socket refresh (frame)
 *	worker.c	worker heartbeats; dropping a worker's sockets
 *	sweep.c		the sweeper thread: dead workers, stale sockets,
 *			room presence expiry, watches that ran out
 *	api.c		one operation, two callers: socket events and REST
 *	status.c	agent status
 *	agents.c	REST reads: agents, stats, sessions
 *	customers.c	REST reads: customers, journeys
 *	visitor.c	page views, visitor state, heartbeat, watchers
 *	rooms.c		room changes; rooms_read.c room reads; room.c
 *			what both need (room.h)
 *	util.c		arguments, errors, script argument lists
 *	scripts*.c, lua.h	the Lua
 *
 * Every multi-key change is one Lua script.  The service keeps nothing
 * in memory between requests except the sweeper's schedule, so it can
 * be killed at any moment.
 */
#ifndef PRES_H
#define PRES_H

#include <pthread.h>
#include <stdarg.h>

#include "svc.h"

/* A Socket.IO socket id as the gateway makes it is 20 characters. */
#define PRES_SID_MAX	64
#define PRES_ROOM_MAX	128
#define PRES_GW_MAX	128
#define PRES_SKILLS_MAX	32
#define PRES_SKILL_LEN	64

/*
 * Why an operation failed: an HTTP status, an error code for the ack
 * or the REST body, and a message.
 */
struct pres_err {
	int	 http;
	char	 code[32];
	char	 msg[200];
};

/* One call of an operation, from a socket event or a REST request. */
struct pres_call {
	const struct cm_principal *user;	/* the caller, from the JWT */
	const char	*sid;	/* the caller's socket; NULL over REST */
	const cJSON	*args;	/* borrowed object, never NULL */
};

/*
 * An operation returns its result object (caller frees), or NULL with
 * *err filled.  Over a socket the result becomes the ack
 * {"ok":true,...}; over REST the 200 body.
 */
typedef cJSON *(*pres_op_fn)(struct cm_svc_ctx *, const struct pres_call *,
    struct pres_err *);

/*
 * What presence-svc tells queue-svc in the gateway's stead (worker.c,
 * refresh.c) is bounded: PRES_TELL_TIMEOUT_MS a call, and
 * PRES_TELL_BUDGET_MS for all the sockets of one drop or refresh.
 */
#define PRES_TELL_TIMEOUT_MS	1000
#define PRES_TELL_BUDGET_MS	5000

/* load.c: sets "activeChats" on an agent object or an array of them. */
void	pres_add_active_chats(struct cm_svc_ctx *, const struct cm_principal *,
	    cJSON *agents);
/* load.c: tells queue-svc an agent's new status (its routing needs it). */
void	pres_tell_queue_status(struct cm_svc_ctx *, const char *org,
	    const char *role, const char *email, const char *status);
/*
 * load.c: sends queue-svc the SOCKET_CLOSE the gateway would have sent
 * for a socket of a dead worker, with since (ms, 0 if unknown): the
 * earliest it may have died, from which the identity missed messages.
 * Waits at most timeout_ms.  Returns 0 if queue-svc took it, -1
 * (logged) if not.
 */
int	pres_tell_queue_close(struct cm_svc_ctx *, const char *org,
	    const char *sid, const struct cm_principal *, const char *reason,
	    int64_t since, int timeout_ms);
/*
 * load.c: sends queue-svc the SOCKET_OPEN of a socket that a refresh
 * restored (its worker had been taken for dead, and queue-svc told it
 * closed), as far as the refresh knows it: sid, user, gateway and
 * worker, no auth context (so queue-svc keeps an agent's skills).
 * Waits at most timeout_ms.  Returns 0 if queue-svc took it, -1
 * (logged) if not.
 */
int	pres_tell_queue_open(struct cm_svc_ctx *, const char *org,
	    const char *sid, const struct cm_principal *, const char *gw,
	    const char *slot, int timeout_ms);

/* api.c */
cJSON	*pres_event_run(struct cm_svc_ctx *, const struct cm_event_req *,
	    pres_op_fn);
void	 pres_rest_run(struct cm_svc_ctx *, const struct cm_rest_req *,
	    struct cm_rest_reply *, pres_op_fn, const char *param);

/* util.c: errors and arguments.  The pres_fail* return NULL. */
cJSON	*pres_fail(struct pres_err *, int http, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
cJSON	*pres_fail_redis(struct pres_err *, const redisReply *,
	    const char *op);
int	 pres_redis_ok(const redisReply *, const char *op);
int	 pres_arg_str(const cJSON *, const char *, size_t, int,
	    const char **, struct pres_err *);
int	 pres_arg_int(const cJSON *, const char *, long, long, long, long *,
	    struct pres_err *);
int	 pres_arg_bool(const cJSON *, const char *, int, int *,
	    struct pres_err *);
int	 pres_is_staff(const struct cm_principal *);
int	 pres_id_valid(const char *, size_t);
const char *pres_hget(const redisReply *, const char *);
char	*pres_skills_json(const cJSON *);
void	 pres_json_num(cJSON *, const char *, const char *);
void	 pres_json_str(cJSON *, const char *, const char *);
void	 pres_json_raw(cJSON *, const char *, const char *);
redisReply **pres_pipeline(struct cm_svc_ctx *, int,
	    const struct cm_redis_cmd *);
void	 pres_replies_free(redisReply **, int);
int	 pres_chan_ident_prefix(char *, size_t, const struct cm_cfg *,
	    const char *);

/*
 * A Lua script's argument list: keys first, then ARGV.  Strings are
 * borrowed (add) or owned and freed by pres_args_free (take, fmt).
 */
struct pres_args {
	int		 n, cap;
	const char	**v;
	char		**own;
};
void	 pres_args_add(struct pres_args *, const char *);
void	 pres_args_take(struct pres_args *, char *);
void	 pres_args_fmt(struct pres_args *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 pres_args_sock(struct pres_args *, const struct cm_cfg *,
	    const char *org, const char *sid, const char *role,
	    const char *email);
void	 pres_args_chans(struct pres_args *, const struct cm_cfg *,
	    const char *org);
void	 pres_args_achan(struct pres_args *, const struct cm_cfg *,
	    const char *org);
void	 pres_args_free(struct pres_args *);
redisReply *pres_args_run(struct cm_svc_ctx *, struct cm_script *,
	    struct pres_args *, int nkeys);

/*
 * Maps the reply of a Redis call to a frame status: NULL (Redis down)
 * is CM_ST_UNAVAILABLE, an error reply CM_ST_ERROR (logged with op),
 * each with an error body in *reply; anything else is CM_ST_OK and
 * *reply is left alone.
 */
int	pres_redis_status(const redisReply *r, const char *op,
	    cJSON **reply);

/* handlers.c, refresh.c, worker.c: frame handlers (cm_frame_fn). */
int	pres_socket_open(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);
int	pres_socket_close(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);
int	pres_socket_refresh(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);
int	pres_worker_heartbeat(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);

/* A dropped socket, for queue-svc. */
struct pres_gone {
	struct cm_principal	 user;
	char			 sid[PRES_SID_MAX + 1];
};

/*
 * One drop of a worker's sockets.  The caller sets reason: the
 * SOCKET_CLOSE reason queue-svc is to be told for each dropped socket,
 * or NULL to tell it nothing; pres_worker_drop() adds to the rest.
 */
struct pres_drop {
	const char		*reason;
	int64_t			 since;		/* ms: when they may have died */
	int			 sockets;	/* dropped */
	int			 offline;	/* identities gone offline */
	struct pres_gone	*gone;		/* dropped, if reason */
	size_t			 ngone, capgone;
};

/*
 * worker.c: drops the sockets that gateway worker wid ("GW:SLOT")
 * holds, in every org, whose socket row says connectedAt < conn_cutoff
 * (or has no row) and that were last seen at or before seen_cutoff.
 * Returns 0, or -1 if Redis failed (what was dropped before is in *d).
 */
int	pres_worker_drop(struct cm_svc_ctx *, const char *wid,
	    long long conn_cutoff, long long seen_cutoff, struct pres_drop *d);
/*
 * Tells queue-svc of the sockets in d->gone and frees them.  Call it
 * after every pres_worker_drop() with a reason, failed or not, once the
 * drop is logged: it may take a while, and presence is done by then.
 */
void	pres_worker_tell(struct cm_svc_ctx *, const char *wid,
	    struct pres_drop *d);
/*
 * Records that worker GW:SLOT holds sockets of org, so that its death
 * reaches them.  Best effort: the next refresh records it again.
 */
void	pres_worker_note_org(struct cm_svc_ctx *, const char *gw,
	    const char *slot, const char *org);
/* Forgets a worker whose last beat is at or before cutoff; 1 if so. */
int	pres_worker_forget(struct cm_svc_ctx *, const char *wid,
	    long long cutoff);

/*
 * sweep.c: the service's own state (cm_svc_def.app): whether the
 * sweeper thread runs.  pres_sweep_start() starts it once, from the
 * first request that needs it, with the request thread's config.
 */
struct pres_app {
	pthread_mutex_t	 lock;
	int		 started;
};
#define PRES_APP_INITIALIZER	{ PTHREAD_MUTEX_INITIALIZER, 0 }
void	pres_sweep_start(struct cm_svc_ctx *);

/* Operations (pres_op_fn). */
cJSON	*pres_op_set_status(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_agents_online(struct cm_svc_ctx *,
	    const struct pres_call *, struct pres_err *);
cJSON	*pres_op_agent_presence(struct cm_svc_ctx *,
	    const struct pres_call *, struct pres_err *);
cJSON	*pres_op_stats(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_sessions(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_customers_online(struct cm_svc_ctx *,
	    const struct pres_call *, struct pres_err *);
cJSON	*pres_op_journey(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_page_view(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_visitor_state(struct cm_svc_ctx *,
	    const struct pres_call *, struct pres_err *);
cJSON	*pres_op_heartbeat(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_watch_chat(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_room_join(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_room_leave(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_room_presence(struct cm_svc_ctx *,
	    const struct pres_call *, struct pres_err *);
cJSON	*pres_op_room_metadata(struct cm_svc_ctx *,
	    const struct pres_call *, struct pres_err *);
cJSON	*pres_op_room_destroy(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_room_members(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_room_get(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);
cJSON	*pres_op_room_history(struct cm_svc_ctx *, const struct pres_call *,
	    struct pres_err *);

/*
 * rooms.c: the sweeper's pass over a room that was scheduled at
 * scheduled ("ORG ROOM" in chat-room-due): removes the members whose
 * presence ran out, announces them, and schedules the next expiry.
 * Returns 0, or -1 if Redis failed.
 */
int	pres_room_prune(struct cm_svc_ctx *, const char *member,
	    const char *scheduled);

/*
 * visitor.c: the sweeper's pass over a customer scheduled at scheduled
 * ("ORG EMAIL" in chat-watch-due): forgets the watches that ran out by
 * now, pushes heartbeat-config if that slowed the widget down, and
 * schedules the next look.  Returns 0, or -1 if Redis failed.
 */
int	pres_watch_expire(struct cm_svc_ctx *, const char *member,
	    const char *scheduled, int64_t now);

/* scripts.c, scripts_misc.c, scripts_room.c */
extern struct cm_script	pres_script_open;
extern struct cm_script	pres_script_close;
extern struct cm_script	pres_script_refresh;
extern struct cm_script	pres_script_drop;
extern struct cm_script	pres_script_beat;
extern struct cm_script	pres_script_forget;
extern struct cm_script	pres_script_status;
extern struct cm_script	pres_script_page_view;
extern struct cm_script	pres_script_visitor_state;
extern struct cm_script	pres_script_heartbeat;
extern struct cm_script	pres_script_watch;
extern struct cm_script	pres_script_watch_expire;
extern struct cm_script	pres_script_room_join;
extern struct cm_script	pres_script_room_presence;
extern struct cm_script	pres_script_room_leave;
extern struct cm_script	pres_script_room_metadata;
extern struct cm_script	pres_script_room_destroy;
extern struct cm_script	pres_script_room_prune;
extern struct cm_script	pres_script_due_set;
extern struct cm_script	pres_script_due_clear;

#endif
