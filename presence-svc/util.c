/*
 * Small helpers of presence-svc: error results, argument checks, reading
 * hiredis replies into JSON, and argument lists for Lua scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "log.h"
#include "pres.h"
#include "presence_keys.h"
#include "util.h"

cJSON *
pres_fail(struct pres_err *e, int http, const char *code, const char *fmt,
    ...)
{
	va_list	 ap;

	e->http = http;
	cm_strlcpy(e->code, code, sizeof(e->code));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return (NULL);
}

cJSON *
pres_fail_redis(struct pres_err *e, const redisReply *r, const char *op)
{
	if (r == NULL)
		return (pres_fail(e, 503, "SERVICE_UNAVAILABLE",
		    "presence store unreachable; retry shortly"));
	if (r->type == REDIS_REPLY_ERROR)
		cm_log_warn("msg=\"redis error\" op=%s err=\"%s\"", op, r->str);
	return (pres_fail(e, 500, "INTERNAL", "presence store error"));
}

/* 1 if r is a reply and not an error reply (which is logged). */
int
pres_redis_ok(const redisReply *r, const char *op)
{
	if (r == NULL)
		return (0);
	if (r->type == REDIS_REPLY_ERROR) {
		cm_log_warn("msg=\"redis error\" op=%s err=\"%s\"", op, r->str);
		return (0);
	}
	return (1);
}

int
pres_redis_status(const redisReply *r, const char *op, cJSON **reply)
{
	if (r == NULL) {
		*reply = cm_svc_error("SERVICE_UNAVAILABLE",
		    "presence store unreachable");
		return (CM_ST_UNAVAILABLE);
	}
	if (r->type == REDIS_REPLY_ERROR) {
		cm_log_warn("msg=\"redis error\" op=%s err=\"%s\"", op, r->str);
		*reply = cm_svc_error("INTERNAL", "presence store error");
		return (CM_ST_ERROR);
	}
	return (CM_ST_OK);
}

/*
 * A string argument of at most max bytes into *out (borrowed from
 * args).  Absent or null: *out is NULL, which is an error if required.
 * Returns 0, or -1 with *e filled.
 */
int
pres_arg_str(const cJSON *args, const char *name, size_t max, int required,
    const char **out, struct pres_err *e)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(args, name);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v)) {
		if (required) {
			pres_fail(e, 400, "BAD_REQUEST", "%s is required",
			    name);
			return (-1);
		}
		return (0);
	}
	if (!cJSON_IsString(v) || (required && v->valuestring[0] == '\0') ||
	    strlen(v->valuestring) > max) {
		pres_fail(e, 400, "BAD_REQUEST", "%s must be a%s string of "
		    "at most %zu bytes", name, required ? " non-empty" : "",
		    max);
		return (-1);
	}
	*out = v->valuestring;
	return (0);
}

/* An integer argument in [lo, hi] (a JSON number or a numeric string). */
int
pres_arg_int(const cJSON *args, const char *name, long def, long lo,
    long hi, long *out, struct pres_err *e)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(args, name);
	char		*end;
	double		 d;

	*out = def;
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (cJSON_IsNumber(v))
		d = v->valuedouble;
	else if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		d = strtod(v->valuestring, &end);
		if (*end != '\0')
			d = lo - 1.0;
	} else
		d = lo - 1.0;
	if (!(d >= lo && d <= hi) || d != (double)(long)d) {
		pres_fail(e, 400, "BAD_REQUEST", "%s must be an integer from "
		    "%ld to %ld", name, lo, hi);
		return (-1);
	}
	*out = (long)d;
	return (0);
}

/* A boolean argument: true/false, or "true"/"false"/"1"/"0". */
int
pres_arg_bool(const cJSON *args, const char *name, int def, int *out,
    struct pres_err *e)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(args, name);
	const char	*s;

	*out = def;
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
		return (0);
	}
	s = cJSON_IsString(v) ? v->valuestring : "";
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else {
		pres_fail(e, 400, "BAD_REQUEST", "%s must be a boolean", name);
		return (-1);
	}
	return (0);
}

int
pres_is_staff(const struct cm_principal *u)
{
	return (u->role == CM_ROLE_AGENT || u->role == CM_ROLE_ADMIN);
}

/* 1 if s is 1 to max characters of [A-Za-z0-9._-] (ids in key names). */
int
pres_id_valid(const char *s, size_t max)
{
	size_t	 n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return (n > 0 && n <= max && s[n] == '\0');
}

/* The value of field in an HGETALL reply (borrowed), or NULL. */
const char *
pres_hget(const redisReply *r, const char *field)
{
	size_t	 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return (NULL);
	for (i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[i]->str, field) == 0)
			return (r->element[i + 1]->str);
	return (NULL);
}

/*
 * Skills as stored: an array of at most PRES_SKILLS_MAX strings of 1 to
 * PRES_SKILL_LEN bytes, as JSON text (caller frees); NULL if arr is not
 * an array.  Other entries are skipped.
 */
char *
pres_skills_json(const cJSON *arr)
{
	const cJSON	*it;
	cJSON		*out;
	char		*s;

	if (!cJSON_IsArray(arr))
		return (NULL);
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(it, arr) {
		if (cJSON_GetArraySize(out) >= PRES_SKILLS_MAX)
			break;
		if (cJSON_IsString(it) && it->valuestring[0] != '\0' &&
		    strlen(it->valuestring) <= PRES_SKILL_LEN)
			cJSON_AddItemToArray(out,
			    cJSON_CreateString(it->valuestring));
	}
	s = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	return (s);
}

