/*
 * What a model is told: a system prompt built from the character
 * profile (seed 003: name, tone, personality, response style, rules,
 * ...) and the conversation summary, then the recent turns, then the
 * question.  An assistant's own systemPrompt replaces the built one but
 * still gets the summary and the hand-off instruction.
 */
#include <stdlib.h>
#include <string.h>

#include "aib.h"

#define PROMPT_TURNS_DEFAULT	10

/* "Label: value.\n" for a character field that is set. */
static void
prompt_field(struct cm_buf *b, const cJSON *c, const char *name,
    const char *label)
{
	const char	*v = cm_json_str(c, name);

	if (v != NULL && v[0] != '\0')
		cm_buf_printf(b, "%s: %s\n", label, v);
}

char *
aib_prompt_system(const struct aib_gen *g)
{
	const cJSON	*c = g->character, *rules, *r;
	const char	*own = cm_json_str(g->assistant, "systemPrompt");
	const char	*name = cm_json_str(c, "name");
	struct cm_buf	 b = { 0 };

	if (own != NULL && own[0] != '\0')
		cm_buf_printf(&b, "%s\n", own);
	else {
		cm_buf_printf(&b, "You are %s, the customer support assistant "
		    "of this company, chatting with a customer in the "
		    "support widget of its website.\n", name != NULL ? name :
		    "Assistant");
		prompt_field(&b, c, "tone", "Tone");
		prompt_field(&b, c, "personality", "Personality");
		prompt_field(&b, c, "responseStyle", "Response style");
		prompt_field(&b, c, "formality", "Formality");
		prompt_field(&b, c, "emojiUsage", "Emoji usage");
		prompt_field(&b, c, "expertise", "Expertise");
		prompt_field(&b, c, "bio", "About you");
		rules = cJSON_GetObjectItemCaseSensitive(c, "rules");
		if (cJSON_IsString(rules) && rules->valuestring[0] != '\0')
			cm_buf_printf(&b, "Rules:\n%s\n", rules->valuestring);
		else if (cJSON_IsArray(rules) && cJSON_GetArraySize(rules) > 0) {
			cm_buf_puts(&b, "Rules:\n");
			cJSON_ArrayForEach(r, rules)
				if (cJSON_IsString(r))
					cm_buf_printf(&b, "- %s\n",
					    r->valuestring);
		}
		cm_buf_puts(&b, "Answer briefly and only with what you know; "
		    "the search_faq tool searches the company's FAQ.\n");
	}
	cm_buf_puts(&b, "When you cannot help, or the customer wants a "
	    "person, call transfer_chat_to_agent with the reason.\n");
	if (g->summary != NULL)
		cm_buf_printf(&b, "Summary of the conversation so far: %s\n",
		    g->summary);
	return (b.data);
}

cJSON *
aib_prompt_messages(const struct aib_gen *g)
{
	const cJSON	*t, *v;
	cJSON		*out = cJSON_CreateArray(), *m;
	char		*sys = aib_prompt_system(g);
	struct cm_buf	 q = { 0 };
	int		 n, skip, i = 0, keep = PROMPT_TURNS_DEFAULT;

	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "system");
	cJSON_AddStringToObject(m, "content", sys);
	cJSON_AddItemToArray(out, m);
	free(sys);
	v = cJSON_GetObjectItemCaseSensitive(g->assistant, "historyTurns");
	if (cJSON_IsNumber(v))
		keep = v->valueint;
	n = cJSON_GetArraySize(g->turns);
	skip = n > 2 * keep ? n - 2 * keep : 0;
	cJSON_ArrayForEach(t, g->turns) {
		if (i++ < skip || cm_json_str(t, "role") == NULL ||
		    cm_json_str(t, "content") == NULL)
			continue;
		cJSON_AddItemToArray(out, cJSON_Duplicate(t, 1));
	}
	/* An agent's instruction is not the customer speaking. */
	if (g->job->asked && g->job->text[0] != '\0')
		cm_buf_printf(&q, "(Instruction from the support agent, not "
		    "from the customer; write your reply to the customer.) "
		    "%s", g->question);
	else if (g->job->asked)
		cm_buf_puts(&q, "(The support agent asks you to reply to the "
		    "customer's last message.)");
	else
		cm_buf_puts(&q, g->question != NULL ? g->question : "");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", q.data != NULL ? q.data : "");
	cJSON_AddItemToArray(out, m);
	cm_buf_free(&q);
	return (out);
}
