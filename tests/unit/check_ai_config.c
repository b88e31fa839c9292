/*
 * Tests for ai-bridge's pure decisions, compiled in here whole: the AI
 * mode resolution (settings.c), chat config validation and masking
 * (config.c), FAQ entries and their search (faq_store.c), and input
 * checks (util.c).  The ranking itself is check_ai_bm25.c's.
 */
#include <string.h>

#include <check.h>

#include "../../ai-bridge/util.c"
#include "../../ai-bridge/settings.c"
#include "../../ai-bridge/config.c"
#include "../../ai-bridge/faq_store.c"
#include "suites.h"

static cJSON *
json(const char *s)
{
	cJSON	*j = cJSON_Parse(s);

	ck_assert_ptr_nonnull(j);
	return (j);
}

START_TEST(test_ai_mode_resolution)
{
	cJSON *none = json("{}"), *on = json("{\"aiEnabled\":true}");
	cJSON *off = json("{\"aiEnabled\":false}");
	cJSON *manual = json("{\"modeOverride\":\"manual\",\"aiEnabled\":true}");
	cJSON *wise = json("{\"modeOverride\":\"agent-wise\",\"aiEnabled\":true}");

	/* No human holds it: every mode but manual answers. */
	ck_assert(aib_mode_answers(AIB_MODE_AI, 0, NULL));
	ck_assert(aib_mode_answers(AIB_MODE_AGENT_WISE, 0, NULL));
	ck_assert(!aib_mode_answers(AIB_MODE_MANUAL, 0, NULL));
	/* A human holds it: only agent-wise with aiEnabled. */
	ck_assert(!aib_mode_answers(AIB_MODE_AI, 0, on));
	ck_assert(aib_mode_answers(AIB_MODE_AGENT_WISE, 0, on));
	ck_assert(!aib_mode_answers(AIB_MODE_AGENT_WISE, 0, off));
	ck_assert(!aib_mode_answers(AIB_MODE_AGENT_WISE, 0, none));
	/* Overrides count only with allowPerAgentMode. */
	ck_assert(aib_mode_answers(AIB_MODE_AGENT_WISE, 0, manual));
	ck_assert(!aib_mode_answers(AIB_MODE_AGENT_WISE, 1, manual));
	ck_assert(!aib_mode_answers(AIB_MODE_MANUAL, 0, wise));
	ck_assert(aib_mode_answers(AIB_MODE_MANUAL, 1, wise));
	cJSON_Delete(none);
	cJSON_Delete(on);
	cJSON_Delete(off);
	cJSON_Delete(manual);
	cJSON_Delete(wise);
}
END_TEST

START_TEST(test_ai_config_validation_and_masking)
{
	static const char *const bad[] = {
		"[1]",
		"{\"greeting\":7}",
		"{\"assistant\":7}",
		"{\"assistant\":{\"backend\":\"llama\"}}",
		"{\"assistant\":{\"backend\":\"openai\",\"model\":\"m\"}}",
		"{\"assistant\":{\"baseUrl\":\"file:///etc\"}}",
		"{\"assistant\":{\"apiKeyFile\":\"../jwt.secret\"}}",
		"{\"assistant\":{\"apiKeyFile\":\".hidden\"}}",
		"{\"assistant\":{\"maxTokens\":1.5}}",
		"{\"assistant\":{\"multiBubble\":\"yes\"}}",
		"{\"assistant\":{\"rules\":[1]}}",
		"{\"assistant\":{\"name\":\"\xff\"}}",
	};
	const char *why;
	cJSON *body, *c, *old, *pub;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		body = json(bad[i]);
		ck_assert_msg(aib_config_build(body, NULL, &why) == NULL,
		    "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(why);
		cJSON_Delete(body);
	}
	/* The default backend is faq; unknown fields stay. */
	body = json("{\"greeting\":\"hi\",\"assistant\":{\"name\":\"A\"},"
	    "\"theme\":1}");
	c = aib_config_build(body, NULL, &why);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(cm_json_str(cJSON_GetObjectItem(c, "assistant"),
	    "backend"), "faq");
	ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(c, "theme")));
	cJSON_Delete(body);
	cJSON_Delete(c);
	/* "(set)" keeps the stored key; GET masks it. */
	old = json("{\"assistant\":{\"apiKey\":\"sk-1\"}}");
	body = json("{\"assistant\":{\"backend\":\"openai\",\"baseUrl\":"
	    "\"http://x\",\"model\":\"m\",\"apiKey\":\"(set)\"}}");
	c = aib_config_build(body, old, &why);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(cm_json_str(cJSON_GetObjectItem(c, "assistant"),
	    "apiKey"), "sk-1");
	pub = aib_config_public("cfg", c);
	ck_assert_str_eq(cm_json_str(cJSON_GetObjectItem(pub, "assistant"),
	    "apiKey"), "(set)");
	ck_assert_str_eq(cm_json_str(pub, "configId"), "cfg");
	cJSON_Delete(pub);
	cJSON_Delete(c);
	cJSON_Delete(body);
	/* Without a stored key "(set)" means none. */
	body = json("{\"assistant\":{\"apiKey\":\"(set)\"}}");
	c = aib_config_build(body, NULL, &why);
	ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(c,
	    "assistant"), "apiKey"));
	cJSON_Delete(c);
	cJSON_Delete(body);
	cJSON_Delete(old);
}
END_TEST

