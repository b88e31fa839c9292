/*
 * Assembles queue-svc's scripts: each is the key families (from
 * queue_keys.h), the library (lua_lib.c, lua_queue.c) and its own Lua,
 * in one source, so that cm_redis_script() runs it by its SHA1 like
 * any other.  The sources are built once, before any thread starts.
 *
 * The common ARGV of every script (call.c fills it):
 *	1 key prefix	2 org	3 now (ms)	4 identity channel head
 *	5 the org's agents channel	6 config JSON	7 UTC day YYYYMMDD
 * and its own arguments from ARGV[8] on (arg(1) in Lua).
 */
#include <stdlib.h>
#include <string.h>

#include "qs.h"
#include "queue_keys.h"
#include "util.h"

#define FAM(var, fam)	"local " var " = '" fam "'\n"

static const char qs_lua_fams[] =
	FAM("F_OPEN", QS_FAM_OPEN) FAM("F_CONV", QS_FAM_CONV)
	FAM("F_MEMBERS", QS_FAM_MEMBERS) FAM("F_ACCESS", QS_FAM_ACCESS)
	FAM("F_IDEM", QS_FAM_IDEM) FAM("F_HISTORY", QS_FAM_HISTORY)
	FAM("F_EDITS", QS_FAM_EDITS) FAM("F_TAGS", QS_FAM_TAGS)
	FAM("F_NOTES", QS_FAM_NOTES) FAM("F_TYPING", QS_FAM_TYPING)
	FAM("F_INDEX", QS_FAM_INDEX) FAM("F_QUEUE", QS_FAM_QUEUE)
	FAM("F_QUEUES", QS_FAM_QUEUES) FAM("F_ACTIVE", QS_FAM_ACTIVE)
	FAM("F_AI", QS_FAM_AI) FAM("F_AGENTS", QS_FAM_AGENTS)
	FAM("F_SKILL", QS_FAM_SKILL) FAM("F_AGENT", QS_FAM_AGENT)
	FAM("F_LOAD", QS_FAM_LOAD) FAM("F_HANDLE", QS_FAM_HANDLE)
	FAM("F_RESOLVED", QS_FAM_RESOLVED) FAM("F_ORG", QS_FAM_ORG)
	FAM("F_DIRTY", QS_FAM_DIRTY) FAM("F_SOCKETS", QS_FAM_SOCKETS)
	FAM("F_CONN", QS_FAM_CONN) FAM("F_AWAY", QS_FAM_AWAY)
	FAM("F_VISITOR", QS_FAM_VISITOR) FAM("F_WATCHERS", QS_FAM_WATCHERS)
	FAM("F_PREFERRED", QS_FAM_PREFERRED) FAM("F_LABELS", QS_FAM_LABELS)
	FAM("F_LABELED", QS_FAM_LABELED) FAM("F_CANNED", QS_FAM_CANNED)
	FAM("F_TEAMS", QS_FAM_TEAMS) FAM("F_WEBHOOKS", QS_FAM_WEBHOOKS)
	FAM("F_HOOKS", QS_FAM_HOOKS) FAM("F_HOOK_DUE", QS_FAM_HOOK_DUE)
	FAM("F_HOOK_LOG", QS_FAM_HOOK_LOG)
	FAM("F_TIMERS", QS_FAM_TIMERS) FAM("F_DEFAULT", QS_SKILL_DEFAULT);

struct cm_script qs_script_send, qs_script_pick, qs_script_takeover,
    qs_script_transfer, qs_script_resume, qs_script_close, qs_script_typing,
    qs_script_edit, qs_script_rate, qs_script_update, qs_script_tags,
    qs_script_view, qs_script_list, qs_script_messages, qs_script_search,
    qs_script_queue, qs_script_sock, qs_script_sweep, qs_script_timer,
    qs_script_stats, qs_script_ai_result, qs_script_ai_queue,
    qs_script_watch, qs_script_persons, qs_script_prefer,
    qs_script_label, qs_script_signal, qs_script_canned, qs_script_teams,
    qs_script_hooks, qs_script_hook_q;

static const struct {
	struct cm_script	*script;
	const char		*body;
} qs_scripts[] = {
	{ &qs_script_send,	qs_lua_send },
	{ &qs_script_pick,	qs_lua_pick },
	{ &qs_script_takeover,	qs_lua_takeover },
	{ &qs_script_transfer,	qs_lua_transfer },
	{ &qs_script_resume,	qs_lua_resume },
	{ &qs_script_close,	qs_lua_close },
	{ &qs_script_typing,	qs_lua_typing },
	{ &qs_script_edit,	qs_lua_edit },
	{ &qs_script_rate,	qs_lua_rate },
	{ &qs_script_update,	qs_lua_update },
	{ &qs_script_tags,	qs_lua_tags },
	{ &qs_script_view,	qs_lua_view },
	{ &qs_script_list,	qs_lua_list },
	{ &qs_script_messages,	qs_lua_messages },
	{ &qs_script_search,	qs_lua_search },
	{ &qs_script_queue,	qs_lua_queue_ops },
	{ &qs_script_sock,	qs_lua_sock },
	{ &qs_script_sweep,	qs_lua_sweep },
	{ &qs_script_timer,	qs_lua_timer },
	{ &qs_script_stats,	qs_lua_stats },
	{ &qs_script_ai_result,	qs_lua_ai_result },
	{ &qs_script_ai_queue,	qs_lua_ai_queue },
	{ &qs_script_watch,	qs_lua_watch },
	{ &qs_script_persons,	qs_lua_persons },
	{ &qs_script_prefer,	qs_lua_prefer },
	{ &qs_script_label,	qs_lua_label },
	{ &qs_script_signal,	qs_lua_signal },
	{ &qs_script_canned,	qs_lua_canned },
	{ &qs_script_teams,	qs_lua_teams },
	{ &qs_script_hooks,	qs_lua_hooks },
	{ &qs_script_hook_q,	qs_lua_hook_q },
};

/*
 * The sources live as long as the process: they are built once and
 * never freed, like the string constants they are made of.
 */
void
qs_scripts_init(void)
{
	const char	*parts[5];
	struct cm_buf	 b;
	size_t		 i, j;

	for (i = 0; i < sizeof(qs_scripts) / sizeof(qs_scripts[0]); i++) {
		if (qs_scripts[i].script->src != NULL)
			continue;
		parts[0] = qs_lua_fams;
		parts[1] = qs_lua_base;
		parts[2] = qs_lua_queue;
		parts[3] = qs_lua_access;
		parts[4] = qs_scripts[i].body;
		memset(&b, 0, sizeof(b));
		for (j = 0; j < 5; j++)
			cm_buf_puts(&b, parts[j]);
		qs_scripts[i].script->src = b.data;
	}
}
