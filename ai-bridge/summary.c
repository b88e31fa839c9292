/*
 * The conversation summary (seed 003): after every summaryAfterTurns
 * turns (default 6; 0 turns it off) an openai assistant is asked, in a
 * separate non-streamed call, to summarize the conversation so far.
 * The summary is stored with the answer (ai-summary) and put into the
 * system prompt of later calls, which then need only the last turns.
 * It runs after the answer's end event, so the customer never waits
 * for it; a failure only means no new summary.
 */
#include <stdlib.h>
#include <string.h>

#include "aib.h"

#define SUMMARY_EVERY_DEFAULT	6
#define SUMMARY_BUDGET_MS	10000
#define SUMMARY_MAX		4000

static const char summary_instruction[] =
"Summarize this conversation between a customer and a support assistant "
"in at most five sentences.  Keep what the assistant will need later: "
"the customer's name, order or account details, the problem, what was "
"tried and what was promised.  Answer with the summary only.";

void
aib_summarize(struct aib_gen *g)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(g->assistant,
			    "summaryAfterTurns"), *t;
	struct cm_buf	 text = { 0 };
	cJSON		*msgs, *m;
	char		*out;
	int		 every = SUMMARY_EVERY_DEFAULT, turns;

	if (cJSON_IsNumber(v))
		every = v->valueint;
	/* The turns stored so far, plus this question and answer. */
	turns = cJSON_GetArraySize(g->turns) + 2;
	if (cm_json_str(g->assistant, "backend") == NULL ||
	    strcmp(cm_json_str(g->assistant, "backend"), "openai") != 0 ||
	    every <= 0 || g->job->asked || g->text.len == 0 ||
	    turns % every != 0)
		return;
	if (g->summary != NULL)
		cm_buf_printf(&text, "Summary so far: %s\n\n", g->summary);
	cm_buf_puts(&text, "Conversation:\n");
	cJSON_ArrayForEach(t, g->turns)
		cm_buf_printf(&text, "%s: %s\n", strcmp(cm_json_str(t,
		    "role"), "user") == 0 ? "customer" : "assistant",
		    cm_json_str(t, "content"));
	cm_buf_printf(&text, "customer: %s\nassistant: %s\n", g->question,
	    g->text.data);
	msgs = cJSON_CreateArray();
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "system");
	cJSON_AddStringToObject(m, "content", summary_instruction);
	cJSON_AddItemToArray(msgs, m);
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", text.data);
	cJSON_AddItemToArray(msgs, m);
	if ((out = aib_model_complete(g, msgs, SUMMARY_BUDGET_MS)) != NULL &&
	    out[0] != '\0' && aib_valid_text(out, SUMMARY_MAX)) {
		free(g->new_summary);
		g->new_summary = out;
	} else
		free(out);
	cJSON_Delete(msgs);
	cm_buf_free(&text);
}
