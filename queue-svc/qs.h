/*
 * queue-svc: conversations, queues, agents' load and message history.
 *
 * Every change of state is one Lua script, so that two agents, two
 * gateways or two queue-svc instances can never interleave halfway
 * through a change; the C side checks input, calls a script and turns
 * its answer into an ack or an HTTP reply.  The files:
 *
 *	main.c		the service definition and its tables
 *	ops.c		"ops": each client event or REST action, its roles,
 *			its argument parser and its script
 *	args.c		input checks shared by the parsers
 *	call.c		running a script with the common arguments, and its
 *			result as an ack or an HTTP error
 *	sockets.c	SOCKET_OPEN / SOCKET_CLOSE from the gateway
 *	ai.c		jobs to confab-ai, its answers back
 *	presence.c	events to presence-svc: activity, watch-chat
 *	timer.c		the timer thread: inactivity, typing, ghost sockets,
 *			stats-update
 *	rest.c		the REST routes under /chat/conversations, /chat/queue,
 *			/chat/webhooks and /chat/search
 *	transcript.c	transcripts as JSON, text or CSV
 *	context.c	a conversation's context export
 *	hours.c		business hours
 *	ice.c		WebRTC ICE servers
 *	teams.c		the teams' tree and escalation
 *	hooks.c		webhooks: the dispatcher threads that deliver the
 *			events the scripts emit (lua_hooks.c), signed
 *	scripts.c	assembles the scripts; lua_*.c hold their Lua
 *	text.c		UTF-8 checks
 */
#ifndef QS_H
#define QS_H

#include <time.h>

#include "svc.h"

/* A client message id is at most this many characters. */
#define QS_CLIENT_MSG_ID_MAX	128
/* Our chat ids are 20 characters; a stored one may be longer. */
#define QS_CHAT_ID_LEN		20
#define QS_CHAT_ID_MAX		64
#define QS_SKILL_MAX		32
#define QS_CONFIG_ID_MAX	64	/* confab-ai's chat config ids */
#define QS_AI_ID_MAX		128	/* confab-ai's job and stream ids */
#define QS_AI_BUBBLES_MAX	32	/* messages in one AI answer */
#define QS_AI_TEXT_MAX		65536	/* an AI answer, bytes */
#define QS_SIGNAL_MAX		32768	/* a WebRTC signal's data, bytes */
#define QS_CANNED_MAX		1000	/* canned responses per org */
#define QS_CANNED_TEXT_MAX	4000
#define QS_TITLE_MAX		200
#define QS_TEAMS_MAX		200	/* teams per org */
#define QS_TEAM_MEMBERS_MAX	200
#define QS_SKILLS_MAX		16	/* skills per agent or pick-next */
#define QS_TAG_MAX		64
#define QS_TAGS_POOL_MAX	200	/* availableTags */
#define QS_NOTE_MAX		4000
#define QS_FEEDBACK_MAX		2000
#define QS_REASON_MAX		64
#define QS_QUERY_MAX		100
#define QS_TRANSCRIPT_MAX	10000	/* messages in one transcript */

/* Roles an op admits (bit per enum cm_role). */
#define QS_R_CUSTOMER	(1u << CM_ROLE_CUSTOMER)
#define QS_R_AGENT	(1u << CM_ROLE_AGENT)
#define QS_R_ADMIN	(1u << CM_ROLE_ADMIN)
#define QS_R_STAFF	(QS_R_AGENT | QS_R_ADMIN)
#define QS_R_ALL	(QS_R_CUSTOMER | QS_R_STAFF)

/*
 * The outcome of an op: a JSON body on success, else an error code (one
 * of confab-protocol(7)'s), a message and the HTTP status that goes
 * with the code.
 */
struct qs_result {
	cJSON		*body;		/* owned; NULL on error */
	const char	*code;		/* static */
	char		 message[192];
	int		 http;
};

/* metrics.c: counts an op's outcome; renders confab_queue_*. */
void	qs_metrics_op(const char *op, const cJSON *body);
void	qs_metrics(const struct cm_cfg *cfg, void *app, struct cm_buf *b);

/* ops.c */
/*
 * Runs op name for u with the event data or REST data object, and the
 * socket's auth context for an event (both borrowed; may be NULL).
 * Returns 0 with res->body set (caller frees), or -1 with the error in
 * res.
 */
