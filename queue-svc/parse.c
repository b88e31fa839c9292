/*
 * The parsers of the ops that are client events (ops.h): each checks one
 * op's data and pushes the script's arguments in the order the script's
 * first comment lists (lua_*.c).  A parser refuses with a message fit
 * for the client.  parse_rest.c has those of the REST-only ops.
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"
#include "queue_keys.h"
#include "util.h"

/* chat-message: chatId, text, clientMsgId, skill, candidate id. */
const char *
qs_parse_message(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*text, *cmid, *why;
	long		 n;

	if (data == NULL)
		return ("chat-message takes an object { text, clientMsgId }");
	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	if (qs_opt_str(data, "text", &text) != NULL || text[0] == '\0')
		return ("text must be a non-empty string");
	if (strlen(text) > (size_t)a->cfg->max_message_length)
		return ("text is longer than max_message_length");
	if (qs_utf8_chars(text) == -1)
		return ("text is not valid UTF-8");
	if (qs_opt_str(data, "clientMsgId", &cmid) != NULL || cmid[0] == '\0')
		return ("clientMsgId is required (a non-empty string)");
	if ((n = qs_utf8_chars(cmid)) == -1 || n > QS_CLIENT_MSG_ID_MAX)
		return ("clientMsgId must be valid UTF-8 of at most 128 "
		    "characters");
	qs_push(a, text);
	qs_push(a, cmid);
	if ((why = qs_arg_skill(data, "skill", a)) != NULL)
		return (why);
	if (cm_random_id(a->cand, QS_CHAT_ID_LEN) == -1)
		return ("no random conversation id; retry");
	qs_push(a, a->cand);
	qs_push(a, qs_context_config(a->context));
	qs_push(a, a->open == 1 ? "1" : a->open == 0 ? "0" : "");
	return (NULL);
}

/* pick-next: the skills to serve as a comma list, "" for the default. */
const char *
qs_parse_pick(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const cJSON	*skills;

	skills = cJSON_GetObjectItemCaseSensitive(data, "skills");
	if (skills != NULL && !cJSON_IsNull(skills) &&
	    qs_skills_csv(skills, a->list, sizeof(a->list)) == -1)
		return ("skills must be an array of at most 16 names of 1 to "
		    "32 characters of [A-Za-z0-9._-]");
	qs_push(a, a->list);
	return (NULL);
}

/* takeover-chat, resume-ai, view-chat: chatId. */
const char *
qs_parse_chat(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	return (qs_arg_chat(u, data, a));
}

/* transfer-chat: chatId, toAgent (an email) or skill, note. */
const char *
qs_parse_transfer(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*agent, *skill, *note, *why;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	if (qs_opt_str(data, "toAgent", &agent) != NULL ||
	    qs_opt_str(data, "skill", &skill) != NULL ||
	    qs_opt_str(data, "note", &note) != NULL)
		return ("toAgent, skill and note are strings");
	if ((agent[0] == '\0') == (skill[0] == '\0'))
		return ("give either toAgent (an agent's email) or skill");
	if (agent[0] != '\0' && !qs_valid_email(agent))
		return ("toAgent must be an email");
	if (note[0] != '\0' && !qs_valid_text(note, QS_NOTE_MAX))
		return ("note is too long or not valid text");
	qs_push(a, agent);
	if (skill[0] != '\0' && (why = qs_arg_skill(data, "skill", a)) != NULL)
		return (why);
	if (skill[0] == '\0')
		qs_push(a, "");
	qs_push(a, note);
	return (NULL);
}

/* close-chat: chatId, reason (default "resolved"). */
const char *
qs_parse_close(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*reason, *why;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	if (qs_opt_str(data, "reason", &reason) != NULL ||
	    (reason[0] != '\0' && !qs_valid_skill(reason)))
		return ("reason is a word of at most 32 characters");
	qs_push(a, reason[0] != '\0' ? reason : "resolved");
	return (NULL);
}

/* typing: chatId, typing (1 | 0). */
const char *
qs_parse_typing(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why;
	int		 on;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	if (cJSON_GetObjectItemCaseSensitive(data, "typing") == NULL ||
	    qs_data_bool(data, "typing", 0, &on) == -1)
		return ("typing must be true or false");
	qs_push(a, on ? "1" : "0");
	return (NULL);
}

/* chatId (required) and seq: the message an edit or delete is about. */
static const char *
qs_arg_message(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why;
	long long	 seq;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	if (a->v[a->n - 1][0] == '\0')
		return ("chatId is required");
	if (qs_data_int(data, "seq", 0, 1, 1LL << 50, &seq) == -1 || seq == 0)
		return ("seq must be a message's sequence number");
	qs_push_num(a, seq);
	return (NULL);
}

/* edit-message: chatId, seq, text, "0". */
const char *
qs_parse_edit(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why, *text;

	if ((why = qs_arg_message(u, data, a)) != NULL)
		return (why);
	if (qs_opt_str(data, "text", &text) != NULL ||
	    !qs_valid_text(text, (size_t)a->cfg->max_message_length))
		return ("text must be non-empty valid text no longer than "
		    "max_message_length");
	qs_push(a, text);
	qs_push(a, "0");
	return (NULL);
}

