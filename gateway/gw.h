/*
 * The gateway worker's shared types.  One worker process runs one
 * libevent loop that owns every object here; nothing is shared across
 * threads except the NNG completion queue in svcclient.c.
 */
#ifndef GW_H
#define GW_H

#include <sys/queue.h>
#include <sys/uio.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <http_parser.h>

#include "cfg.h"
#include "ratelimit.h"
#include "jwt.h"
#include "util.h"
#include "wsframe.h"

struct gw_svc;
struct gw_fanout;
struct gw_stats;
struct gw_slot_stats;

/* The services a worker talks to, by index. */
enum gw_svc_id {
	GW_SVC_PRESENCE = 0,
	GW_SVC_QUEUE,
	GW_SVC_AI,
	GW_SVC_COUNT
};

struct gw_conn;
TAILQ_HEAD(gw_conn_list, gw_conn);

struct gw_worker {
	struct event_base		*base;
	struct cm_cfg			*cfg;
	int				 slot;
	struct gw_stats			*stats;		/* shared, all slots */
	struct gw_slot_stats		*st;		/* this worker's slot */
	char				 gateway_id[64];
	struct cm_jwt_verifier		*jwt;
	struct evconnlistener		*listener;
	struct gw_svc			*svc[GW_SVC_COUNT];
	struct gw_fanout		*fanout;
	struct gw_conn_list		 conns;
	struct cm_map			*ips;		/* ip -> connections */
	struct ssl_ctx_st		*ssl_ctx;	/* NULL: plain TCP */
	unsigned			 nconns;
	unsigned			 nsockets;	/* Socket.IO sockets */
	struct event			*refresh_ev;	/* presence TTL refresh */
	struct event			*heartbeat_ev;	/* presence liveness */
	struct event			*tick_ev;	/* watchdog tick */
	int64_t				 started_at;	/* cm_now_ms() */
	struct event			*drain_ev;	/* drain progress */
	int64_t				 drain_deadline; /* cm_mono_ms */
	struct event			*sig_ev[4];
	int				 draining;
	unsigned			 trim_nconns;	/* see tick_cb() */
	int				 trim_due;
};

/* A fan-out channel membership, embedded in the owner (a socket). */
struct gw_channel;
struct gw_member {
	TAILQ_ENTRY(gw_member)	 entry;
	struct gw_channel	*channel;	/* NULL when not joined */
	struct gw_conn		*conn;
};

#define GW_SOCK_CHANNELS	3	/* identity, org, org agents */

/*
 * The Socket.IO socket in namespace /chat, at most one per connection:
 * one allocation, the org and the user object (the "user" of NNG
 * bodies, {"org","role","email","name"}) stored after the struct.
 */
struct gw_sock {
	struct gw_member	 members[GW_SOCK_CHANNELS];
	const char		*org;		/* in this allocation */
	const char		*user_json;	/* in this allocation */
	char			*context_json;	/* auth.context; owned, or
						   gw_sock_no_context */
	char			*current_url;	/* until the open notice */
	struct gw_bucket	 chat_rate;	/* chat-message */
	struct gw_bucket	 event_rate;	/* any event */
	int64_t			 connected_at;
	uint8_t			 role;		/* enum cm_role */
	uint8_t			 pending_subs;	/* before CONNECT is acked */
	uint8_t			 connected;	/* CONNECT acked */
	char			 sid[21];
	char			 strings[];	/* org, user_json */
};

/* The context_json of a socket whose auth had none: "{}". */
extern char gw_sock_no_context[];

enum gw_conn_state {
	GW_CONN_HTTP,		/* reading an HTTP request */
	GW_CONN_WAIT,		/* REST request in flight, reading paused */
	GW_CONN_WS,		/* WebSocket + Engine.IO */
	GW_CONN_CLOSING,	/* flushing output, then freed */
};

struct gw_http_req;
struct gw_tq;
struct ssl_st;

/*
 * A client connection.  Its buffers exist only while they hold bytes:
 * input that is not a whole request or frame yet, output the kernel
 * did not take at once.  An idle WebSocket has neither.
 */
