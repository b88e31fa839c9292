/*
 * confab-bench: a load generator that speaks WebSocket (RFC 6455, client
 * side, masked frames), Engine.IO v4 and Socket.IO v5 itself, so that
 * one non-blocking process (epoll) drives thousands of sockets and the
 * client is not the bottleneck.  It drives confab and the Socket.IO
 * reference server in bench/peer/ alike.
 *
 * Files: main.c (options, the run), conn.c (a connection: TCP, HTTP
 * upgrade, frames, Engine.IO, Socket.IO), load.c (the loop, idle steps,
 * rate phases, statistics), proc.c (server CPU and RSS from /proc).
 */
#ifndef BN_BENCH_H
#define BN_BENCH_H

#include <sys/types.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#define BN_MAX_PIDS	16	/* roots given with --pid */
#define BN_MAX_PROCS	256	/* roots and descendants */
#define BN_MAX_STEPS	32	/* idle steps, rate phases */
#define BN_MAX_MSG	(1 << 20) /* largest server message accepted */
#define BN_RBUF		65536	/* one read() */

/*
 * How a conversation of K sockets is made up.
 * SAME: K sockets of one customer identity.  confab today delivers a
 *	customer's message to every socket of that customer, so each
 *	message reaches the K-1 other sockets (and echoes to the sender).
 * AGENT: one customer socket and K-1 agent sockets (one agent identity
 *	each).  Agents need to be assigned to the conversation: the peer
 *	joins them by auth.chats; confab needs issue 4's lifecycle.
 */
enum bn_mode {
	BN_MODE_SAME = 0,
	BN_MODE_AGENT,
};

struct bn_opts {
	const char	*host;		/* server address, IPv4 */
	int		 port;
	const char	*path;		/* "/socket.io/" */
	const char	*nsp;		/* "/chat" */
	const char	*org;
	int		 orgs;		/* conversations spread over N orgs */
	const char	*cfg_path;	/* read jwt_secret etc. from here */
	const char	*secret;	/* or this HS256 secret */
	const char	*label;		/* names the server in the output */
	int		 conns;		/* sockets of the rate phases */
	int		 conv_size;	/* sockets per conversation */
	enum bn_mode	 mode;
	int		 idle[BN_MAX_STEPS];	/* idle steps: connections */
	int		 nidle;
	double		 rates[BN_MAX_STEPS];	/* rate phases: messages/s */
	int		 nrates;
	double		 duration_s;	/* of each rate phase */
	double		 warmup_s;	/* unreported phase at the first rate */
	double		 drain_s;	/* at most, after each phase */
	double		 settle_s;	/* idle: wait before measuring */
	double		 connect_timeout_s; /* for all connections */
	double		 stop_p99_ms;	/* >0: stop after a failing phase */
	int		 retries;	/* repeats of a failing phase */
	int		 msg_bytes;	/* chat text length */
	int		 parallel;	/* handshakes in flight */
	int		 src_addrs;	/* 127.0.0.1 .. 127.0.0.N as source */
	int		 json;		/* stdout: JSON lines only */
	int		 strict;	/* exit 1 on any loss or failure */
	pid_t		 pids[BN_MAX_PIDS];
	int		 npids;
};

/* A growing byte buffer, small enough to keep one per connection. */
struct bn_buf {
	char		*data;
	uint32_t	 len;
	uint32_t	 cap;
};

enum bn_state {
	BN_IDLE = 0,		/* not opened yet */
	BN_CONNECTING,		/* TCP connect in progress */
	BN_UPGRADING,		/* HTTP request sent, awaiting 101 */
	BN_EIO_WAIT,		/* awaiting the Engine.IO open packet */
	BN_SIO_WAIT,		/* CONNECT sent, awaiting 40/nsp */
	BN_READY,		/* Socket.IO socket connected */
	BN_CLOSED,
};

struct bn_conn {
	int		 fd;
	uint8_t		 state;
	uint8_t		 pollout;	/* EPOLLOUT registered */
	uint8_t		 frag_op;	/* opcode of a fragmented message */
	uint8_t		 is_agent;
	uint32_t	 idx;		/* in ctx->conns */
	uint32_t	 conv;		/* conversation */
	uint32_t	 ident;		/* identity (token) */
	struct bn_buf	 in;		/* unparsed input */
	struct bn_buf	 out;		/* unsent output */
	struct bn_buf	 frag;		/* a fragmented message */
	char		*accept;	/* expected Sec-WebSocket-Accept */
};

/* One identity: a token, and the email naming its conversation. */
struct bn_ident {
	char		*token;
	char		 email[96];
	char		 org[72];
	int		 agent;
};

