/*
 * The parsers of the REST-only ops (ops.h): tags, notes, the
 * conversation list, message pages and transcripts, search, the queue
 * and its settings, webhooks.  Query parameters arrive as strings, so numbers and
 * booleans go through qs_data_int() and qs_data_bool().
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "httpc.h"
#include "ops.h"
#include "util.h"

/* tags: chatId, "tags", op (get | add | del), tag. */
const char *
qs_parse_tags(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why, *op, *tag;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	qs_push(a, "tags");
	if (qs_opt_str(data, "op", &op) != NULL || (strcmp(op, "get") != 0 &&
	    strcmp(op, "add") != 0 && strcmp(op, "del") != 0))
		return ("op must be get, add or del");
	if (qs_opt_str(data, "tag", &tag) != NULL || (strcmp(op, "get") != 0 &&
	    !qs_valid_text(tag, QS_TAG_MAX)) || strchr(tag, '\n') != NULL)
		return ("a tag is text of 1 to 64 bytes on one line");
	qs_push(a, op);
	qs_push(a, tag);
	return (NULL);
}

/* notes: chatId, "notes", op (get | add | del), text or note id. */
const char *
qs_parse_notes(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why, *op, *text;
	long long	 id;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	qs_push(a, "notes");
	if (qs_opt_str(data, "op", &op) != NULL)
		return ("op must be a string");
	qs_push(a, op);
	if (strcmp(op, "get") == 0)
		qs_push(a, "");
	else if (strcmp(op, "add") == 0) {
		if (qs_opt_str(data, "text", &text) != NULL ||
		    !qs_valid_text(text, QS_NOTE_MAX))
			return ("text must be valid text of 1 to 4000 bytes");
		qs_push(a, text);
	} else if (strcmp(op, "del") == 0) {
		if (qs_data_int(data, "noteId", 0, 1, 1LL << 50, &id) == -1 ||
		    id == 0)
			return ("noteId must be a note's id");
		qs_push_num(a, id);
	} else
		return ("op must be get, add or del");
	return (NULL);
}

/*
 * list-chats: status, agent, customer, from, to, limit, before.  The
 * time bounds are createdAt in ms; before is the "next" of a page.
 */
const char *
qs_parse_list(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	static const char *const states[] = { "", "queued", "active", "ai",
	    "closed" };
	static const char *const times[] = { "from", "to" };
	const char	*status, *agent, *customer;
	long long	 n;
	size_t		 i, ok = 0;
	int		 hidden;

	if (qs_opt_str(data, "status", &status) != NULL)
		return ("status must be a string");
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		ok |= strcmp(status, states[i]) == 0;
	if (!ok)
		return ("status must be queued, active, ai or closed");
	if (qs_opt_str(data, "agent", &agent) != NULL ||
	    qs_opt_str(data, "customer", &customer) != NULL ||
	    (agent[0] != '\0' && !qs_valid_email(agent)) ||
	    (customer[0] != '\0' && !qs_valid_email(customer)))
		return ("agent and customer must be emails");
	qs_push(a, status);
	qs_push(a, agent);
	qs_push(a, customer);
	for (i = 0; i < 2; i++) {
		if (qs_data_int(data, times[i], -1, 0, 1LL << 50, &n) == -1)
			return ("from and to are times in ms since the epoch");
		if (n == -1)
			qs_push(a, "");
		else
			qs_push_num(a, n);
	}
	if (qs_data_int(data, "limit", 20, 1, 100, &n) == -1)
		return ("limit must be an integer from 1 to 100");
	qs_push_num(a, n);
	if (qs_data_int(data, "before", -1, 0, 1LL << 50, &n) == -1)
		return ("before must be the next of a previous page");
	if (n == -1)
		qs_push(a, "");
	else
		qs_push_num(a, n);
	if (qs_data_bool(data, "hidden", 0, &hidden) == -1)
		return ("hidden must be true or false");
	qs_push(a, hidden ? "1" : "0");
	return (NULL);
}

