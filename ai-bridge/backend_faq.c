/*
 * The faq backend, the default: no network, no model.  It answers with
 * the org's FAQ entry that ranks best against the question (BM25, see
 * bm25.h), streamed a few words at a time, and hands off to a human
 * when the customer asks for one or no entry scores at least the
 * assistant's minScore (default ai_faq_min_score / 100).  The search
 * shows as a tool-use / tool-result pair in the stream, so an agent
 * watching sees which entry answered and how well it matched.
 */
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "log.h"

#define FAQ_HITS		3
#define FAQ_HANDOFF_TEXT	"Let me connect you with a member of our " \
				"team; they will be with you shortly."
#define FAQ_FALLBACK_TEXT	"I am not sure I can answer that. Let me " \
				"connect you with a member of our team."

/* The tool-use / tool-result pair of a search; -1: stop. */
static int
faq_show(struct aib_gen *g, const cJSON *hits)
{
	const cJSON	*h, *e;
	cJSON		*use, *res, *list, *one;

	use = cJSON_CreateObject();
	cJSON_AddStringToObject(use, "id", "faq-search");
	cJSON_AddStringToObject(use, "name", "search_faq");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(use, "arguments"),
	    "query", g->question);
	if (aib_emit_tool(g, "tool-use", use) == -1)
		return (-1);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "id", "faq-search");
	cJSON_AddStringToObject(res, "name", "search_faq");
	list = cJSON_AddArrayToObject(cJSON_AddObjectToObject(res, "result"),
	    "entries");
	cJSON_ArrayForEach(h, hits) {
		e = cJSON_GetObjectItemCaseSensitive(h, "entry");
		one = cJSON_CreateObject();
		cJSON_AddStringToObject(one, "id", cm_json_str(e, "id"));
		cJSON_AddStringToObject(one, "question",
		    cm_json_str(e, "question"));
		cJSON_AddNumberToObject(one, "score",
		    cJSON_GetObjectItemCaseSensitive(h, "score")->valuedouble);
		cJSON_AddItemToArray(list, one);
	}
	return (aib_emit_tool(g, "tool-result", res));
}

/* Streams msg (the assistant's own, or def) and marks a hand-off. */
static int
faq_handoff(struct aib_gen *g, const char *field, const char *def,
    const char *reason)
{
	const char	*msg = cm_json_str(g->assistant, field);

	g->handoff = !g->job->asked;
	cm_strlcpy(g->reason, reason, sizeof(g->reason));
	aib_emit_text(g, msg != NULL && msg[0] != '\0' ? msg : def);
	return (0);
}

int
aib_faq_generate(struct aib_gen *g)
{
	const cJSON	*v, *best;
	cJSON		*all, *hits;
	double		 min;
	int		 rv = 0;

	if (g->question == NULL || g->question[0] == '\0')
		return (faq_handoff(g, "fallbackMessage", FAQ_FALLBACK_TEXT,
		    "There was no question to answer"));
	if (!g->job->asked && aib_wants_human(g->question))
		return (faq_handoff(g, "handoffMessage", FAQ_HANDOFF_TEXT,
		    "The customer asked for a person"));
	if ((all = aib_faq_all(&g->w->ctx, g->job->org)) == NULL) {
		cm_strlcpy(g->error, "the FAQ could not be read",
		    sizeof(g->error));
		return (-1);
	}
	v = cJSON_GetObjectItemCaseSensitive(g->assistant, "minScore");
	min = cJSON_IsNumber(v) ? v->valuedouble :
	    g->w->ctx.cfg->ai_faq_min_score / 100.0;
	hits = aib_faq_search(all, g->question, cJSON_GetObjectItemCaseSensitive(
	    g->assistant, "faqCategories"), FAQ_HITS);
	if (faq_show(g, hits) == 0) {
		best = cJSON_GetArrayItem(hits, 0);
		if (best == NULL || cJSON_GetObjectItemCaseSensitive(best,
		    "score")->valuedouble < min)
			faq_handoff(g, "fallbackMessage", FAQ_FALLBACK_TEXT,
			    "No FAQ entry answers the question");
		else
			aib_emit_text(g, cm_json_str(
			    cJSON_GetObjectItemCaseSensitive(best, "entry"),
			    "answer"));
	}
	cJSON_Delete(hits);
	cJSON_Delete(all);
	return (rv);
}