int	qs_op_run(struct cm_svc_ctx *, const struct cm_principal *,
	    const char *name, const cJSON *data, const cJSON *context,
	    struct qs_result *res);
/* The cm_event_fn of every client event queue-svc answers. */
cJSON	*qs_op_event(struct cm_svc_ctx *, const struct cm_event_req *);

/* args.c: each returns 1 if s is acceptable. */
int	qs_valid_chat(const char *s);
int	qs_valid_skill(const char *s);
int	qs_valid_config(const char *s);	/* a chat config id */
int	qs_valid_id(const char *s);	/* a confab-ai job or stream id */
/* The chat config a socket's auth context names: "" if none or bad. */
const char *qs_context_config(const cJSON *context);
int	qs_valid_email(const char *s);
/*
 * Writes the skill names of the JSON array list as a comma list into
 * out.  Returns 0, or -1 if list is not an array of at most
 * QS_SKILLS_MAX valid names or does not fit.
 */
int	qs_skills_csv(const cJSON *list, char *out, size_t size);
#define QS_SKILLS_CSV_MAX	(QS_SKILLS_MAX * (QS_SKILL_MAX + 1) + 1)
/* 1 if s is valid UTF-8 of 1..max bytes with no control characters
 * other than newline and tab. */
int	qs_valid_text(const char *s, size_t max);
/*
 * An integer member of data (a JSON number, or a string of digits as
 * query parameters come): def if absent or null, -1 if present but not
 * an integer in [lo, hi].
 */
int	qs_data_int(const cJSON *data, const char *name, long long def,
	    long long lo, long long hi, long long *out);
/* A boolean member: true/false, 1/0, "true"/"false"/"1"/"0"; def if
 * absent; -1 if something else. */
int	qs_data_bool(const cJSON *data, const char *name, int def, int *out);

/* call.c */
#define QS_HDR_ARGS	7	/* the common ARGV every script starts with */
#define QS_ARGS_MAX	12	/* script arguments after the header */

/*
 * Runs script s for org with nargs arguments after the common header
 * (see scripts.c).  Returns the reply as cm_redis_script() does.
 */
redisReply *qs_run(struct cm_svc_ctx *, const char *org,
	    struct cm_script *s, int nargs, const char **args);
/*
 * Reads a script's reply into res: a JSON text becomes res->body, an
 * error reply "CODE message" res's error.  Returns 0 or -1.
 */
int	qs_result(const redisReply *r, const char *what, struct qs_result *res);
void	qs_result_error(struct qs_result *res, const char *code,
	    const char *message);
/* Forgets which orgs are registered in chat-orgs (the timer, hourly). */
void	qs_orgs_forget(void);
/*
 * The identity channel of org up to "ROLE:EMAIL" into out, so that
 * head .. member is a member's channel.  Returns 0 or -1.
 */
int	qs_chan_head(const struct cm_cfg *, const char *org, char *out,
	    size_t size);

/* sockets.c: frame handlers (cm_frame_fn). */
int	qs_socket_open(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);
int	qs_socket_close(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);

/*
 * ai.c: after an op, sends confab-ai what the script asked for in the
 * body's "_ai" member (a job or a cancel) and removes it from the body.
 */
void	qs_ai_follow(struct cm_svc_ctx *, const char *org, struct qs_result *);
/*
 * The assistant's summary of conversation chat (confab-ai's
 * /chat/ai/summaries), asked as u; NULL if none or no answer within 1 s.
 * Caller frees.
 */
char	*qs_ai_summary(struct cm_svc_ctx *, const struct cm_principal *u,
	    const char *chat);
/* CM_MSG_AI_RESULT from confab-ai (cm_frame_fn). */
int	qs_ai_result(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);

/*
 * presence.c: tells presence-svc of an agent's activity (op is the op
 * that ran); the watch-chat event (cm_event_fn).
 */
void	qs_presence_activity(struct cm_svc_ctx *, const struct cm_principal *,
	    const char *op);
cJSON	*qs_watch_event(struct cm_svc_ctx *, const struct cm_event_req *);

/* timer.c: the timer thread (cm_svc_def's init and fini hooks). */
int	qs_timer_init(const struct cm_cfg *, void *);
void	qs_timer_fini(void *);

/*
 * hooks.c: webhooks.  The event kinds (NULL-terminated); the dispatcher
 * threads (started and stopped with the timer: qs_hooks_init, _fini);
 * after the webhooks op, the org's place in chat-hook-orgs (from the
 * body's "_hooks", removed); n random bytes as 2n hex digits and a NUL.
 */
