/*
 * Input checks shared by the op parsers (parse*.c): ids, skills,
 * emails, free text, and numbers and booleans that arrive either as
 * JSON values (events, REST bodies) or as strings (REST query
 * parameters); and the script arguments the parsers push.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ops.h"
#include "queue_keys.h"
#include "util.h"

/* 1 if s is 1..max characters of [A-Za-z0-9] and the bytes of extra. */
static int
qs_valid_word(const char *s, size_t max, const char *extra)
{
	size_t	 n = 0;

	if (s == NULL)
		return (0);
	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) &&
		    strchr(extra, s[n]) == NULL)
			return (0);
	return (n > 0 && n <= max);
}

int
qs_valid_chat(const char *s)
{
	return (qs_valid_word(s, QS_CHAT_ID_MAX, "-_"));
}

int
qs_valid_skill(const char *s)
{
	return (qs_valid_word(s, QS_SKILL_MAX, "-_."));
}

int
qs_valid_config(const char *s)
{
	return (qs_valid_word(s, QS_CONFIG_ID_MAX, "-_."));
}

const char *
qs_context_config(const cJSON *context)
{
	const char	*id = cm_json_str(context, "configId");

	if (id == NULL)
		return ("");
	if (!qs_valid_config(id)) {
		cm_log_info("msg=\"configId ignored\" why=\"not 1 to 64 "
		    "characters of [A-Za-z0-9._-]\"");
		return ("");
	}
	return (id);
}

int
qs_valid_id(const char *s)
{
	return (qs_valid_word(s, QS_AI_ID_MAX, "-_."));
}

/*
 * An email is an identity's name in keys and channels: printable ASCII
 * or UTF-8, no blanks, no control characters, at most CM_EMAIL_MAX.
 */
int
qs_skills_csv(const cJSON *list, char *out, size_t size)
{
	const cJSON	*s;
	size_t		 len = 0, n;
	int		 count = 0;

	if (size == 0 || !cJSON_IsArray(list))
		return (-1);
	out[0] = '\0';
	cJSON_ArrayForEach(s, list) {
		if (!cJSON_IsString(s) || !qs_valid_skill(s->valuestring) ||
		    ++count > QS_SKILLS_MAX ||
		    len + (n = strlen(s->valuestring)) + 2 > size)
			return (-1);
		if (len > 0)
			out[len++] = ',';
		memcpy(out + len, s->valuestring, n + 1);
		len += n;
	}
	return (0);
}

int
qs_valid_email(const char *s)
{
	const unsigned char	*p;

	if (s == NULL || s[0] == '\0' || strlen(s) > CM_EMAIL_MAX ||
	    qs_utf8_chars(s) == -1)
		return (0);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			return (0);
	return (1);
}

int
qs_valid_text(const char *s, size_t max)
{
	const unsigned char	*p;
	size_t			 n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max ||
	    qs_utf8_chars(s) == -1)
		return (0);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < ' ' && *p != '\n' && *p != '\t' && *p != '\r') ||
		    *p == 0x7f)
			return (0);
	return (1);
}

int
qs_data_int(const cJSON *data, const char *name, long long def,
    long long lo, long long hi, long long *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(data, name);
	char		*end;
	long long	 n;

	if (v == NULL || cJSON_IsNull(v)) {
		*out = def;
		return (0);
	}
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble != (double)(long long)v->valuedouble)
			return (-1);
		n = (long long)v->valuedouble;
	} else if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		errno = 0;
		n = strtoll(v->valuestring, &end, 10);
		if (*end != '\0' || errno != 0)
			return (-1);
	} else if (cJSON_IsString(v)) {
		*out = def;		/* "?before=" means no value */
		return (0);
	} else
		return (-1);
	if (n < lo || n > hi)
		return (-1);
	*out = n;
	return (0);
}

int
qs_data_bool(const cJSON *data, const char *name, int def, int *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(data, name);
	const char	*s;

	if (v == NULL || cJSON_IsNull(v)) {
		*out = def;
		return (0);
	}
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
		return (0);
	}
	if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1)) {
		*out = v->valuedouble == 1;
		return (0);
	}
	if (!cJSON_IsString(v))
		return (-1);
	s = v->valuestring;
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else
		return (-1);
	return (0);
}

/* What the op parsers push (ops.h). */

void
qs_push(struct qs_args *a, const char *s)
{
	if (a->n < QS_ARGS_MAX - 3)
		a->v[a->n++] = s;
}

void
qs_push_num(struct qs_args *a, long long n)
{
	char	*buf;

	if (a->nnum == (int)(sizeof(a->num) / sizeof(a->num[0])))
		return;			/* no parser pushes that many */
	buf = a->num[a->nnum++];
	snprintf(buf, sizeof(a->num[0]), "%lld", n);
	qs_push(a, buf);
}

/*
 * A string member: "" if absent or null.  Returns NULL, or why not if
 * it is something else.
 */
const char *
qs_opt_str(const cJSON *data, const char *name, const char **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(data, name);

	*out = "";
	if (v == NULL || cJSON_IsNull(v))
		return (NULL);
	if (!cJSON_IsString(v))
		return ("a field that must be a string is not");
	*out = v->valuestring;
	return (NULL);
}

/*
 * chatId: required, except that a customer may leave it out (their open
 * or latest conversation, as the script decides).
 */
const char *
qs_arg_chat(const struct cm_principal *u, const cJSON *data,
    struct qs_args *a)
{
	const char	*chat;

	if (qs_opt_str(data, "chatId", &chat) != NULL ||
	    (chat[0] != '\0' && !qs_valid_chat(chat)))
		return ("chatId must be a conversation id");
	if (chat[0] == '\0' && u->role != CM_ROLE_CUSTOMER)
		return ("chatId is required");
	qs_push(a, chat);
	return (NULL);
}

/* A skill member, QS_SKILL_DEFAULT when absent. */
const char *
qs_arg_skill(const cJSON *data, const char *name, struct qs_args *a)
{
	const char	*skill;

	if (qs_opt_str(data, name, &skill) != NULL ||
	    (skill[0] != '\0' && !qs_valid_skill(skill)))
		return ("a skill is 1 to 32 characters of [A-Za-z0-9._-]");
	qs_push(a, skill[0] != '\0' ? skill : QS_SKILL_DEFAULT);
	return (NULL);
}
