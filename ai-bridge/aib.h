/*
 * ai-bridge (confab-ai): the AI assistant's side of a conversation.
 *
 * queue-svc hands over a customer's message as a reply job
 * (CM_MSG_AI_JOB).  The job is written to a Redis stream before it is
 * acknowledged; a pool of worker threads of our own reads the stream
 * with a consumer group, waits out the debounce, takes the
 * conversation's lock, asks a backend (the org's FAQ, or an
 * OpenAI-compatible model) for the answer, streams it to the members'
 * sockets as chat-stream events, and hands the finished answer back to
 * queue-svc (CM_MSG_AI_RESULT), which stores it.  Chat configs, the
 * FAQ and the AI settings are REST resources of this service.
 *
 * The files:
 *
 *	main.c		the service definition, its tables, --seed-demo
 *	util.c		shared checks, JSON and Redis helpers, publishing
 *	config.c	chat configs: validation, storage, REST
 *	settings.c	AI mode (manual | ai | agent-wise), per-agent
 *			overrides, character profiles: REST and resolution
 *	faq.c		the FAQ REST routes
 *	faq_bulk.c	FAQ reorder and bulk import
 *	faq_store.c	FAQ entries: validation, storage, search
 *	greeting.c	SOCKET_OPEN: the assistant's greeting
 *	intake.c	CM_MSG_AI_JOB: reply jobs and cancels
 *	agent_msg.c	send-ai-message, an agent's request for an answer
 *	worker.c	the worker threads: reading and holding jobs
 *	claim.c		claiming dead consumers' jobs, keeping ours fresh
 *	job.c		one job's checks: debounce, result, cancel, lock
 *	run.c		one job's run: generate, stream, store, hand over
 *	stream.c	chat-stream and typing events, ticks during a run
 *	bubble.c	multi-bubble answers: one stream per paragraph
 *	result.c	CM_MSG_AI_RESULT to queue-svc, retried
 *	backend_faq.c	the faq backend
 *	backend_openai.c the openai backend: request, stream, tool calls
 *	prompt.c	system prompt and message list for a model
 *	model.c		the model endpoint's URL and key; a plain completion
 *	summary.c	the conversation summary carried to later calls
 *	(common/httpc.c	a small blocking HTTP/1.1 client, TCP or TLS)
 *	scripts.c	the Lua scripts
 *	metrics.c	the confab_ai_* metric families
 *	seed.c		the demo chat config and FAQ of `make run`
 *	sse.c, toolcall.c, bm25.c  pure parsers and ranking (own headers)
 */
#ifndef AIB_H
#define AIB_H

#include <pthread.h>
#include <stdatomic.h>

#include "bm25.h"
#include "prom.h"
#include "sse.h"
#include "svc.h"
#include "svc_call.h"
#include "toolcall.h"

#define AIB_ID_MAX		64	/* configId, chatId, FAQ id */
#define AIB_JOB_ID_MAX		96
#define AIB_ENTRY_MAX		32	/* a stream entry id */
#define AIB_MEMBER_MAX		(CM_EMAIL_MAX + 16)	/* "ROLE:EMAIL" */
#define AIB_MEMBERS_MAX		32
#define AIB_TEXT_MAX		(64 * 1024)	/* a job's text */
#define AIB_HELD_MAX		64	/* jobs one worker holds at once */
#define AIB_STREAM_ID_LEN	20
#define AIB_CONSUMER_MAX	96
#define AIB_GROUP		"ai"	/* the job stream's consumer group */

/* How a job ended, for the metrics and the log. */
enum aib_outcome {
	AIB_OUT_ANSWERED,	/* an answer, no hand-off */
	AIB_OUT_HANDOFF,	/* an answer that hands off to a human */
	AIB_OUT_FAILED,		/* the backend failed: hand-off */
	AIB_OUT_TIMEOUT,	/* ai_timeout_ms passed: hand-off */
	AIB_OUT_CANCELLED,	/* a human took over */
	AIB_OUT_SUPERSEDED,	/* merged into a later job (debounce) */
	AIB_OUT_REFUSED,	/* not answerable (bad job, no assistant) */
	AIB_OUT_MAX
};

struct aib_stats {
	uint64_t		 received;
	uint64_t		 outcomes[AIB_OUT_MAX];
	struct cm_prom_hist	 job_duration;	  /* received -> acked */
	struct cm_prom_hist	 stream_duration; /* first event -> end */
	struct cm_prom_hist	 first_chunk;	  /* run start -> 1st chunk */
	uint64_t		 results_sent;
	uint64_t		 result_failures; /* attempts not answered */
	uint64_t		 greetings;
	uint64_t		 claimed;	  /* taken over from others */
};

