/*
 * The gateway worker's shared types.  One worker process runs one
 * libevent loop that owns every object here; nothing is shared across
 * threads except the NNG completion queue in svcclient.c.
 */
#ifndef GW_H
#define GW_H

#include <sys/queue.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <http_parser.h>
#include <wslay/wslay.h>

#include "cfg.h"
#include "ratelimit.h"
#include "jwt.h"
#include "util.h"

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
};

/* A fan-out channel membership, embedded in the owner (a socket). */
struct gw_channel;
struct gw_member {
	TAILQ_ENTRY(gw_member)	 entry;
	struct gw_channel	*channel;	/* NULL when not joined */
	struct gw_conn		*conn;
};

#define GW_SOCK_CHANNELS	3	/* identity, org, org agents */

/* The Socket.IO socket in namespace /chat, at most one per connection. */
struct gw_sock {
	char			 sid[24];
	struct cm_principal	 user;
	char			*user_json;	/* {"org",..}; owned */
	char			*context_json;	/* auth.context; owned */
	char			*current_url;	/* auth.context.url; owned */
	struct gw_member	 members[GW_SOCK_CHANNELS];
	int			 pending_subs;	/* before CONNECT is acked */
	int			 connected;	/* CONNECT acked */
	int64_t			 connected_at;
	struct gw_bucket	 chat_rate;	/* chat-message */
	struct gw_bucket	 event_rate;	/* any event */
};

enum gw_conn_state {
	GW_CONN_HTTP,		/* reading an HTTP request */
	GW_CONN_WAIT,		/* REST request in flight, reading paused */
	GW_CONN_WS,		/* WebSocket + Engine.IO */
	GW_CONN_CLOSING,	/* flushing output, then freed */
};

struct gw_http_req;

struct gw_conn {
	TAILQ_ENTRY(gw_conn)	 entry;
	struct gw_worker	*w;
	struct bufferevent	*bev;
	enum gw_conn_state	 state;
	int			 refs;		/* conn itself + requests */
	int			 closed;
	char			 ip[48];
	struct gw_http_req	*req;		/* HTTP state; NULL after upgrade */
	wslay_event_context_ptr	 ws;
	char			 eio_sid[32];
	struct event		*timer;		/* see gw_conn_arm() */
	int			 awaiting_pong;
	int64_t			 opened_ms;
	int			 skip_binary;	/* attachments to drop */
	struct gw_sock		*sock;
};

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
void	 gw_conn_write(struct gw_conn *, const void *, size_t);

/* http.c: reads HTTP/1.1 requests from the connection's input. */
void	 gw_http_on_read(struct gw_conn *);
/* Writes a response with a JSON body; close=1 adds Connection: close. */
void	 gw_http_respond(struct gw_conn *, int status, const char *json,
	    int close);
void	 gw_http_respond_type(struct gw_conn *, int status, const char *type,
	    const char *body, int close);
void	 gw_http_respond_error(struct gw_conn *, int status,
	    const char *code, const char *message);

/* ws.c: RFC 6455 on top of wslay. */
int	 gw_ws_accept_key(const char *key, char *out, size_t outlen);
int	 gw_ws_start(struct gw_conn *);
void	 gw_ws_on_read(struct gw_conn *);
void	 gw_ws_send_text(struct gw_conn *, const char *, size_t);
void	 gw_ws_close(struct gw_conn *, uint16_t code, const char *reason);
int	 gw_utf8_valid(const uint8_t *, size_t);

/* eio.c: Engine.IO v4 over a WebSocket. */
void	 gw_eio_open(struct gw_conn *);
void	 gw_eio_on_timer(struct gw_conn *);
void	 gw_eio_on_text(struct gw_conn *, const char *, size_t);
void	 gw_eio_on_binary(struct gw_conn *, const uint8_t *, size_t);
void	 gw_eio_send_message(struct gw_conn *, const char *, size_t);

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