/* Adds name: the number s holds; nothing if s is NULL or not a number. */
void
pres_json_num(cJSON *obj, const char *name, const char *s)
{
	char	*end;
	double	 d;

	if (s == NULL || s[0] == '\0')
		return;
	d = strtod(s, &end);
	if (*end == '\0')
		cJSON_AddNumberToObject(obj, name, d);
}

/* Adds name: s, unless s is NULL. */
void
pres_json_str(cJSON *obj, const char *name, const char *s)
{
	if (s != NULL)
		cJSON_AddStringToObject(obj, name, s);
}

/* Adds name: the JSON text s, unless s is NULL or not JSON. */
void
pres_json_raw(cJSON *obj, const char *name, const char *s)
{
	cJSON	*v;

	if (s != NULL && (v = cm_json_parse(s, strlen(s))) != NULL)
		cJSON_AddItemToObject(obj, name, v);
}

/*
 * The part of an identity channel before "ROLE:EMAIL" (channels.h), for
 * scripts that reach members they find in Redis.  Returns 0 or -1.
 */
int
pres_chan_ident_prefix(char *out, size_t size, const struct cm_cfg *cfg,
    const char *org)
{
	int	 n;

	/* Formats ...:u:ROLE:EMAIL with both empty: "...:u::". */
	if ((n = cm_chan_identity(out, size, cfg->key_prefix, org, "",
	    "")) < 2)
		return (-1);
	out[n - 1] = '\0';
	return (0);
}

/*
 * Sends n commands in pipelined round trips of at most 256.  Returns a
 * malloc'd array of n replies (free with pres_replies_free), or NULL if
 * Redis failed.
 */
redisReply **
pres_pipeline(struct cm_svc_ctx *ctx, int n, const struct cm_redis_cmd *cmds)
{
	redisReply	**out;
	int		  i, k;

	out = cm_calloc((size_t)n + 1, sizeof(*out));
	for (i = 0; i < n; i += k) {
		k = n - i < 256 ? n - i : 256;
		if (cm_redis_pipeline(ctx, k, &cmds[i], &out[i]) == -1) {
			pres_replies_free(out, i);
			return (NULL);
		}
	}
	return (out);
}

void
pres_replies_free(redisReply **r, int n)
{
	int	 i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		freeReplyObject(r[i]);
	free(r);
}

/* ------------------------------------------------------------------ */

static void
args_push(struct pres_args *a, const char *s, char *own)
{
	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 32 : 2 * a->cap;
		a->v = realloc(a->v, (size_t)a->cap * sizeof(*a->v));
		a->own = realloc(a->own, (size_t)a->cap * sizeof(*a->own));
		if (a->v == NULL || a->own == NULL)
			abort();		/* as cm_malloc: no limping */
	}
	a->v[a->n] = s;
	a->own[a->n] = own;
	a->n++;
}

void
pres_args_add(struct pres_args *a, const char *s)
{
	args_push(a, s, NULL);
}

void
pres_args_take(struct pres_args *a, char *s)
{
	args_push(a, s, s);
}

void
pres_args_fmt(struct pres_args *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		abort();
	va_end(ap);
	args_push(a, s, s);
}

/* The four keys of one socket: row, identity, presence, aux. */
void
pres_args_sock(struct pres_args *a, const struct cm_cfg *cfg,
    const char *org, const char *sid, const char *role, const char *email)
{
	pres_args_take(a, pres_key_socket(cfg, org, sid));
	pres_args_take(a, pres_key_identity(cfg, org, role, email));
	pres_args_take(a, pres_key_presence(cfg, org, role, email));
	pres_args_take(a, pres_key_aux(cfg, org, role, email));
}

/* The org's channel and its agents' channel. */
void
pres_args_chans(struct pres_args *a, const struct cm_cfg *cfg,
    const char *org)
{
	char	 ch[CM_CHANNEL_MAX];

	/* Org ids are at most 64 characters: the names always fit. */
	cm_chan_org(ch, sizeof(ch), cfg->key_prefix, org);
	pres_args_take(a, cm_strdup(ch));
	pres_args_achan(a, cfg, org);
}

/* The org's agents' channel. */
void
pres_args_achan(struct pres_args *a, const struct cm_cfg *cfg,
    const char *org)
{
	char	 ch[CM_CHANNEL_MAX];

	cm_chan_agents(ch, sizeof(ch), cfg->key_prefix, org);
	pres_args_take(a, cm_strdup(ch));
}

void
pres_args_free(struct pres_args *a)
{
	int	 i;

	for (i = 0; i < a->n; i++)
		free(a->own[i]);
	free(a->v);
	free(a->own);
	memset(a, 0, sizeof(*a));
}

/* Runs script s with the first nkeys of a as KEYS, the rest as ARGV. */
redisReply *
pres_args_run(struct cm_svc_ctx *ctx, struct cm_script *s,
    struct pres_args *a, int nkeys)
{
	return (cm_redis_script(ctx, s, nkeys, a->n - nkeys, a->v, NULL));
}