struct aib_worker;

/* The service's state (cm_svc_def.app); one per process. */
struct aib {
	const struct cm_cfg	*cfg;		/* set by init */
	atomic_int		 stop;
	struct aib_worker	*workers;
	int			 nworkers;
	char			 host[64];	/* consumer names: host-pid-N */
	struct cm_svc_peer	*peers;		/* to queue-svc, one per
						   request thread */
	int			 npeers;
	struct aib_stats	 stats;
};

/* A reply job, as stored in the stream and held by a worker. */
struct aib_job {
	char		 entry[AIB_ENTRY_MAX];	/* stream entry id */
	char		 org[CM_ORG_MAX + 1];
	char		 id[AIB_JOB_ID_MAX + 1];
	char		 chat[AIB_ID_MAX + 1];
	char		 config[AIB_ID_MAX + 1];	/* may be "" */
	char		 agent[AIB_MEMBER_MAX + 1];	/* "ROLE:EMAIL" or "" */
	int		 asked;		/* 1: send-ai-message by an agent */
	int64_t		 received;	/* wall ms at intake */
	int64_t		 due;		/* wall ms: not before (debounce) */
	cJSON		*body;		/* owned: the whole job */
	const char	*text;		/* borrowed from body */
	const cJSON	*members;	/* borrowed: ["ROLE:EMAIL",..] */
};

/*
 * One generation of an answer.  The backends read the inputs and fill
 * the outputs through the emit functions of stream.c.
 */
struct aib_gen {
	struct aib_worker	*w;
	const struct aib_job	*job;
	const cJSON		*assistant;	/* borrowed from config */
	cJSON			*config;	/* owned: the chat config */
	cJSON			*character;	/* owned: merged profile */
	char			*question;	/* owned: texts answered */
	cJSON			*turns;		/* owned: [{role,content}] */
	char			*summary;	/* owned; NULL if none */
	char			 stream[AIB_STREAM_ID_LEN + 1];
	int64_t			 started;	/* mono ms */
	int64_t			 deadline;	/* mono ms */
	int64_t			 next_tick;	/* mono ms */
	int64_t			 next_lock;	/* mono ms: refresh the lock */
	int64_t			 first_chunk;	/* mono ms; 0: none yet */
	int			 chunk_delay_ms;
	/* Multi-bubble answers (bubble.c). */
	int			 multi;		/* split at blank lines */
	int			 bubble_delay_ms;
	int			 newlines;	/* held back at a chunk's end */
	struct cm_buf		 bubble;	/* the current bubble's text */
	cJSON			*bubbles;	/* owned: [{"text","streamId"}] */
	/* Outputs. */
	struct cm_buf		 text;		/* the answer so far */
	int			 handoff;
	char			 reason[256];
	char			 error[256];	/* why the backend failed */
	int			 cancelled;	/* a human took over */
	int			 timed_out;
	int			 stopped;	/* stopping, or the job was
						   claimed by another consumer */
	char			*new_summary;	/* owned; NULL: unchanged */
};

/* A worker thread and what it holds. */
struct aib_held {
	struct aib_job	*job;		/* owned */
	int64_t		 not_before;	/* wall ms: look again then */
};

struct aib_worker {
	struct aib		*aib;
	struct cm_svc_ctx	 ctx;		/* its own Redis link */
	struct cm_svc_peer	 queue;		/* to queue-svc */
	pthread_t		 tid;
	int			 running;
	char			 consumer[AIB_CONSUMER_MAX];
	struct aib_held		 held[AIB_HELD_MAX];
	int			 nheld;
	const struct aib_job	*current;	/* the job being run */
	int			 lost;		/* another consumer took it */
	int64_t			 next_claim;	/* mono ms */
	int64_t			 next_beat;	/* mono ms */
	int64_t			 next_sweep;	/* mono ms */
	struct cm_redis_retry	 retry;		/* Redis reconnect */
};

/* main.c: the one state of the process. */
extern struct aib	aib_app;