#define QS_HOOKS_MAX		20	/* webhooks per org */
#define QS_HOOK_URL_MAX		512
#define QS_HOOK_SECRET_MAX	128
extern const char *const qs_hook_events[];
int	qs_hooks_init(const struct cm_cfg *, void *);
void	qs_hooks_fini(void *);
void	qs_hooks_follow(struct cm_svc_ctx *, const char *org,
	    struct qs_result *);
int	qs_random_hex(char *out, size_t n);

/* rest.c: the route table (cm_svc_def.rest). */
extern const struct cm_rest_route qs_rest_routes[];

/*
 * hours.c: business hours.  qs_hours_check says why a businessHours
 * object is refused (NULL if fine); qs_hours_eval whether it is open at
 * t (1, 0; -1 if invalid); qs_hours_open whether org is open now (1, 0,
 * -1 if it has no hours or Redis failed), cached; qs_rest_hours serves
 * GET /chat/business-hours.
 */
const char *qs_hours_check(const cJSON *);
int	qs_hours_eval(const cJSON *, time_t t);
int	qs_hours_open(struct cm_svc_ctx *, const char *org);
void	qs_hours_forget(void);	/* after a settings change */
void	qs_rest_hours(struct cm_svc_ctx *, const struct cm_rest_req *,
	    struct cm_rest_reply *);

/* teams.c: GET /chat/teams/tree (cm_rest_fn); escalate-chat. */
void	qs_rest_team_tree(struct cm_svc_ctx *, const struct cm_rest_req *,
	    struct cm_rest_reply *);
cJSON	*qs_escalate_event(struct cm_svc_ctx *, const struct cm_event_req *);

/* ice.c: GET /chat/ice-servers (cm_rest_fn). */
void	qs_rest_ice(struct cm_svc_ctx *, const struct cm_rest_req *,
	    struct cm_rest_reply *);

/* context.c: GET /chat/conversations/{}/context (cm_rest_fn). */
void	qs_rest_context(struct cm_svc_ctx *, const struct cm_rest_req *,
	    struct cm_rest_reply *);

/* transcript.c: GET /chat/conversations/{}/transcript (cm_rest_fn). */
void	qs_rest_transcript(struct cm_svc_ctx *, const struct cm_rest_req *,
	    struct cm_rest_reply *);

/*
 * text.c: returns the number of characters (code points) in the
 * NUL-terminated s, or -1 if s is not valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF are invalid).
 */
long	qs_utf8_chars(const char *s);

/* scripts.c: builds every script's source; call once before threads. */
void	qs_scripts_init(void);
extern struct cm_script	qs_script_send, qs_script_pick, qs_script_takeover,
			qs_script_transfer, qs_script_resume, qs_script_close,
			qs_script_typing, qs_script_edit, qs_script_rate,
			qs_script_update, qs_script_tags, qs_script_view,
			qs_script_list, qs_script_messages, qs_script_search,
			qs_script_queue, qs_script_sock, qs_script_sweep,
			qs_script_timer, qs_script_stats, qs_script_ai_result,
			qs_script_ai_queue, qs_script_watch, qs_script_persons,
			qs_script_prefer, qs_script_label, qs_script_signal,
			qs_script_canned, qs_script_teams, qs_script_hooks,
			qs_script_hook_q;

/* lua_*.c: the Lua of the library and of each script. */
extern const char qs_lua_base[], qs_lua_queue[], qs_lua_access[];
extern const char qs_lua_send[], qs_lua_pick[], qs_lua_takeover[],
		qs_lua_transfer[], qs_lua_resume[], qs_lua_close[];
extern const char qs_lua_typing[], qs_lua_edit[], qs_lua_rate[],
		qs_lua_update[], qs_lua_tags[], qs_lua_watch[];
extern const char qs_lua_view[], qs_lua_list[], qs_lua_messages[],
		qs_lua_search[], qs_lua_queue_ops[];
extern const char qs_lua_sock[], qs_lua_sweep[], qs_lua_timer[],
		qs_lua_stats[];
extern const char qs_lua_ai_result[], qs_lua_ai_queue[];
extern const char qs_lua_persons[], qs_lua_prefer[], qs_lua_label[],
		qs_lua_signal[], qs_lua_canned[], qs_lua_teams[];
extern const char qs_lua_hooks[], qs_lua_hook_q[];

#endif
