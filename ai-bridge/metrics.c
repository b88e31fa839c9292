/*
 * The confab_ai_* metric families (GET /metrics on ai_http_listen) and
 * the lifecycle log line of every job: seed 003's received / completed
 * / failed stages with their durations.
 *
 *	<6>svc=ai msg="ai job" stage=completed outcome=answered org=demo
 *	    chat=.. job=.. duration_ms=1840 detail=".."
 */
#include <stdio.h>

#include "aib.h"
#include "log.h"

static const char *const metrics_outcomes[AIB_OUT_MAX] = {
	[AIB_OUT_ANSWERED] =	"answered",
	[AIB_OUT_HANDOFF] =	"handoff",
	[AIB_OUT_FAILED] =	"failed",
	[AIB_OUT_TIMEOUT] =	"timeout",
	[AIB_OUT_CANCELLED] =	"cancelled",
	[AIB_OUT_SUPERSEDED] =	"superseded",
	[AIB_OUT_REFUSED] =	"refused",
};

void
aib_outcome(const struct aib_job *job, enum aib_outcome out,
    const char *detail)
{
	int64_t	 ms = cm_now_ms() - job->received;
	int	 failed = out == AIB_OUT_FAILED || out == AIB_OUT_TIMEOUT;

	if (ms < 0)
		ms = 0;
	CM_ADD(&aib_app.stats.outcomes[out], 1);
	cm_prom_observe(&aib_app.stats.job_duration, (uint64_t)ms * 1000);
	cm_log(failed ? CM_LOG_WARNING : CM_LOG_INFO, "msg=\"ai job\" "
	    "stage=%s outcome=%s org=%s chat=%s job=%s duration_ms=%lld "
	    "detail=\"%.120s\"", failed ? "failed" : "completed",
	    metrics_outcomes[out], job->org, job->chat, job->id,
	    (long long)ms, detail != NULL ? detail : "");
}

void
aib_metrics(const struct cm_cfg *cfg, void *app, struct cm_buf *b)
{
	struct aib_stats	*st = &((struct aib *)app)->stats;
	char			 label[64];
	int			 i;

	cm_prom_family(b, "confab_ai_jobs_received_total", "counter",
	    "Reply jobs accepted into the job stream.");
	cm_prom_sample(b, "confab_ai_jobs_received_total", NULL,
	    (double)CM_LOAD(&st->received));
	cm_prom_family(b, "confab_ai_jobs_total", "counter",
	    "Reply jobs finished, by outcome.");
	for (i = 0; i < AIB_OUT_MAX; i++) {
		snprintf(label, sizeof(label), "outcome=\"%s\"",
		    metrics_outcomes[i]);
		cm_prom_sample(b, "confab_ai_jobs_total", label,
		    (double)CM_LOAD(&st->outcomes[i]));
	}
	cm_prom_family(b, "confab_ai_job_duration_seconds", "histogram",
	    "From a job's intake to its acknowledgement.");
	cm_prom_hist(b, "confab_ai_job_duration_seconds", NULL,
	    &st->job_duration);
	cm_prom_family(b, "confab_ai_stream_duration_seconds", "histogram",
	    "From a run's start to its stream's end event.");
	cm_prom_hist(b, "confab_ai_stream_duration_seconds", NULL,
	    &st->stream_duration);
	cm_prom_family(b, "confab_ai_first_chunk_seconds", "histogram",
	    "From a run's start to its first chunk of text.");
	cm_prom_hist(b, "confab_ai_first_chunk_seconds", NULL,
	    &st->first_chunk);
	cm_prom_family(b, "confab_ai_results_sent_total", "counter",
	    "Results queue-svc took.");
	cm_prom_sample(b, "confab_ai_results_sent_total", NULL,
	    (double)CM_LOAD(&st->results_sent));
	cm_prom_family(b, "confab_ai_result_failures_total", "counter",
	    "Attempts to hand a result to queue-svc that got no answer.");
	cm_prom_sample(b, "confab_ai_result_failures_total", NULL,
	    (double)CM_LOAD(&st->result_failures));
	cm_prom_family(b, "confab_ai_jobs_claimed_total", "counter",
	    "Jobs taken over from a consumer that stopped answering.");
	cm_prom_sample(b, "confab_ai_jobs_claimed_total", NULL,
	    (double)CM_LOAD(&st->claimed));
	cm_prom_family(b, "confab_ai_greetings_total", "counter",
	    "Greetings sent to customers.");
	cm_prom_sample(b, "confab_ai_greetings_total", NULL,
	    (double)CM_LOAD(&st->greetings));
}