/* util.c */
/* 1 if s is an id of 1..AIB_ID_MAX characters of [A-Za-z0-9._-]. */
int	aib_valid_id(const char *s);
/* 1 if s is "customer|agent|admin:EMAIL" with a plausible email. */
int	aib_valid_member(const char *s);
/* 1 if s is valid UTF-8 of at most max bytes (no NUL). */
int	aib_valid_text(const char *s, size_t max);
/* 1 for an agent or admin. */
int	aib_is_staff(const struct cm_principal *p);
/* Fills rep with 403 unless p is an admin; returns 1 if it is one. */
int	aib_need_admin(const struct cm_principal *p, struct cm_rest_reply *rep);
/* Fills rep with 403 unless p is staff; returns 1 if it is. */
int	aib_need_staff(const struct cm_principal *p, struct cm_rest_reply *rep);
/* Fills rep with 503: Redis did not answer. */
void	aib_rest_down(struct cm_rest_reply *rep);
/*
 * GET of a key holding JSON: 0 with *out parsed (caller frees), 1 if
 * the key does not exist, -1 if Redis failed or the value is not JSON.
 */
int	aib_get_json(struct cm_svc_ctx *ctx, const char *key, cJSON **out);
/* SET key to the JSON of v (and EX ttl_s if > 0); 0 or -1. */
int	aib_set_json(struct cm_svc_ctx *ctx, const char *key, const cJSON *v,
	    long ttl_s);
/*
 * Publishes "EVENT JSON" to every member ("ROLE:EMAIL") of members and,
 * with ai_stream_to_agents, to the org's agents channel instead of
 * staff members' own channels, so each socket gets it once.  Returns 0
 * or -1 (Redis failed; logged).
 */
int	aib_publish(struct cm_svc_ctx *ctx, const char *org,
	    const cJSON *members, const char *event, const cJSON *data);
/* Publishes to one identity's channel; 0 or -1. */
int	aib_publish_identity(struct cm_svc_ctx *ctx, const char *org,
	    const char *role, const char *email, const char *event,
	    const cJSON *data);
/* A key of an ai-bridge family (aib_keys.h); caller frees. */
char	*aib_key(const struct cm_cfg *cfg, const char *family, const char *org,
	    const char *a, const char *b);
/* Copies an optional string member into out; "" if absent. */
void	aib_copy_str(const cJSON *o, const char *name, char *out, size_t size);

/* config.c */
extern const struct cm_rest_route aib_config_routes[];
/*
 * Loads chat config id of org: 0 with *out (caller frees), 1 if there
 * is none, -1 if Redis failed.  Secrets are included.
 */
int	aib_config_load(struct cm_svc_ctx *ctx, const char *org, const char *id,
	    cJSON **out);
/*
 * Validates a chat config body and builds what is stored (caller
 * frees); old is the stored config (for "apiKey":"(set)") or NULL.
 * Returns NULL with why set (static) if the body is not acceptable.
 */
cJSON	*aib_config_build(const cJSON *body, const cJSON *old, const char **why);
/* The config as GET shows it: secrets as "(set)".  Caller frees. */
cJSON	*aib_config_public(const char *id, const cJSON *stored);
/*
 * Stores a validated config and lists its id; 0 or -1.
 */
int	aib_config_store(struct cm_svc_ctx *ctx, const char *org, const char *id,
	    const cJSON *stored);

/* settings.c */
extern const struct cm_rest_route aib_settings_routes[];
enum aib_mode {
	AIB_MODE_MANUAL,
	AIB_MODE_AI,
	AIB_MODE_AGENT_WISE,
};
/*
 * Whether the assistant answers by itself.  agent is NULL for a
 * conversation no human holds, else that agent's override record
 * (may be an empty object).  See confab-ai(8), "AI mode".
 */
int	aib_mode_answers(enum aib_mode mode, int per_agent, const cJSON *agent);
/* Parses "manual" | "ai" | "agent-wise"; -1 if none of them. */
int	aib_mode_parse(const char *s, enum aib_mode *mode);
/*
 * Decides whether a job is answered and builds its character profile:
 * the assistant's fields, then the org's character, then the agent's.
 * Returns 1 (answer; *character set, caller frees), 0 (not: *why set,
 * static) or -1 (Redis failed).
 */
int	aib_settings_resolve(struct cm_svc_ctx *ctx, const char *org,
	    const char *agent, int asked, const cJSON *assistant,
	    cJSON **character, const char **why);

/* summary.c: GET /chat/ai/summaries/{chatId}. */
extern const struct cm_rest_route aib_summary_routes[];

/* faq.c */
extern const struct cm_rest_route aib_faq_routes[];
/* 1 if id is a path of the FAQ routes rather than an entry id. */
int	aib_faq_reserved(const char *id);
/*
 * Every entry for req's user (customers: the enabled ones), or NULL
 * with a 503 in rep.  Caller frees.
 */