/* messages: chatId, before (a seq; "" = the newest), limit. */
const char *
qs_parse_messages(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why;
	long long	 n;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	if (qs_data_int(data, "before", -1, 1, 1LL << 50, &n) == -1)
		return ("before must be a sequence number");
	if (n == -1)
		qs_push(a, "");
	else
		qs_push_num(a, n);
	if (qs_data_int(data, "limit", 50, 1, 200, &n) == -1)
		return ("limit must be an integer from 1 to 200");
	qs_push_num(a, n);
	return (NULL);
}

/* transcript: chatId, "", QS_TRANSCRIPT_MAX (the newest messages). */
const char *
qs_parse_transcript(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	qs_push(a, "");
	qs_push_num(a, QS_TRANSCRIPT_MAX);
	return (NULL);
}

/* search: q (lower-cased here: ASCII letters), limit. */
const char *
qs_parse_search(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*q;
	char		*p;
	long long	 n;

	if (qs_opt_str(data, "q", &q) != NULL ||
	    !qs_valid_text(q, QS_QUERY_MAX))
		return ("q must be text of 1 to 100 bytes");
	if (qs_data_int(data, "limit", 20, 1, 100, &n) == -1)
		return ("limit must be an integer from 1 to 100");
	cm_strlcpy(a->list, q, sizeof(a->list));
	for (p = a->list; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	qs_push(a, a->list);
	qs_push_num(a, n);
	return (NULL);
}

/* A canned response's text member: "" if absent; else why not. */
static const char *
qs_canned_str(const cJSON *data, const char *name, size_t max, int oneline,
    cJSON *out)
{
	const char	*v;

	if (qs_opt_str(data, name, &v) != NULL || (v[0] != '\0' &&
	    (!qs_valid_text(v, max) || (oneline && strchr(v, '\n')))))
		return ("title (200), text (4000), category and shortcut (64, "
		    "one line) must be text of at most that many bytes");
	cJSON_AddStringToObject(out, name, v);
	return (NULL);
}

/*
 * canned: mode (list | get | put | del, from "op"; add is put with no
 * id), id, then for list category and q, for put the entry as JSON
 * {title, text, category, shortcut}.
 */
const char *
qs_parse_canned(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*mode, *id, *cat, *q, *why = NULL;
	cJSON		*e;

	if (qs_opt_str(data, "op", &mode) != NULL ||
	    qs_opt_str(data, "id", &id) != NULL ||
	    (id[0] != '\0' && !qs_valid_id(id)))
		return ("a canned response's id is 1 to 128 characters of "
		    "[A-Za-z0-9._-]");
	if (strcmp(mode, "add") == 0) {
		mode = "put";
		id = "";
	}
	qs_push(a, mode);
	qs_push(a, id);
	if (strcmp(mode, "list") == 0) {
		if (qs_opt_str(data, "category", &cat) != NULL ||
		    qs_opt_str(data, "q", &q) != NULL || strlen(q) > QS_QUERY_MAX)
			return ("category and q must be short strings");
		qs_push(a, cat);
		qs_push(a, q);
		return (NULL);
	}
	if (strcmp(mode, "put") != 0)
		return (NULL);		/* get, del: the script checks id */
	e = cJSON_CreateObject();
	if ((why = qs_canned_str(data, "title", QS_TITLE_MAX, 1, e)) == NULL &&
	    (why = qs_canned_str(data, "text", QS_CANNED_TEXT_MAX, 0, e)) == NULL &&
	    (why = qs_canned_str(data, "category", QS_TAG_MAX, 1, e)) == NULL &&
	    (why = qs_canned_str(data, "shortcut", QS_TAG_MAX, 1, e)) == NULL &&
	    (cm_json_str(e, "title")[0] == '\0' ||
	    cm_json_str(e, "text")[0] == '\0'))
		why = "a canned response needs a title and a text";
	if (why == NULL)
		qs_push(a, a->json = cJSON_PrintUnformatted(e));
	cJSON_Delete(e);
	return (why);
}

/* The webhook events (qs.h). */
const char *const qs_hook_events[] = {
	"chat.created", "chat.queued", "chat.assigned", "chat.transferred",
	"chat.closed", "chat.rated", "message.created", "agent.status", NULL
};

int
qs_random_hex(char *out, size_t n)
{
	unsigned char	 raw[64];
	size_t		 i;

	if (n > sizeof(raw) || getrandom(raw, n, 0) != (ssize_t)n)
		return (-1);
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	out[2 * n] = '\0';
	return (0);
}

/*
 * webhooks: mode (list | add | del | log, from "op"), webhook id (a new
 * random one for add), for add the webhook as JSON {url, events,
 * secret}, the secret 32 random hex digits unless given.
 */
const char *
qs_parse_hooks(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const cJSON	*events, *e, *v;
	const char	*mode, *id, *url, *secret;
	char		 newid[16], gen[33];
	struct cm_url	 parsed;
	cJSON		*h, *list;
	size_t		 i, j;
	int		 seen[16] = { 0 };

	if (qs_opt_str(data, "op", &mode) != NULL ||
	    qs_opt_str(data, "id", &id) != NULL ||
	    (id[0] != '\0' && !qs_valid_id(id)))
		return ("a webhook's id is 1 to 128 characters of "
		    "[A-Za-z0-9._-]");
	if (strcmp(mode, "add") == 0) {
		if (qs_random_hex(newid + 1, 6) == -1)
			return ("no randomness for a new id");
		newid[0] = 'w';
		id = newid;
	}
	qs_push(a, mode);
	qs_push(a, id);
	if (strcmp(mode, "add") != 0)
		return (NULL);		/* list, del, log: the script checks */
	url = cm_json_str(data, "url");
	if (url == NULL || strlen(url) > QS_HOOK_URL_MAX ||
	    (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0) ||
	    strpbrk(url, " \t\r\n\"\\<>") != NULL ||
	    cm_url_parse(url, &parsed) == -1)
		return ("url must be an http:// or https:// URL of at most 512 "
		    "characters");
	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] < 0x21 || (unsigned char)url[i] > 0x7e)
			return ("url must be an http:// or https:// URL of at "
			    "most 512 characters");
	events = cJSON_GetObjectItemCaseSensitive(data, "events");
	if (!cJSON_IsArray(events) || cJSON_GetArraySize(events) == 0)
		return ("events must be a non-empty array of event names");
	cJSON_ArrayForEach(e, events) {
		for (j = 0; qs_hook_events[j] != NULL && (!cJSON_IsString(e) ||
		    strcmp(e->valuestring, qs_hook_events[j]) != 0); j++)
			;
		if (qs_hook_events[j] == NULL)
			return ("events: each one of chat.created, chat.queued, "
			    "chat.assigned, chat.transferred, chat.closed, "
			    "chat.rated, message.created, agent.status");
		if (seen[j]++)
			return ("events: each event once");
	}
	v = cJSON_GetObjectItemCaseSensitive(data, "secret");
	if (v == NULL || cJSON_IsNull(v)) {
		if (qs_random_hex(gen, 16) == -1)
			return ("no randomness for a secret");
		secret = gen;
	} else {
		secret = cm_json_str(data, "secret");
		if (secret == NULL || secret[0] == '\0' ||
		    strlen(secret) > QS_HOOK_SECRET_MAX)
			return ("secret must be 1 to 128 printable characters");
		for (i = 0; secret[i] != '\0'; i++)
			if ((unsigned char)secret[i] < 0x20 ||
			    (unsigned char)secret[i] > 0x7e)
				return ("secret must be 1 to 128 printable "
				    "characters");
	}
	h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "url", url);
	list = cJSON_AddArrayToObject(h, "events");
	cJSON_ArrayForEach(e, events)
		cJSON_AddItemToArray(list, cJSON_CreateString(e->valuestring));
	cJSON_AddStringToObject(h, "secret", secret);
	qs_push(a, a->json = cJSON_PrintUnformatted(h));
	cJSON_Delete(h);
	return (NULL);
}

