/* Tests for the Redis pub/sub channel names (common/channels.c). */
#include <string.h>

#include <check.h>

#include "channels.h"
#include "suites.h"

START_TEST(test_identity_channel_has_org_in_hash_tag)
{
	char	 out[CM_CHANNEL_MAX];
	int	 n;

	n = cm_chan_identity(out, sizeof(out), "confab:", "demo", "agent",
	    "a@example.com");
	ck_assert_str_eq(out, "confab:ev:{demo}:u:agent:a@example.com");
	ck_assert_int_eq(n, (int)strlen(out));
}
END_TEST

START_TEST(test_agents_channel_format)
{
	char	 out[CM_CHANNEL_MAX];

	ck_assert_int_eq(cm_chan_agents(out, sizeof(out), "confab:", "demo"),
	    (int)strlen("confab:ev:{demo}:agents"));
	ck_assert_str_eq(out, "confab:ev:{demo}:agents");
}
END_TEST

START_TEST(test_org_channel_format)
{
	char	 out[CM_CHANNEL_MAX];

	ck_assert_int_eq(cm_chan_org(out, sizeof(out), "confab:", "demo"),
	    (int)strlen("confab:ev:{demo}:all"));
	ck_assert_str_eq(out, "confab:ev:{demo}:all");
}
END_TEST

START_TEST(test_channels_use_the_configured_prefix)
{
	char	 out[CM_CHANNEL_MAX];

	cm_chan_org(out, sizeof(out), "", "acme");
	ck_assert_str_eq(out, "ev:{acme}:all");
	cm_chan_agents(out, sizeof(out), "staging:", "acme");
	ck_assert_str_eq(out, "staging:ev:{acme}:agents");
}
END_TEST

START_TEST(test_channel_too_long_returns_minus_one)
{
	char	 out[16];

	ck_assert_int_eq(cm_chan_identity(out, sizeof(out), "confab:", "demo",
	    "customer", "someone@example.com"), -1);
	ck_assert_int_eq(cm_chan_agents(out, sizeof(out), "confab:", "demo"),
	    -1);
	ck_assert_int_eq(cm_chan_org(out, sizeof(out), "confab:", "demo"),
	    -1);
	/* Exactly fits: 15 characters and the NUL. */
	ck_assert_int_eq(cm_chan_org(out, sizeof(out), "", "abcdef"), 15);
	ck_assert_str_eq(out, "ev:{abcdef}:all");
	ck_assert_int_eq(cm_chan_org(out, sizeof(out), "", "abcdefg"), -1);
}
END_TEST

START_TEST(test_longest_identity_fits_channel_max)
{
	char	 out[CM_CHANNEL_MAX], org[CM_ORG_MAX + 1];
	char	 email[CM_EMAIL_MAX + 1];

	memset(org, 'o', CM_ORG_MAX);
	org[CM_ORG_MAX] = '\0';
	memset(email, 'e', CM_EMAIL_MAX);
	email[CM_EMAIL_MAX] = '\0';
	ck_assert_int_gt(cm_chan_identity(out, sizeof(out), "confab:", org,
	    "customer", email), 0);
}
END_TEST

Suite *
channels_suite(void)
{
	Suite	*s = suite_create("channels");
	TCase	*tc = tcase_create("format");

	tcase_add_test(tc, test_identity_channel_has_org_in_hash_tag);
	tcase_add_test(tc, test_agents_channel_format);
	tcase_add_test(tc, test_org_channel_format);
	tcase_add_test(tc, test_channels_use_the_configured_prefix);
	tcase_add_test(tc, test_channel_too_long_returns_minus_one);
	tcase_add_test(tc, test_longest_identity_fits_channel_max);
	suite_add_tcase(s, tc);
	return (s);
}
