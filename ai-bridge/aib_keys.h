/*
 * ai-bridge's Redis key families: the only place their names are
 * spelled.  Every key but the job stream carries its org as a {hash
 * tag}, so one org's keys share a Redis Cluster slot and a script may
 * touch any of them; aib_key() (util.c) builds them.
 *
 * Configuration (REST resources, no TTL):
 *	ai-config:{ORG}:CONFIGID	string: the chat config JSON, secrets
 *					included
 *	ai-configs:{ORG}		set of the org's config ids
 *	ai-faq:{ORG}			hash: entry id -> FAQ entry JSON
 *	ai-settings:{ORG}		string: {"mode","allowPerAgentMode",
 *					"character"}
 *	ai-agent:{ORG}:EMAIL		string: an agent's {"modeOverride",
 *					"aiEnabled","character"}
 *
 * Customers:
 *	ai-greeted:{ORG}:EMAIL		string: greeted already (TTL
 *					ai_greeting_ttl_s)
 *	ai-visitor:{ORG}:EMAIL		string: the configId the customer's
 *					last socket named (TTL 1 day)
 *
 * Jobs:
 *	ai-jobs				stream of jobs, fields "org" and "job"
 *					(JSON); consumer group "ai".  The one
 *					key without an org: every worker reads
 *					one stream.
 *	ai-job:{ORG}:JOBID		string: the job's first entry id; the
 *					intake saw it (TTL 1 day)
 *	ai-last:{ORG}:CHATID		string: the newest entry id of the
 *					chat's customer jobs (debounce)
 *	ai-pending:{ORG}:CHATID		list: {"entry","text"} of customer
 *					messages not answered yet
 *	ai-lock:{ORG}:CHATID		string: "CONSUMER|JOBID" of the job
 *					answering now (PX ai_timeout_ms + 10 s,
 *					refreshed)
 *	ai-cancel:{ORG}:CHATID		string: wall ms; jobs received up to
 *					then are dropped (a human took over)
 *	ai-run:{ORG}:JOBID		string: the streamId of a run that
 *					started and did not finish
 *	ai-result:{ORG}:JOBID		hash: json (the result), delivered
 *					(0 | 1), status, attempts (TTL 1 day)
 *	ai-turns:{ORG}:CHATID		list: the last turns {"role",
 *					"content"} given to a model (TTL 7 days)
 *	ai-summary:{ORG}:CHATID		string: the conversation summary
 *					(TTL 7 days)
 */
#ifndef AIB_KEYS_H
#define AIB_KEYS_H

#define AIB_FAM_CONFIG		"ai-config"
#define AIB_FAM_CONFIGS		"ai-configs"
#define AIB_FAM_FAQ		"ai-faq"
#define AIB_FAM_SETTINGS	"ai-settings"
#define AIB_FAM_AGENT		"ai-agent"
#define AIB_FAM_GREETED		"ai-greeted"
#define AIB_FAM_VISITOR		"ai-visitor"
#define AIB_FAM_JOB		"ai-job"
#define AIB_FAM_LAST		"ai-last"
#define AIB_FAM_PENDING		"ai-pending"
#define AIB_FAM_LOCK		"ai-lock"
#define AIB_FAM_CANCEL		"ai-cancel"
#define AIB_FAM_RUN		"ai-run"
#define AIB_FAM_RESULT		"ai-result"
#define AIB_FAM_TURNS		"ai-turns"
#define AIB_FAM_SUMMARY		"ai-summary"
#define AIB_KEY_JOBS		"ai-jobs"

#define AIB_DAY_S		86400
#define AIB_WEEK_S		(7 * AIB_DAY_S)
#define AIB_JOBS_MAXLEN		"100000"	/* XADD MAXLEN ~ */

#endif
