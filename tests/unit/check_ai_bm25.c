/*
 * Tests for the FAQ ranking (ai-bridge/bm25.c), compiled in here whole:
 * terms, BM25 scores checked against values worked out by hand, the
 * ranking of a small FAQ, and the words that ask for a human.
 */
#include <math.h>
#include <string.h>

#include <check.h>

#include "../../ai-bridge/bm25.c"
#include "suites.h"

START_TEST(test_bm25_terms)
{
	char t[16][AIB_TERM_MAX + 1];
	size_t n;

	n = aib_terms("How do I get REFUNDS for shipped items?", t, 16, 1);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(t[0], "refund");
	ck_assert_str_eq(t[1], "ship");
	ck_assert_str_eq(t[2], "item");
	n = aib_terms("shipping policies; passwords", t, 16, 1);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(t[0], "ship");
	ck_assert_str_eq(t[1], "policy");
	ck_assert_str_eq(t[2], "password");
	/* Without stemming: every word but one-letter ASCII ones. */
	n = aib_terms("I want a human", t, 16, 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(t[0], "want");
	/* UTF-8 words stay whole; 'status' keeps its s. */
	n = aib_terms("Rückerstattung status x", t, 16, 1);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(t[0], "r\xc3\xbc" "ckerstattung");
	ck_assert_str_eq(t[1], "status");
	/* The bound on terms holds. */
	ck_assert_uint_eq(aib_terms("aa bb cc dd", t, 2, 0), 2);
}
END_TEST

START_TEST(test_bm25_scores_by_hand)
{
	/* Two one-field documents; the query term only in the first. */
	struct aib_doc d[2] = {
		{ { "refund money", NULL, NULL }, { 1, 0, 0 } },
		{ { "opening hours today", NULL, NULL }, { 1, 0, 0 } },
	};
	struct aib_rank r[2];
	double idf, avg, want;

	ck_assert_int_eq(aib_bm25_rank("refund", d, 2, r, 2), 1);
	ck_assert_int_eq(r[0].doc, 0);
	/* N=2, n=1: idf = ln(1 + 1.5/1.5); len 2, avg 2.5, tf 1. */
	idf = log(2.0);
	avg = 2.5;
	want = idf * 1 * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 2 / avg));
	ck_assert_double_eq_tol(r[0].score, want, 1e-9);
	/* A weight of 2 counts the field's terms twice. */
	d[0].weight[0] = 2;
	ck_assert_int_eq(aib_bm25_rank("refund", d, 2, r, 2), 1);
	avg = 3.5;
	want = idf * 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 4 / avg));
	ck_assert_double_eq_tol(r[0].score, want, 1e-9);
	/* Nothing in common, or nothing but stop words: no result. */
	ck_assert_int_eq(aib_bm25_rank("weather", d, 2, r, 2), 0);
	ck_assert_int_eq(aib_bm25_rank("how do I", d, 2, r, 2), 0);
}
END_TEST

START_TEST(test_bm25_ranks_a_small_faq)
{
	struct aib_doc d[4] = {
		{ { "What are your opening hours?", "hours open time",
		    "We are open 9 to 5." }, { 2, 2, 1 } },
		{ { "How do I get a refund?", "refund money back return",
		    "Refunds take 5 days." }, { 2, 2, 1 } },
		{ { "How long does shipping take?", "shipping delivery",
		    "Orders ship in 2 days." }, { 2, 2, 1 } },
		{ { "How do I reset my password?", "password login account",
		    "Use the reset link." }, { 2, 2, 1 } },
	};
	struct aib_rank r[4];
	int n;

	n = aib_bm25_rank("I want my money back, how do refunds work?", d, 4,
	    r, 4);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(r[0].doc, 1);
	n = aib_bm25_rank("when will my order be delivered? shipping", d, 4,
	    r, 4);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(r[0].doc, 2);
	n = aib_bm25_rank("forgot password, can't log in", d, 4, r, 4);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(r[0].doc, 3);
	/* Scores are sorted, best first, and max bounds the output. */
	n = aib_bm25_rank("refund shipping password hours", d, 4, r, 2);
	ck_assert_int_eq(n, 2);
	ck_assert(r[0].score >= r[1].score);
}
END_TEST

START_TEST(test_bm25_wants_human)
{
	ck_assert(aib_wants_human("Can I talk to a human please"));
	ck_assert(aib_wants_human("AGENT!"));
	ck_assert(aib_wants_human("I'd like a real person"));
	ck_assert(aib_wants_human("get me a representative"));
	ck_assert(!aib_wants_human("how do I get a refund"));
	ck_assert(!aib_wants_human("personal data request"));
	ck_assert(!aib_wants_human(""));
}
END_TEST

Suite *
ai_bm25_suite(void)
{
	Suite *s = suite_create("ai_bm25");
	TCase *tc = tcase_create("rank");

	tcase_add_test(tc, test_bm25_terms);
	tcase_add_test(tc, test_bm25_scores_by_hand);
	tcase_add_test(tc, test_bm25_ranks_a_small_faq);
	tcase_add_test(tc, test_bm25_wants_human);
	suite_add_tcase(s, tc);
	return (s);
}