cJSON	*aib_faq_load(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
	    struct cm_rest_reply *rep);
/* The entry of all with id (borrowed), or NULL. */
cJSON	*aib_faq_find(cJSON *all, const char *id);
/* Stores entries and answers status with body (owned), or 503. */
void	aib_faq_store(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
	    struct cm_rest_reply *rep, const cJSON *entries, int status,
	    cJSON *body);

/* faq_bulk.c: POST /chat/faq/reorder and /chat/faq/import. */
void	aib_faq_reorder(struct cm_svc_ctx *, const struct cm_rest_req *,
	    struct cm_rest_reply *);
void	aib_faq_import(struct cm_svc_ctx *, const struct cm_rest_req *,
	    struct cm_rest_reply *);

/* faq_store.c */
#define AIB_FAQ_MAX		2000	/* entries per org */
/*
 * Every FAQ entry of org, sorted by order then createdAt (caller
 * frees); NULL if Redis failed.
 */
cJSON	*aib_faq_all(struct cm_svc_ctx *ctx, const char *org);
/*
 * Builds a stored entry from a request body: a new one when old is
 * NULL, else old updated with the fields body has.  Returns NULL with
 * why set (static) if the body is not acceptable.  Caller frees.
 */
cJSON	*aib_faq_build(const cJSON *body, const cJSON *old, const char **why);
/* Writes entries (an array of built entries) in one HSET; 0 or -1. */
int	aib_faq_put(struct cm_svc_ctx *ctx, const char *org,
	    const cJSON *entries);
/*
 * Ranks the enabled entries of all (optionally only those whose
 * category is in categories, an array) against question.  Returns an
 * array of {"entry":ENTRY,"score":N} (caller frees), best first, at
 * most max.
 */
cJSON	*aib_faq_search(const cJSON *all, const char *question,
	    const cJSON *categories, int max);

/* greeting.c */
int	aib_socket_open(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);

/* intake.c */
int	aib_job_frame(struct cm_svc_ctx *, const struct cm_frame *,
	    const cJSON *, cJSON **);
cJSON	*aib_send_ai_message(struct cm_svc_ctx *, const struct cm_event_req *);
/*
 * Writes a job (the body built by the caller) to the job stream and
 * registers it for debouncing.  Returns 0 with the entry id in entry,
 * or -1 (Redis failed).
 */
int	aib_job_enqueue(struct cm_svc_ctx *ctx, const char *org, cJSON *job,
	    char *entry, size_t size);

/* worker.c */
int	aib_workers_start(struct aib *aib);
void	aib_workers_stop(struct aib *aib);
/* The job stream's key; caller frees. */
char	*aib_jobs_key(const struct cm_cfg *cfg);
/*
 * Takes one stream entry [id, [field, value, ...]] of a reply: holds
 * its job, or acknowledges it if it is no job.
 */
void	aib_worker_take(struct aib_worker *w, const redisReply *entry);

/* claim.c */
/* Claims the entries of consumers idle for ai_job_claim_ms. */
void	aib_worker_claim(struct aib_worker *w);
/*
 * Refreshes the idle time of every job the worker holds (and the one it
 * runs), so that no other consumer claims them; at most every
 * ai_job_claim_ms / 3 unless force.
 */
void	aib_worker_beat(struct aib_worker *w, int force);
/* Deletes the group's consumers that hold nothing and idle an hour. */
void	aib_worker_sweep(struct aib_worker *w);

/* job.c */
enum aib_step {
	AIB_JOB_DONE,		/* acknowledged; forget it */
	AIB_JOB_LATER,		/* hold it; look again at not_before */
	AIB_JOB_AGAIN,		/* Redis failed; keep it, retry soon */
};
/* Parses a stream entry's job; NULL if it is not one (logged). */
struct aib_job *aib_job_parse(const char *org, const char *entry,
	    const char *json, size_t len);
void	aib_job_free(struct aib_job *job);
/* Takes one step with a held job; sets *not_before for LATER. */
enum aib_step aib_job_step(struct aib_worker *w, struct aib_job *job,
	    int64_t *not_before);
/* XACKs a job's entry; 0 or -1. */
int	aib_job_ack(struct aib_worker *w, const struct aib_job *job);
/*
 * Takes (take 1) or refreshes the conversation's lock for job, or drops
 * it (take 0).  Returns 1 if held (taken) or dropped, 0 if another job
 * holds it, -1 if Redis failed.
 */