/*
 * teams: mode (list | put | del, from "op"), team id, for put the team
 * as JSON {name, parent, lead, members}; or escalate (escalate-chat):
 * mode, the chatId.
 */
const char *
qs_parse_teams(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const cJSON	*list, *m;
	const char	*mode, *id, *name, *parent, *lead;
	cJSON		*t, *members;
	int		 n = 0;

	if (qs_opt_str(data, "op", &mode) != NULL)
		return ("op must be a string");
	if (strcmp(mode, "escalate") == 0) {
		qs_push(a, mode);
		return (qs_arg_chat(u, data, a));
	}
	if (qs_opt_str(data, "id", &id) != NULL ||
	    (strcmp(mode, "list") != 0 && !qs_valid_config(id)))
		return ("a team id is 1 to 64 characters of [A-Za-z0-9._-]");
	qs_push(a, mode);
	qs_push(a, id);
	if (strcmp(mode, "put") != 0)
		return (NULL);
	if (qs_opt_str(data, "name", &name) != NULL ||
	    !qs_valid_text(name, QS_TITLE_MAX) || strchr(name, '\n') != NULL)
		return ("name must be text of 1 to 200 bytes on one line");
	if (qs_opt_str(data, "parent", &parent) != NULL ||
	    (parent[0] != '\0' && !qs_valid_config(parent)))
		return ("parent must be a team id or null");
	if (qs_opt_str(data, "lead", &lead) != NULL ||
	    (lead[0] != '\0' && !qs_valid_email(lead)))
		return ("lead must be an agent's email or null");
	list = cJSON_GetObjectItemCaseSensitive(data, "members");
	if (list != NULL && !cJSON_IsArray(list))
		return ("members must be an array of agents' emails");
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "name", name);
	if (parent[0] != '\0')
		cJSON_AddStringToObject(t, "parent", parent);
	else
		cJSON_AddNullToObject(t, "parent");
	if (lead[0] != '\0')
		cJSON_AddStringToObject(t, "lead", lead);
	else
		cJSON_AddNullToObject(t, "lead");
	members = cJSON_AddArrayToObject(t, "members");
	cJSON_ArrayForEach(m, list) {
		if (++n > QS_TEAM_MEMBERS_MAX || !cJSON_IsString(m) ||
		    !qs_valid_email(m->valuestring)) {
			cJSON_Delete(t);
			return ("members: at most 200 agents' emails");
		}
		cJSON_AddItemToArray(members, cJSON_CreateString(
		    m->valuestring));
	}
	qs_push(a, a->json = cJSON_PrintUnformatted(t));
	cJSON_Delete(t);
	return (NULL);
}