START_TEST(test_ai_faq_entries_and_search)
{
	const char *why;
	cJSON *b, *e, *u, *all, *cats, *hits;

	b = json("{\"question\":\"q\"}");
	ck_assert_ptr_null(aib_faq_build(b, NULL, &why));
	cJSON_Delete(b);
	b = json("{\"question\":\"q\",\"answer\":\"a\",\"order\":\"1\"}");
	ck_assert_ptr_null(aib_faq_build(b, NULL, &why));
	cJSON_Delete(b);
	b = json("{\"question\":\"How do refunds work?\",\"answer\":\"5 days\","
	    "\"category\":\"orders\",\"keywords\":[\"money back\"]}");
	e = aib_faq_build(b, NULL, &why);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(strlen(cm_json_str(e, "id")), 12);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(e, "enabled")));
	cJSON_Delete(b);
	/* An update keeps what it does not name. */
	b = json("{\"answer\":\"3 days\"}");
	u = aib_faq_build(b, e, &why);
	ck_assert_str_eq(cm_json_str(u, "answer"), "3 days");
	ck_assert_str_eq(cm_json_str(u, "question"), "How do refunds work?");
	ck_assert_str_eq(cm_json_str(u, "id"), cm_json_str(e, "id"));
	cJSON_Delete(b);

	all = cJSON_CreateArray();
	cJSON_AddItemToArray(all, u);
	cJSON_AddItemToArray(all, json("{\"id\":\"x\",\"question\":\"refund "
	    "for gift cards\",\"answer\":\"no\",\"category\":\"gifts\","
	    "\"enabled\":false}"));
	cJSON_AddItemToArray(all, json("{\"id\":\"y\",\"question\":\"refund "
	    "policy\",\"answer\":\"30 days\",\"category\":\"legal\"}"));
	hits = aib_faq_search(all, "I want a refund, money back", NULL, 5);
	ck_assert_int_eq(cJSON_GetArraySize(hits), 2);	/* x is disabled */
	ck_assert_str_eq(cm_json_str(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    hits, 0), "entry"), "question"), "How do refunds work?");
	cJSON_Delete(hits);
	cats = json("[\"legal\"]");
	hits = aib_faq_search(all, "refund", cats, 5);
	ck_assert_int_eq(cJSON_GetArraySize(hits), 1);
	ck_assert_str_eq(cm_json_str(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    hits, 0), "entry"), "id"), "y");
	cJSON_Delete(hits);
	cJSON_Delete(cats);
	cJSON_Delete(all);
	cJSON_Delete(e);
}
END_TEST

START_TEST(test_ai_input_checks)
{
	ck_assert(aib_valid_member("customer:a@b.c"));
	ck_assert(aib_valid_member("admin:x"));
	ck_assert(!aib_valid_member("robot:a@b.c"));
	ck_assert(!aib_valid_member("customer:"));
	ck_assert(!aib_valid_member("customer:a b"));
	ck_assert(!aib_valid_member("customer"));
	ck_assert(aib_valid_id("chat_1.x-Y"));
	ck_assert(!aib_valid_id(""));
	ck_assert(!aib_valid_id("a/b"));
	ck_assert(aib_valid_text("h\xc3\xa9llo", 10));
	ck_assert(!aib_valid_text("h\xc3", 10));
	ck_assert(!aib_valid_text("\xc0\xaf", 10));	/* overlong */
	ck_assert(!aib_valid_text("\xed\xa0\x80", 10));	/* surrogate */
	ck_assert(!aib_valid_text("abcdef", 5));
}
END_TEST

Suite *
ai_config_suite(void)
{
	Suite *s = suite_create("ai_config");
	TCase *tc = tcase_create("decisions");

	tcase_add_test(tc, test_ai_mode_resolution);
	tcase_add_test(tc, test_ai_config_validation_and_masking);
	tcase_add_test(tc, test_ai_faq_entries_and_search);
	tcase_add_test(tc, test_ai_input_checks);
	suite_add_tcase(s, tc);
	return (s);
}