/* One conversation: its members are conns[first .. first + size - 1]. */
struct bn_conv {
	uint32_t	 first;
	char		*chat_id;	/* from the customer's first ack */
};

/* One chat message sent, indexed by its number (also its ack id). */
struct bn_msg {
	int64_t		 sent_us;
	uint32_t	 sender;	/* conn index */
	uint8_t		 expect;	/* deliveries expected to others */
	uint8_t		 others;	/* deliveries to others seen */
	uint8_t		 self;		/* echoes to the sender seen */
	uint8_t		 acked;		/* 0 no, 1 ok, 2 error */
};

/* One server process in a sample. */
struct bn_proc {
	pid_t		 pid;
	char		 comm[16];
	int64_t		 cpu_us;
	int64_t		 rss_kib;
};

/* A sample of the server processes: each, and the sums. */
struct bn_proc_sample {
	int64_t		 cpu_us;	/* user + system */
	int64_t		 rss_kib;
	int		 nprocs;
	struct bn_proc	 procs[BN_MAX_PROCS];
};

/* Counters of one rate phase. */
struct bn_phase {
	double		 rate;
	int64_t		 start_us;
	int64_t		 end_us;	/* sending stopped */
	int64_t		 done_us;	/* drain ended */
	uint32_t	 base;		/* first message number */
	uint64_t	 sent;
	uint64_t	 acked;
	uint64_t	 ack_errors;
	uint64_t	 expected;	/* deliveries to others */
	uint64_t	 delivered;	/* deliveries to others seen */
	uint64_t	 echoes;	/* deliveries to the sender */
	uint64_t	 skipped;	/* no ready sender */
	uint32_t	*lat;		/* send -> delivery, µs */
	uint64_t	 nlat, caplat;
	uint32_t	*acklat;	/* send -> ack, µs */
	uint64_t	 nacklat, capacklat;
	int64_t		 peak_rss_kib;
};

struct bn_ctx {
	struct bn_opts		*o;
	int			 ep;		/* epoll */
	struct sockaddr_in	 addr;
	char			 tag[9];	/* this run, in ids */
	struct bn_conn		*conns;
	int			 nconns;	/* allocated */
	int			 opened;	/* conns[0 .. opened-1] tried */
	int			 inflight;	/* handshakes in progress */
	int			 ready;		/* sockets connected */
	int			 failed;	/* handshakes that failed */
	int			 dropped;	/* ready, then closed */
	char			 first_error[160];	/* a connection's */
	char			 first_nack[160];	/* an error ack */
	struct bn_ident		*idents;
	int			 nidents;
	struct bn_conv		*convs;
	int			 nconvs;
	struct bn_msg		*msgs;
	uint32_t		 nmsgs, capmsgs;
	struct bn_phase		*phase;		/* the one running, or NULL */
	uint64_t		 late;		/* after their phase ended */
	uint64_t		 stray;		/* unknown deliveries */
	uint64_t		 other_events;
	char			 other_sample[80];	/* the first one */
	uint64_t		 pings;
	uint64_t		 rng;
	uint8_t			*rbuf;
	int64_t			 idle_wait_us;	/* inside epoll_wait */
	int64_t			 last_sample_us;
	int64_t			 sample_peak_kib;
	int			 fails;		/* strict checks failed */
};

/* conn.c */
void	bn_conn_open(struct bn_ctx *, struct bn_conn *);
void	bn_conn_on_event(struct bn_ctx *, struct bn_conn *, uint32_t);
void	bn_conn_close(struct bn_ctx *, struct bn_conn *, const char *why);
void	bn_conn_send_text(struct bn_ctx *, struct bn_conn *, const char *,
	    size_t);

/* load.c */
int64_t	bn_now_us(void);
uint64_t bn_rand(struct bn_ctx *);
void	bn_loop_once(struct bn_ctx *, int timeout_ms);
int	bn_run_idle(struct bn_ctx *);
int	bn_run_rates(struct bn_ctx *);
void	bn_on_delivery(struct bn_ctx *, struct bn_conn *, const char *,
	    size_t);
void	bn_on_ack(struct bn_ctx *, struct bn_conn *, uint64_t id,
	    const char *, size_t);

/* proc.c */
void	bn_proc_sample(const struct bn_opts *, struct bn_proc_sample *);
/*
 * Prints each process of s1 as "comm pid: CPU s, RSS MiB" lines (human)
 * or a JSON array (json), CPU counted since s0 (NULL: not shown).
 */
void	bn_proc_print(FILE *, const struct bn_proc_sample *s0,
	    const struct bn_proc_sample *s1, int json);

/* buffers (conn.c) */
void	bn_buf_append(struct bn_buf *, const void *, size_t);
void	bn_buf_free(struct bn_buf *);

#endif