/* queue: what (list | stats | agents | settings), read only. */
const char *
qs_parse_queue(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*what;

	if (qs_opt_str(data, "what", &what) != NULL ||
	    (strcmp(what, "list") != 0 && strcmp(what, "stats") != 0 &&
	    strcmp(what, "agents") != 0 && strcmp(what, "settings") != 0))
		return ("what must be list, stats, agents or settings");
	qs_push(a, what);
	qs_push(a, "");
	return (NULL);
}

/* A boolean setting as "1", "0", or "" when absent (unchanged). */
static const char *
qs_setting_bool(const cJSON *data, const char *name, struct qs_args *a)
{
	int	 on;

	if (qs_data_bool(data, name, -1, &on) == -1)
		return ("autoAssign, visitorAgentSelection and labelingEnabled "
		    "must be true or false");
	qs_push(a, on == -1 ? "" : on ? "1" : "0");
	return (NULL);
}

/* businessHours: "" = same, "null" = none, else its JSON (hours.c). */
static const char *
qs_setting_hours(const cJSON *data, struct qs_args *a)
{
	const cJSON	*h = cJSON_GetObjectItemCaseSensitive(data,
			    "businessHours");
	const char	*why;

	if (h == NULL) {
		qs_push(a, "");
		return (NULL);
	}
	if (cJSON_IsNull(h)) {
		qs_push(a, "null");
		return (NULL);
	}
	if ((why = qs_hours_check(h)) != NULL)
		return (why);
	qs_push(a, a->json2 = cJSON_PrintUnformatted(h));
	return (NULL);
}

