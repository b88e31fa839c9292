/*
 * The configuration: one file shared by every confab process, redis.conf
 * style.  Each line is "key value"; '#' starts a comment; blank lines are
 * ignored; the value is the rest of the line with surrounding blanks
 * removed (it may be wrapped in double quotes).  A later line wins.
 *
 * Precedence: environment variable CONFAB_<KEY> (key upper-cased) >
 * file > built-in default.  Every key is described in confab.conf(5);
 * the table in cfg.c is the single source of keys and defaults.
 */
#ifndef CM_CFG_H
#define CM_CFG_H

#include <stddef.h>

#define CM_CFG_DEFAULT_PATH	"/etc/confab/confab.conf"

struct cm_cfg {
	/* all processes */
	char	*log_level;		/* notice */
	char	*redis_address;		/* 127.0.0.1:6379, or a unix path */
	char	*redis_password;	/* empty: no AUTH */
	char	*key_prefix;		/* "confab:" prefix of every key/channel */
	char	*presence_address;	/* NNG URL of confab-presence */
	char	*queue_address;		/* NNG URL of confab-queue */
	char	*ai_address;		/* NNG URL of confab-ai */
	int	 nng_timeout_ms;	/* request deadline, gateway side */
	int	 nng_resend_ms;		/* REQ resend interval (restart pickup) */
	int	 service_threads;	/* request threads per service */
	int	 redis_wait_replicas;	/* strict mode: WAIT for N replicas */
	int	 redis_wait_timeout_ms;	/* ... at most this long */

	/* JWT (gateway verifies; confabctl signs with jwt_secret) */
	char	*jwt_algorithm;		/* HS256 | RS256 | ES256 ... */
	char	*jwt_secret;		/* HS* shared secret */
	char	*jwt_secret_file;	/* or read the secret from a file */
	char	*jwt_public_key_file;	/* RS*, ES*: PEM public key */
	char	*jwt_issuer;		/* checked when set */
	char	*jwt_audience;		/* checked when set */
	int	 jwt_leeway_s;		/* clock skew allowed on exp/nbf */

	/* gateway */
	char	*gateway_listen;	/* host:port */
	char	*gateway_id;		/* empty: the host name */
	int	 gateway_workers;	/* 0: one per core */
	int	 ping_interval_ms;	/* Engine.IO pingInterval */
	int	 ping_timeout_ms;	/* Engine.IO pingTimeout */
	int	 max_payload;		/* Engine.IO maxPayload, bytes */
	int	 connect_timeout_ms;	/* Socket.IO CONNECT must come by then */
	int	 http_header_timeout_ms; /* a whole request must come by then */
	int	 http_max_header_bytes;
	int	 http_max_body_bytes;
	int	 shutdown_grace_ms;	/* SIGTERM: drain for at most this long */
	int	 worker_heartbeat_ms;	/* worker -> presence liveness beat */
	char	*tls_cert_file;		/* PEM chain; with tls_key_file: TLS */
	char	*tls_key_file;
	int	 max_connections_per_ip; /* per worker; 0: no limit */
	int	 rate_limit_chat_per_minute;	/* chat-message per socket */
	int	 rate_limit_events_per_minute;	/* any event per socket */

	/* services: loopback HTTP for /livez /readyz /metrics; "" = off */
	char	*presence_http_listen;
	char	*queue_http_listen;
	char	*ai_http_listen;

	/* queue-svc */
	int	 max_message_length;	/* chat-message text, bytes */
	int	 conversation_resume_window_s; /* a customer's open chat resumes */
	int	 inactivity_warning_s;	/* no message for this long: warning */
	int	 inactivity_close_s;	/* no message for this long: closed */
	int	 avg_handle_time_default_s; /* ETA before any resolved chat */
	int	 auto_assign;		/* 1: assign queued chats to agents */
	int	 agent_max_chats;	/* concurrent chats per agent */
	int	 typing_timeout_s;	/* typing clears itself after this */
	int	 typing_throttle_ms;	/* one customer typing event per this */
	int	 conversation_visibility_s; /* hidden from lists after; 0 never */
	char	*ice_servers;		/* stun:/turn: URLs for WebRTC */
	char	*turn_secret;		/* TURN REST credentials; "" none */
	int	 turn_credential_ttl_s;	/* ... valid this long */

	/* presence-svc */
	int	 presence_worker_timeout_ms; /* no beat for this long: dead */
	int	 presence_room_ttl_s;	/* room member presence lifetime */
	int	 presence_heartbeat_fast_ms; /* widget beat while watched */
	int	 presence_heartbeat_slow_ms; /* widget beat otherwise */
	int	 presence_watch_ttl_s;	/* a watch-chat lasts this long */

	/* ai-bridge */
	int	 ai_workers;		/* reply job threads */
	int	 ai_debounce_ms;	/* rapid messages become one answer */
	int	 ai_timeout_ms;		/* one answer's generation deadline */
	int	 ai_job_claim_ms;	/* a job idle this long is taken over */
	int	 ai_faq_min_score;	/* FAQ hand-off below this BM25 x100 */
	int	 ai_greeting_ttl_s;	/* greet an identity once per this */
	int	 ai_stream_to_agents;	/* 1: agents see every AI stream */
	char	*ai_key_dir;		/* where assistant apiKeyFile names live */
	char	*ai_tls_ca_file;	/* extra CAs for model endpoints */
};

/*
 * Fills cfg with defaults, then the file at path (if path is NULL the
 * default path, and a missing default file is not an error), then the
 * environment.  Returns 0, or -1 after logging "file:line: why".
 * Free with cm_cfg_free().
 */
int	cm_cfg_load(struct cm_cfg *cfg, const char *path);

/* Same, from a string in memory (tests, fuzzing); name is used in errors. */
int	cm_cfg_load_string(struct cm_cfg *cfg, const char *text,
	    const char *name);

void	cm_cfg_free(struct cm_cfg *cfg);

/*
 * Prints every key and its effective value, one "key value" line each,
 * secrets replaced by "(set)".  For "-T".
 */
void	cm_cfg_dump(const struct cm_cfg *cfg, int fd);

/* The value of a string key by name, or NULL if there is no such key. */
const char *cm_cfg_str(const struct cm_cfg *cfg, const char *key);

/* Splits "host:port" (or "[v6]:port"); returns -1 if malformed. */
int	cm_split_hostport(const char *s, char *host, size_t hostlen, int *port);

#endif
