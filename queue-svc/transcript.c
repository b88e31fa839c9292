/*
 * GET /chat/conversations/{chatId}/transcript?format=json|text|csv: the
 * conversation's messages (the newest QS_TRANSCRIPT_MAX, oldest first,
 * with edits applied and deleted ones marked) in one piece.
 *
 * JSON comes as { "chatId", "format": "json", "messages": [..] }; text
 * and CSV as the raw document (text/plain or text/csv, UTF-8).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "qs.h"
#include "util.h"

static void	 qs_tr_time(const cJSON *, char *, size_t);
static void	 qs_tr_csv_field(struct cm_buf *, const char *);
static void	 qs_tr_text(struct cm_buf *, const cJSON *);
static void	 qs_tr_csv(struct cm_buf *, const cJSON *);

/* The message's ts as "YYYY-MM-DD HH:MM:SS UTC". */
static void
qs_tr_time(const cJSON *m, char *out, size_t size)
{
	const cJSON	*ts = cJSON_GetObjectItemCaseSensitive(m, "ts");
	struct tm	 tm;
	time_t		 t;

	t = cJSON_IsNumber(ts) ? (time_t)(ts->valuedouble / 1000) : 0;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* RFC 4180: quoted, with quotes doubled. */
static void
qs_tr_csv_field(struct cm_buf *b, const char *s)
{
	cm_buf_puts(b, "\"");
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"')
			cm_buf_puts(b, "\"");
		cm_buf_append(b, s, 1);
	}
	cm_buf_puts(b, "\"");
}

/* One line per message: "[time] Name (role): text". */
static void
qs_tr_text(struct cm_buf *b, const cJSON *msgs)
{
	const cJSON	*m, *from;
	const char	*name, *text;
	char		 when[40];

	cJSON_ArrayForEach(m, msgs) {
		from = cJSON_GetObjectItemCaseSensitive(m, "from");
		name = cm_json_str(from, "name");
		if (name == NULL || name[0] == '\0')
			name = cm_json_str(from, "email");
		text = cm_json_str(m, "text");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m,
		    "deleted")))
			text = "(deleted)";
		qs_tr_time(m, when, sizeof(when));
		if (strcmp(cm_json_str(from, "role") ?
		    cm_json_str(from, "role") : "", "system") == 0)
			cm_buf_printf(b, "[%s] * %s\n", when, text ? text : "");
		else
			cm_buf_printf(b, "[%s] %s (%s): %s\n", when,
			    name ? name : "", cm_json_str(from, "role"),
			    text ? text : "");
	}
}

static void
qs_tr_csv(struct cm_buf *b, const cJSON *msgs)
{
	static const char *const cols[] = { "role", "email", "name" };
	const cJSON	*m, *from, *seq;
	char		 when[40];
	size_t		 i;

	cm_buf_puts(b, "seq,time,role,email,name,text,edited,deleted\r\n");
	cJSON_ArrayForEach(m, msgs) {
		from = cJSON_GetObjectItemCaseSensitive(m, "from");
		seq = cJSON_GetObjectItemCaseSensitive(m, "seq");
		qs_tr_time(m, when, sizeof(when));
		cm_buf_printf(b, "%.0f,%s", cJSON_IsNumber(seq) ?
		    seq->valuedouble : 0.0, when);
		for (i = 0; i < 3; i++) {
			cm_buf_puts(b, ",");
			qs_tr_csv_field(b, cm_json_str(from, cols[i]));
		}
		cm_buf_puts(b, ",");
		qs_tr_csv_field(b, cm_json_str(m, "text"));
		cm_buf_printf(b, ",%s,%s\r\n",
		    cJSON_GetObjectItemCaseSensitive(m, "editedAt") ? "yes" : "no",
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "deleted")) ?
		    "yes" : "no");
	}
}

void
qs_rest_transcript(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	struct qs_result	 res;
	struct cm_buf		 b = { 0 };
	cJSON			*data, *msgs;
	char			 format[16];

	if (cm_rest_query(req, "format", format, sizeof(format)) == -1)
		cm_strlcpy(format, "json", sizeof(format));
	if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0 &&
	    strcmp(format, "csv") != 0) {
		cm_rest_error(rep, 400, "BAD_REQUEST", "format must be json, "
		    "text or csv");
		return;
	}
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "chatId", req->params[0]);
	if (qs_op_run(ctx, &req->user, "transcript", data, NULL, &res) == -1) {
		cm_rest_error(rep, res.http, res.code, res.message);
		cJSON_Delete(data);
		return;
	}
	cJSON_Delete(data);
	cJSON_DeleteItemFromObjectCaseSensitive(res.body, "next");
	cJSON_AddStringToObject(res.body, "chatId", req->params[0]);
	cJSON_AddStringToObject(res.body, "format", format);
	if (strcmp(format, "json") == 0) {
		cm_rest_ok(rep, 200, res.body);
		return;
	}
	msgs = cJSON_GetObjectItemCaseSensitive(res.body, "messages");
	if (strcmp(format, "text") == 0)
		qs_tr_text(&b, msgs);
	else
		qs_tr_csv(&b, msgs);
	cm_rest_raw(rep, strcmp(format, "text") == 0 ?
	    "text/plain; charset=utf-8" : "text/csv; charset=utf-8",
	    b.data != NULL ? b.data : "");
	cJSON_Delete(res.body);
	cm_buf_free(&b);
}