int	aib_job_lock(struct aib_worker *w, const struct aib_job *job, int take);
/*
 * Fills g->question, g->turns and g->summary; the pending records the
 * answer covers are added to consumed.  0, or -1 if Redis failed.
 */
int	aib_job_prepare(struct aib_gen *g, cJSON *consumed);

/* run.c: runs a job that holds its conversation's lock. */
enum aib_step aib_job_run(struct aib_worker *w, struct aib_job *job);

/* bubble.c */
/* Prepares g for the assistant's multiBubble and bubbleDelayMs. */
void	aib_bubble_init(struct aib_gen *g);
/*
 * Takes n bytes of answer for a multi-bubble run: text goes to the
 * current bubble (published as chunks), a blank line closes it and,
 * after typing for bubbleDelayMs, opens the next under a new streamId.
 * Returns -1 when the run must stop.
 */
int	aib_bubble_feed(struct aib_gen *g, const char *p, size_t n);

/* stream.c */
/* Publishes one chat-stream event of the current stream; consumes data. */
int	aib_stream_publish(struct aib_gen *g, const char *event, cJSON *data);
/* Publishes a chunk of text without the multi-bubble logic. */
int	aib_stream_chunk(struct aib_gen *g, const char *p, size_t n);
/* Appends to the answer and publishes a chunk; -1: stop generating. */
int	aib_emit_chunk(struct aib_gen *g, const char *p, size_t n);
/*
 * Streams text as chunks of a few words, chunk_delay_ms apart, as the
 * faq backend and hand-off messages do; -1: stop generating.
 */
int	aib_emit_text(struct aib_gen *g, const char *text);
/* Publishes a tool-use or tool-result event with data; -1: stop. */
int	aib_emit_tool(struct aib_gen *g, const char *event, cJSON *data);
/* Publishes the end event of the stream, with the outcome. */
void	aib_emit_end(struct aib_gen *g);
/* Publishes the end of an earlier run's stream that never finished. */
void	aib_emit_aborted(struct aib_gen *g, const char *old_stream);
/* Publishes typing on or off as the assistant. */
void	aib_emit_typing(struct aib_gen *g, int on);
/*
 * Called often while generating: returns -1 once the run must stop
 * (g->cancelled or g->timed_out set), else 0.  Looks at Redis at most
 * every 200 ms (cancel flag, lock, heartbeat).
 */
int	aib_gen_tick(struct aib_gen *g);
/* Sleeps ms in ticks; -1 if the run must stop. */
int	aib_gen_sleep(struct aib_gen *g, int ms);

/* result.c */
/*
 * Sends a stored result to queue-svc until it answers (or the service
 * stops): 0 once answered (delivered or refused for good), -1 if the
 * service is stopping.
 */
int	aib_result_deliver(struct aib_worker *w, const struct aib_job *job,
	    const char *json);

/* backend_faq.c, backend_openai.c: 0, or -1 with g->error set. */
int	aib_faq_generate(struct aib_gen *g);
int	aib_openai_generate(struct aib_gen *g);

/* model.c: the openai endpoint, shared by the backend and summary.c. */
struct cm_url;
/* The completions URL of the assistant; 0, or -1 with g->error set. */
int	aib_model_url(struct aib_gen *g, struct cm_url *u);
/* apiKey, or apiKeyFile's first line, or NULL (none).  Caller frees. */
char	*aib_model_key(const struct aib_gen *g);
/*
 * A non-streamed completion of messages within budget_ms, unaffected by
 * cancels; returns the content (caller frees) or NULL.
 */
char	*aib_model_complete(struct aib_gen *g, const cJSON *messages,
	    int budget_ms);

/* summary.c: sets g->new_summary when one is due (openai only). */
void	aib_summarize(struct aib_gen *g);

/* prompt.c */
/* The system prompt for g (caller frees). */
char	*aib_prompt_system(const struct aib_gen *g);
/* The "messages" array of a chat completion request (caller frees). */
cJSON	*aib_prompt_messages(const struct aib_gen *g);

/* scripts.c */
extern struct cm_script	aib_script_intake, aib_script_lock,
			aib_script_unlock, aib_script_finish,
			aib_script_cancel;

/* metrics.c */
void	aib_metrics(const struct cm_cfg *cfg, void *app, struct cm_buf *b);
/* Counts an outcome and logs the job's lifecycle line. */
void	aib_outcome(const struct aib_job *job, enum aib_outcome out,
	    const char *detail);

/* seed.c */
/* Writes the demo config and FAQ of org "demo" unless present; 0/-1. */
int	aib_seed_demo(const char *cfg_path);

#endif