/* delete-message: chatId, seq, "", "1". */
const char *
qs_parse_delete(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why;

	if ((why = qs_arg_message(u, data, a)) != NULL)
		return (why);
	qs_push(a, "");
	qs_push(a, "1");
	return (NULL);
}

/* rate-chat: chatId, rating 1..5, feedback. */
const char *
qs_parse_rate(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why, *feedback;
	long long	 rating;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	if (qs_data_int(data, "rating", 0, 1, 5, &rating) == -1 || rating == 0)
		return ("rating must be an integer from 1 to 5");
	if (qs_opt_str(data, "feedback", &feedback) != NULL ||
	    (feedback[0] != '\0' && !qs_valid_text(feedback, QS_FEEDBACK_MAX)))
		return ("feedback must be text of at most 2000 bytes");
	qs_push_num(a, rating);
	qs_push(a, feedback);
	return (NULL);
}

/* watch-chat: chatId, watching (1 | 0); the rest is presence-svc's. */
const char *
qs_parse_watch(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why;
	int		 on;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	if (qs_data_bool(data, "watching", 1, &on) == -1)
		return ("watching must be true or false");
	qs_push(a, on ? "1" : "0");
	return (NULL);
}

/* An op with no arguments (support-persons). */
const char *
qs_parse_none(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	return (NULL);
}

/* set-preferred-agent: the agent's email ("" or null = none). */
const char *
qs_parse_prefer(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*email;

	if (qs_opt_str(data, "email", &email) != NULL ||
	    (email[0] != '\0' && !qs_valid_email(email)))
		return ("email must be an agent's email, or null for none");
	qs_push(a, email);
	return (NULL);
}

/*
 * label-chat: chatId, "set", seq ("" = the conversation), label (good |
 * bad | needs_review; "" for null = remove).
 */
const char *
qs_parse_label(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why, *label;
	long long	 seq;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	qs_push(a, "set");
	if (qs_data_int(data, "seq", 0, 1, 1LL << 50, &seq) == -1)
		return ("seq must be a message's sequence number");
	if (seq == 0)
		qs_push(a, "");
	else
		qs_push_num(a, seq);
	if (qs_opt_str(data, "label", &label) != NULL || (label[0] != '\0' &&
	    strcmp(label, "good") != 0 && strcmp(label, "bad") != 0 &&
	    strcmp(label, "needs_review") != 0))
		return ("label must be good, bad, needs_review or null");
	qs_push(a, label);
	return (NULL);
}

/*
 * labels (read): chatId, "get", "", ""; or without chatId (GET
 * /chat/labels): "", "list", limit, "".
 */
const char *
qs_parse_labels(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why, *chat;
	long long	 limit;

	if (qs_opt_str(data, "chatId", &chat) == NULL && chat[0] == '\0') {
		if (qs_data_int(data, "limit", 50, 1, 200, &limit) == -1)
			return ("limit must be an integer from 1 to 200");
		qs_push(a, "");
		qs_push(a, "list");
		qs_push_num(a, limit);
		qs_push(a, "");
		return (NULL);
	}
	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	qs_push(a, "get");
	qs_push(a, "");
	qs_push(a, "");
	return (NULL);
}

/*
 * webrtc-signal: chatId, type (offer | answer | candidate | hangup |
 * ringing), data (any JSON, at most QS_SIGNAL_MAX bytes), to ("ROLE:EMAIL"
 * of one member, "" = all the others).
 */
const char *
qs_parse_signal(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	static const char *const types[] = { "offer", "answer", "candidate",
	    "hangup", "ringing" };
	const cJSON	*d;
	const char	*why, *type, *to;
	size_t		 i;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	if (qs_opt_str(data, "type", &type) != NULL)
		type = "";
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0]))
		return ("type must be offer, answer, candidate, hangup or "
		    "ringing");
	qs_push(a, type);
	d = cJSON_GetObjectItemCaseSensitive(data, "data");
	if ((a->json = d != NULL ? cJSON_PrintUnformatted(d) :
	    cm_strdup("null")) == NULL || strlen(a->json) > QS_SIGNAL_MAX)
		return ("data must be JSON of at most 32 KiB");
	qs_push(a, a->json);
	if (qs_opt_str(data, "to", &to) != NULL || (to[0] != '\0' &&
	    (strchr(to, ':') == NULL || !qs_valid_email(strchr(to, ':') + 1))))
		return ("to must be a member as \"ROLE:EMAIL\"");
	qs_push(a, to);
	return (NULL);
}

/* update-chat: chatId, priority ("" = same), skill ("" = same). */
const char *
qs_parse_update(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*why, *skill;
	long long	 prio;

	if ((why = qs_arg_chat(u, data, a)) != NULL)
		return (why);
	if (qs_data_int(data, "priority", -1, 0, 9, &prio) == -1)
		return ("priority must be an integer from 0 to 9");
	if (prio == -1)
		qs_push(a, "");
	else
		qs_push_num(a, prio);
	if (qs_opt_str(data, "skill", &skill) != NULL ||
	    (skill[0] != '\0' && !qs_valid_skill(skill)))
		return ("a skill is 1 to 32 characters of [A-Za-z0-9._-]");
	qs_push(a, skill);
	return (NULL);
}