struct gw_conn {
	TAILQ_ENTRY(gw_conn)	 entry;
	struct gw_worker	*w;
	struct event		 io;		/* EV_READ, + EV_WRITE if out */
	TAILQ_ENTRY(gw_conn)	 tq_entry;	/* see gw_conn_arm() */
	struct gw_tq		*tq;		/* NULL: not armed */
	int64_t			 deadline;	/* cm_mono_ms() */
	struct evbuffer		*in;		/* NULL when empty */
	struct evbuffer		*out;		/* NULL when empty */
	struct ssl_st		*ssl;		/* NULL: plain TCP */
	struct gw_http_req	*req;		/* HTTP state; NULL after upgrade */
	char			*user_agent;	/* kept from the upgrade until
						   a socket's open notice */
	struct gw_sock		*sock;
	int64_t			 opened_ms;
	int			 refs;		/* conn itself + requests */
	int			 skip_binary;	/* attachments to drop */
	struct gw_ws_rx		 ws;		/* see wsframe.h */
	uint8_t			 state;		/* enum gw_conn_state */
	uint8_t			 closed;
	uint8_t			 reading;	/* EV_READ wanted */
	uint8_t			 io_failed;	/* abort on the next turn */
	uint8_t			 ws_open;	/* upgraded */
	uint8_t			 ws_close_sent;
	uint8_t			 ws_close_rcvd;
	uint8_t			 awaiting_pong;
	char			 ip[48];
};

/* At most this many parts in one gw_conn_writev() (and frame). */
#define GW_WS_IOV_MAX	8

/* conn.c */
struct gw_conn	*gw_conn_new(struct gw_worker *, int fd, const char *ip);
void	 gw_conn_ref(struct gw_conn *);
void	 gw_conn_unref(struct gw_conn *);
/* Closes after the output is flushed; safe to call more than once. */
void	 gw_conn_close(struct gw_conn *);
/* Closes now, dropping unsent output. */
void	 gw_conn_abort(struct gw_conn *);
/* (Re)starts the connection's timer; its meaning depends on the state. */
void	 gw_conn_arm(struct gw_conn *, int ms);
void	 gw_conn_disarm(struct gw_conn *);
/*
 * Writes at once what the kernel takes, keeps the rest.  Never frees
 * the connection: a failed write closes it on the next turn of the loop.
 */
void	 gw_conn_write(struct gw_conn *, const void *, size_t);
void	 gw_conn_writev(struct gw_conn *, const struct iovec *, int n);
/* The bytes read and not consumed yet; NULL if none. */
struct evbuffer *gw_conn_input(struct gw_conn *);
/* Stops (0) or resumes (1) reading. */
void	 gw_conn_set_reading(struct gw_conn *, int);

/* http.c: reads HTTP/1.1 requests from the connection's input. */
void	 gw_http_on_read(struct gw_conn *);
/* Writes a response with a JSON body; close=1 adds Connection: close. */
void	 gw_http_respond(struct gw_conn *, int status, const char *json,
	    int close);
void	 gw_http_respond_type(struct gw_conn *, int status, const char *type,
	    const char *body, int close);
void	 gw_http_respond_error(struct gw_conn *, int status,
	    const char *code, const char *message);

/* ws.c: RFC 6455 on a connection (frames: wsframe.c). */
int	 gw_ws_start(struct gw_conn *);
void	 gw_ws_on_read(struct gw_conn *);
void	 gw_ws_send_text(struct gw_conn *, const char *, size_t);
void	 gw_ws_send_textv(struct gw_conn *, const struct iovec *, int n);
/* Sends a close frame (once); the peer's answer or a timeout ends it. */
void	 gw_ws_close(struct gw_conn *, uint16_t code, const char *reason);

/* eio.c: Engine.IO v4 over a WebSocket. */
void	 gw_eio_open(struct gw_conn *);
void	 gw_eio_on_timer(struct gw_conn *);
void	 gw_eio_on_text(struct gw_conn *, const char *, size_t);
void	 gw_eio_on_binary(struct gw_conn *, const uint8_t *, size_t);
void	 gw_eio_send_message(struct gw_conn *, const char *, size_t);
/* The same, the packet in parts (at most GW_WS_IOV_MAX - 1). */
void	 gw_eio_send_messagev(struct gw_conn *, const struct iovec *, int n);

/* session.c: Socket.IO v5, namespace /chat. */
void	 gw_sio_on_packet(struct gw_conn *, const char *, size_t);
void	 gw_sio_close(struct gw_conn *, const char *reason);
void	 gw_sio_refresh_presence(struct gw_worker *);
/* {"org","role","email","name"} of a principal; caller frees. */
char	*gw_user_json(const struct cm_principal *);
/* Fan-out tells a connecting socket that one of its channels is ready. */
void	 gw_sio_member_ready(struct gw_member *);

/* rest.c */
void	 gw_rest_handle(struct gw_conn *, struct gw_http_req *);

/* worker.c */
int	 gw_worker_run(struct cm_cfg *, int slot, int listen_fd,
	    struct gw_stats *);

#endif