/*
 * settings: "settings", autoAssign, visitorAgentSelection,
 * labelingEnabled ("1" | "0" | "" = same), businessHours (as
 * qs_setting_hours), availableTags (JSON array; "" = same, [] = any
 * tag).
 */
const char *
qs_parse_settings(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const cJSON	*tags, *t;
	const char	*why;
	int		 n = 0;

	qs_push(a, "settings");
	if ((why = qs_setting_bool(data, "autoAssign", a)) != NULL ||
	    (why = qs_setting_bool(data, "visitorAgentSelection", a)) != NULL ||
	    (why = qs_setting_bool(data, "labelingEnabled", a)) != NULL)
		return (why);
	if ((why = qs_setting_hours(data, a)) != NULL)
		return (why);
	tags = cJSON_GetObjectItemCaseSensitive(data, "availableTags");
	if (tags == NULL || cJSON_IsNull(tags)) {
		qs_push(a, "");
		return (NULL);
	}
	if (!cJSON_IsArray(tags))
		return ("availableTags must be an array of tags");
	cJSON_ArrayForEach(t, tags)
		if (++n > QS_TAGS_POOL_MAX || !cJSON_IsString(t) ||
		    !qs_valid_text(t->valuestring, QS_TAG_MAX) ||
		    strchr(t->valuestring, '\n') != NULL)
			return ("availableTags: at most 200 tags of 1 to 64 "
			    "bytes on one line");
	if ((a->json = cJSON_PrintUnformatted(tags)) == NULL)
		return ("availableTags: out of memory");
	qs_push(a, a->json);
	return (NULL);
}


/* agent-status (presence-svc): status available | busy | away. */
const char *
qs_parse_status(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*st;

	if (qs_opt_str(data, "status", &st) != NULL ||
	    (strcmp(st, "available") != 0 && strcmp(st, "busy") != 0 &&
	    strcmp(st, "away") != 0))
		return ("status must be available, busy or away");
	qs_push(a, "status");
	qs_push(a, st);
	return (NULL);
}

/*
 * agent: "agent", the agent's email (path), maxChats ("" = same, "0" =
 * back to agent_max_chats), skills (comma list, "-" = same), isManager
 * ("" = same, "1", "0").
 */
const char *
qs_parse_agent(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const cJSON	*skills;
	const char	*email;
	long long	 max;
	int		 mgr;

	if (qs_opt_str(data, "email", &email) != NULL || !qs_valid_email(email))
		return ("the path must name an agent's email");
	qs_push(a, "agent");
	qs_push(a, email);
	if (qs_data_int(data, "maxChats", -1, 0, 1000, &max) == -1)
		return ("maxChats must be an integer from 0 (the default) to "
		    "1000");
	if (max == -1)
		qs_push(a, "");
	else
		qs_push_num(a, max);
	skills = cJSON_GetObjectItemCaseSensitive(data, "skills");
	if (skills == NULL || cJSON_IsNull(skills))
		qs_push(a, "-");
	else if (qs_skills_csv(skills, a->list, sizeof(a->list)) == -1)
		return ("skills must be an array of at most 16 names of 1 to "
		    "32 characters of [A-Za-z0-9._-]");
	else
		qs_push(a, a->list);
	if (qs_data_bool(data, "isManager", -1, &mgr) == -1)
		return ("isManager must be true or false");
	qs_push(a, mgr == -1 ? "" : mgr ? "1" : "0");
	return (NULL);
}
