/* Assembling streamed tool calls from their deltas (toolcall.h). */
#include <string.h>

#include "toolcall.h"

static struct aib_toolcall	*tools_slot(struct aib_tools *, const cJSON *);

int
aib_tools_delta(struct aib_tools *t, const cJSON *tool_calls)
{
	const cJSON		*d, *fn, *v;
	struct aib_toolcall	*c;

	if (!cJSON_IsArray(tool_calls))
		return (-1);
	cJSON_ArrayForEach(d, tool_calls) {
		if (!cJSON_IsObject(d) || (c = tools_slot(t, d)) == NULL)
			return (-1);
		v = cJSON_GetObjectItemCaseSensitive(d, "id");
		if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
			if (strlen(v->valuestring) > AIB_TOOL_ID_MAX)
				return (-1);
			cm_strlcpy(c->id, v->valuestring, sizeof(c->id));
		}
		fn = cJSON_GetObjectItemCaseSensitive(d, "function");
		if (fn == NULL || cJSON_IsNull(fn))
			continue;
		if (!cJSON_IsObject(fn))
			return (-1);
		v = cJSON_GetObjectItemCaseSensitive(fn, "name");
		if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
			if (strlen(v->valuestring) > AIB_TOOL_NAME_MAX)
				return (-1);
			cm_strlcpy(c->name, v->valuestring, sizeof(c->name));
		}
		v = cJSON_GetObjectItemCaseSensitive(fn, "arguments");
		if (cJSON_IsString(v)) {
			if (c->args.len + strlen(v->valuestring) >
			    AIB_TOOL_ARGS_MAX)
				return (-1);
			cm_buf_puts(&c->args, v->valuestring);
		} else if (v != NULL && !cJSON_IsNull(v))
			return (-1);
	}
	return (0);
}

/*
 * The call a delta d belongs to, opened if new; NULL if d names an
 * impossible index or there is no room for another call.
 */
static struct aib_toolcall *
tools_slot(struct aib_tools *t, const cJSON *d)
{
	const cJSON	*index = cJSON_GetObjectItemCaseSensitive(d, "index");
	const cJSON	*id = cJSON_GetObjectItemCaseSensitive(d, "id");
	int		 i, want;

	if (index != NULL) {
		if (!cJSON_IsNumber(index) || index->valuedouble < 0 ||
		    index->valuedouble > 1000 ||
		    index->valuedouble != (double)index->valueint)
			return (NULL);
		want = index->valueint;
		for (i = 0; i < t->n; i++)
			if (t->calls[i].index == want)
				return (&t->calls[i]);
	} else {
		/* No index: a known or absent id continues a call. */
		if (cJSON_IsString(id) && id->valuestring[0] != '\0') {
			for (i = 0; i < t->n; i++)
				if (strcmp(t->calls[i].id, id->valuestring) == 0)
					return (&t->calls[i]);
		} else if (t->n > 0)
			return (&t->calls[t->n - 1]);
		want = t->n;
	}
	if (t->n == AIB_TOOLS_MAX)
		return (NULL);
	t->calls[t->n].index = want;
	t->calls[t->n].id[0] = '\0';
	t->calls[t->n].name[0] = '\0';
	t->calls[t->n].args.len = 0;
	return (&t->calls[t->n++]);
}

cJSON *
aib_tools_args(const struct aib_tools *t, int i)
{
	const struct aib_toolcall	*c = &t->calls[i];
	cJSON				*o;

	if (c->args.len == 0)
		return (cJSON_CreateObject());
	o = cm_json_parse(c->args.data, c->args.len);
	if (o != NULL && !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = NULL;
	}
	return (o);
}

void
aib_tools_reset(struct aib_tools *t)
{
	int	 i;

	for (i = 0; i < t->n; i++)
		t->calls[i].args.len = 0;
	t->n = 0;
}

void
aib_tools_free(struct aib_tools *t)
{
	int	 i;

	for (i = 0; i < AIB_TOOLS_MAX; i++)
		cm_buf_free(&t->calls[i].args);
	memset(t, 0, sizeof(*t));
}
