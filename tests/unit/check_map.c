/* Tests for the string-keyed hash map (common/map.c). */
#include <stdio.h>

#include <check.h>

#include "map.h"
#include "suites.h"

START_TEST(test_map_puts_gets_replaces_and_deletes)
{
	struct cm_map *m = cm_map_new();
	int a = 1, b = 2;

	ck_assert_ptr_null(cm_map_get(m, "x"));
	cm_map_put(m, "x", &a);
	ck_assert_ptr_eq(cm_map_get(m, "x"), &a);
	cm_map_put(m, "x", &b);
	ck_assert_ptr_eq(cm_map_get(m, "x"), &b);
	ck_assert_uint_eq(cm_map_count(m), 1);
	ck_assert_ptr_eq(cm_map_del(m, "x"), &b);
	ck_assert_ptr_null(cm_map_get(m, "x"));
	ck_assert_ptr_null(cm_map_del(m, "x"));
	ck_assert_uint_eq(cm_map_count(m), 0);
	cm_map_free(m);
}
END_TEST

static int
count_cb(const char *k, void *v, void *arg)
{
	(*(int *)arg)++;
	return (0);
}

START_TEST(test_map_survives_growth_and_churn)
{
	struct cm_map *m = cm_map_new();
	static int vals[5000];
	char key[32];
	int i, n = 0;

	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cm_map_put(m, key, &vals[i]);
	}
	for (i = 0; i < 5000; i += 2) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_ptr_eq(cm_map_del(m, key), &vals[i]);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_ptr_eq(cm_map_get(m, key), i % 2 ? &vals[i] : NULL);
	}
	cm_map_each(m, count_cb, &n);
	ck_assert_int_eq(n, 2500);
	ck_assert_uint_eq(cm_map_count(m), 2500);
	cm_map_free(m);
}
END_TEST

Suite *
map_suite(void)
{
	Suite *s = suite_create("map");
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, test_map_puts_gets_replaces_and_deletes);
	tcase_add_test(tc, test_map_survives_growth_and_churn);
	suite_add_tcase(s, tc);
	return (s);
}
