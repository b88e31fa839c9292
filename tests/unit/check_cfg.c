/*
 * Tests for the config parser (common/cfg.c): defaults, the file
 * syntax, errors with file:line, environment overrides, the dump and
 * host:port splitting.  Error lines are read back from stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "cfg.h"
#include "log.h"
#include "suites.h"

/* Redirects fd 2 to a temporary file until capture_end(). */
struct capture {
	int	 saved;
	FILE	*fp;
};

static void
capture_start(struct capture *c)
{
	c->fp = tmpfile();
	ck_assert_ptr_nonnull(c->fp);
	c->saved = dup(STDERR_FILENO);
	dup2(fileno(c->fp), STDERR_FILENO);
}

/* Restores stderr; returns what was written (caller frees). */
static char *
capture_end(struct capture *c)
{
	char	*text;
	long	 n;

	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	n = ftell(c->fp);
	text = calloc(1, (size_t)n + 1);
	rewind(c->fp);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, c->fp), (size_t)n);
	fclose(c->fp);
	return (text);
}

/* Loads text as a file named name; expects failure with err in the log. */
static void
assert_load_fails(const char *text, const char *err)
{
	struct cm_cfg	 cfg;
	struct capture	 c;
	char		*log;
	int		 rv;

	capture_start(&c);
	rv = cm_cfg_load_string(&cfg, text, "t.conf");
	log = capture_end(&c);
	ck_assert_int_eq(rv, -1);
	ck_assert_msg(strstr(log, err) != NULL, "log \"%s\" lacks \"%s\"",
	    log, err);
	ck_assert_msg(strncmp(log, "<3>", 3) == 0, "not at ERR: %s", log);
	free(log);
	cm_cfg_free(&cfg);		/* safe after a failure */
}

static char *
write_temp(const char *text)
{
	char	*path = strdup("/tmp/check_cfg.XXXXXX");
	int	 fd = mkstemp(path);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	return (path);
}

START_TEST(test_cfg_defaults)
{
	struct cm_cfg	 cfg;

	ck_assert_int_eq(cm_cfg_load_string(&cfg, "", "empty"), 0);
	ck_assert_str_eq(cfg.log_level, "notice");
	ck_assert_str_eq(cfg.redis_address, "127.0.0.1:6379");
	ck_assert_str_eq(cfg.redis_password, "");
	ck_assert_str_eq(cfg.key_prefix, "confab:");
	ck_assert_str_eq(cfg.presence_address,
	    "ipc:///run/confab/presence.sock");
	ck_assert_str_eq(cfg.queue_address, "ipc:///run/confab/queue.sock");
	ck_assert_str_eq(cfg.ai_address, "ipc:///run/confab/ai.sock");
	ck_assert_int_eq(cfg.nng_timeout_ms, 5000);
	ck_assert_int_eq(cfg.nng_resend_ms, 2000);
	ck_assert_int_eq(cfg.service_threads, 4);
	ck_assert_str_eq(cfg.jwt_algorithm, "HS256");
	ck_assert_str_eq(cfg.jwt_secret, "");
	ck_assert_str_eq(cfg.jwt_secret_file, "");
	ck_assert_str_eq(cfg.jwt_public_key_file, "");
	ck_assert_str_eq(cfg.jwt_issuer, "");
	ck_assert_str_eq(cfg.jwt_audience, "");
	ck_assert_int_eq(cfg.jwt_leeway_s, 30);
	ck_assert_str_eq(cfg.gateway_listen, "127.0.0.1:8080");
	ck_assert_str_eq(cfg.gateway_id, "");
	ck_assert_int_eq(cfg.gateway_workers, 0);
	ck_assert_int_eq(cfg.ping_interval_ms, 25000);
	ck_assert_int_eq(cfg.ping_timeout_ms, 20000);
	ck_assert_int_eq(cfg.max_payload, 1000000);
	ck_assert_int_eq(cfg.connect_timeout_ms, 45000);
	ck_assert_int_eq(cfg.http_header_timeout_ms, 10000);
	ck_assert_int_eq(cfg.http_max_header_bytes, 16384);
	ck_assert_int_eq(cfg.http_max_body_bytes, 1048576);
	ck_assert_int_eq(cfg.shutdown_grace_ms, 10000);
	ck_assert_int_eq(cfg.max_message_length, 4000);
	cm_cfg_free(&cfg);
	ck_assert_ptr_null(cfg.log_level);
}
END_TEST

START_TEST(test_cfg_parses_a_file)
{
	struct cm_cfg	 cfg;
	char		*path;

	path = write_temp("# confab\n"
	    "\n"
	    "log_level debug\n"
	    "  redis_address   /run/redis.sock  \n"
	    "\tgateway_workers\t3\n"
	    "max_payload 2048\n"
	    "jwt_algorithm RS256\n");
	ck_assert_int_eq(cm_cfg_load(&cfg, path), 0);
	ck_assert_str_eq(cfg.log_level, "debug");
	ck_assert_str_eq(cfg.redis_address, "/run/redis.sock");
	ck_assert_int_eq(cfg.gateway_workers, 3);
	ck_assert_int_eq(cfg.max_payload, 2048);
	ck_assert_str_eq(cfg.jwt_algorithm, "RS256");
	ck_assert_int_eq(cfg.ping_interval_ms, 25000);	/* untouched */
	cm_cfg_free(&cfg);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_cfg_load_applies_log_level)
{
	struct cm_cfg	 cfg;
	char		*path = write_temp("log_level warning\n");

	cm_log_threshold = CM_LOG_NOTICE;
	ck_assert_int_eq(cm_cfg_load(&cfg, path), 0);
	ck_assert_int_eq(cm_log_threshold, CM_LOG_WARNING);
	cm_cfg_free(&cfg);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_cfg_later_line_wins_and_crlf_is_accepted)
{
	struct cm_cfg	 cfg;

	ck_assert_int_eq(cm_cfg_load_string(&cfg, "key_prefix a:\r\n"
	    "key_prefix b:\r\n", "t.conf"), 0);
	ck_assert_str_eq(cfg.key_prefix, "b:");
	cm_cfg_free(&cfg);
}
END_TEST

START_TEST(test_cfg_quoted_values)
{
	struct cm_cfg	 cfg;

	ck_assert_int_eq(cm_cfg_load_string(&cfg,
	    "jwt_secret \"two words # not a comment\"\n"
	    "jwt_issuer \"say \\\"hi\\\" \\\\ bye\"  # a comment\n"
	    "gateway_id \"\"\n", "t.conf"), 0);
	ck_assert_str_eq(cfg.jwt_secret, "two words # not a comment");
	ck_assert_str_eq(cfg.jwt_issuer, "say \"hi\" \\ bye");
	ck_assert_str_eq(cfg.gateway_id, "");
	cm_cfg_free(&cfg);
}
END_TEST

START_TEST(test_cfg_comments)
{
	struct cm_cfg	 cfg;

	ck_assert_int_eq(cm_cfg_load_string(&cfg,
	    "# a whole line\n"
	    "   # indented\n"
	    "key_prefix app: # after a blank\n"
	    "jwt_secret ab#cd\n"
	    "jwt_issuer #only a comment\n", "t.conf"), 0);
	ck_assert_str_eq(cfg.key_prefix, "app:");
	ck_assert_str_eq(cfg.jwt_secret, "ab#cd");
	ck_assert_str_eq(cfg.jwt_issuer, "");
	cm_cfg_free(&cfg);
}
END_TEST

START_TEST(test_cfg_unknown_key_names_file_and_line)
{
	assert_load_fails("log_level info\n\nbogus_key 1\n",
	    "t.conf:3: bogus_key: unknown key");
}
END_TEST

START_TEST(test_cfg_bad_integer_names_file_and_line)
{
	assert_load_fails("# x\nnng_timeout_ms 12x\n",
	    "t.conf:2: nng_timeout_ms: not an integer");
	assert_load_fails("max_payload\n",
	    "t.conf:1: max_payload: not an integer");
	assert_load_fails("max_payload 1.5\n",
	    "t.conf:1: max_payload: not an integer");
	assert_load_fails("max_payload +5\n",
	    "t.conf:1: max_payload: not an integer");
}
END_TEST

START_TEST(test_cfg_integer_out_of_range)
{
	assert_load_fails("service_threads 0\n",
	    "t.conf:1: service_threads: out of range 1..256");
	assert_load_fails("jwt_leeway_s -1\n",
	    "t.conf:1: jwt_leeway_s: out of range");
	assert_load_fails("max_payload 99999999999999999999999\n",
	    "t.conf:1: max_payload: out of range");
}
END_TEST

START_TEST(test_cfg_rejects_bad_log_level)
{
	assert_load_fails("log_level loud\n",
	    "t.conf:1: log_level: unknown log level");
}
END_TEST

START_TEST(test_cfg_rejects_unsupported_jwt_algorithm)
{
	assert_load_fails("jwt_algorithm none\n",
	    "t.conf:1: jwt_algorithm: unsupported algorithm");
	assert_load_fails("jwt_algorithm PS256\n",
	    "t.conf:1: jwt_algorithm: unsupported algorithm");
}
END_TEST

START_TEST(test_cfg_accepts_every_libjwt_algorithm)
{
	static const char *const algs[] = { "HS256", "HS384", "HS512",
	    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512" };
	struct cm_cfg	 cfg;
	char		 line[64];
	size_t		 i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		snprintf(line, sizeof(line), "jwt_algorithm %s\n", algs[i]);
		ck_assert_int_eq(cm_cfg_load_string(&cfg, line, "t.conf"), 0);
		cm_cfg_free(&cfg);
	}
}
END_TEST

START_TEST(test_cfg_rejects_broken_quotes)
{
	assert_load_fails("jwt_secret \"open\n",
	    "t.conf:1: jwt_secret: unterminated quote");
	assert_load_fails("jwt_secret \"a\" b\n",
	    "t.conf:1: jwt_secret: text after closing quote");
	assert_load_fails("jwt_secret \"a\\n\"\n",
	    "t.conf:1: jwt_secret: bad escape");
}
END_TEST

START_TEST(test_cfg_env_overrides_file)
{
	struct cm_cfg	 cfg;

	setenv("CONFAB_NNG_TIMEOUT_MS", "1234", 1);
	setenv("CONFAB_KEY_PREFIX", "env:", 1);
	setenv("CONFAB_JWT_SECRET", "", 1);
	ck_assert_int_eq(cm_cfg_load_string(&cfg, "nng_timeout_ms 99\n"
	    "key_prefix file:\njwt_secret s3cret\nservice_threads 7\n",
	    "t.conf"), 0);
	ck_assert_int_eq(cfg.nng_timeout_ms, 1234);
	ck_assert_str_eq(cfg.key_prefix, "env:");
	ck_assert_str_eq(cfg.jwt_secret, "");
	ck_assert_int_eq(cfg.service_threads, 7);
	cm_cfg_free(&cfg);
	unsetenv("CONFAB_NNG_TIMEOUT_MS");
	unsetenv("CONFAB_KEY_PREFIX");
	unsetenv("CONFAB_JWT_SECRET");
}
END_TEST

START_TEST(test_cfg_bad_env_value_names_the_variable)
{
	setenv("CONFAB_GATEWAY_WORKERS", "many", 1);
	assert_load_fails("", "CONFAB_GATEWAY_WORKERS: gateway_workers: "
	    "not an integer");
	unsetenv("CONFAB_GATEWAY_WORKERS");
}
END_TEST

START_TEST(test_cfg_missing_named_file_is_an_error)
{
	struct cm_cfg	 cfg;
	struct capture	 c;
	char		*log;

	capture_start(&c);
	ck_assert_int_eq(cm_cfg_load(&cfg, "/nonexistent/confab.conf"), -1);
	log = capture_end(&c);
	ck_assert_ptr_nonnull(strstr(log, "/nonexistent/confab.conf"));
	free(log);
	cm_cfg_free(&cfg);
}
END_TEST

START_TEST(test_cfg_rejects_nul_byte_in_file)
{
	struct cm_cfg	 cfg;
	struct capture	 c;
	char		*log, path[] = "/tmp/check_cfg.XXXXXX";
	int		 fd = mkstemp(path);

	ck_assert_int_eq(write(fd, "log_level info\n\0x\n", 18), 18);
	close(fd);
	capture_start(&c);
	ck_assert_int_eq(cm_cfg_load(&cfg, path), -1);
	log = capture_end(&c);
	ck_assert_ptr_nonnull(strstr(log, "NUL byte"));
	free(log);
	unlink(path);
}
END_TEST

START_TEST(test_cfg_dump_hides_secrets_and_reads_back)
{
	struct cm_cfg	 cfg, again;
	struct capture	 c;
	char		*out;

	ck_assert_int_eq(cm_cfg_load_string(&cfg, "jwt_secret topsecret\n"
	    "jwt_issuer \"a b\"\nkey_prefix \"\"\n", "t.conf"), 0);
	capture_start(&c);
	cm_cfg_dump(&cfg, STDERR_FILENO);
	out = capture_end(&c);
	ck_assert_ptr_null(strstr(out, "topsecret"));
	ck_assert_ptr_nonnull(strstr(out, "\njwt_secret (set)\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nredis_password \"\"\n"));
	ck_assert_ptr_nonnull(strstr(out, "\njwt_issuer \"a b\"\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nmax_payload 1000000\n"));
	ck_assert_int_eq(cm_cfg_load_string(&again, out, "dump"), 0);
	ck_assert_str_eq(again.jwt_issuer, "a b");
	ck_assert_str_eq(again.key_prefix, "");
	cm_cfg_free(&again);
	cm_cfg_free(&cfg);
	free(out);
}
END_TEST

START_TEST(test_split_hostport)
{
	char	 host[64];
	int	 port = -1;

	ck_assert_int_eq(cm_split_hostport("127.0.0.1:8080", host,
	    sizeof(host), &port), 0);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_int_eq(port, 8080);
	ck_assert_int_eq(cm_split_hostport("[::1]:6379", host, sizeof(host),
	    &port), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_int_eq(port, 6379);
	ck_assert_int_eq(cm_split_hostport("localhost:0", host, sizeof(host),
	    &port), 0);
	ck_assert_int_eq(port, 0);
}
END_TEST

START_TEST(test_split_hostport_rejects_malformed)
{
	static const char *const bad[] = { "", "host", "host:", ":80",
	    "host:80x", "host:-1", "host:65536", "::1:80", "[::1]80",
	    "[::1", "[]:80", "host: 80" };
	char	 host[64], tiny[4];
	int	 port;
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cm_split_hostport(bad[i], host, sizeof(host),
		    &port) == -1, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(cm_split_hostport("abcd:1", tiny, sizeof(tiny),
	    &port), -1);
}
END_TEST

Suite *
cfg_suite(void)
{
	Suite	*s = suite_create("cfg");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_cfg_defaults);
	tcase_add_test(tc, test_cfg_parses_a_file);
	tcase_add_test(tc, test_cfg_load_applies_log_level);
	tcase_add_test(tc, test_cfg_later_line_wins_and_crlf_is_accepted);
	tcase_add_test(tc, test_cfg_quoted_values);
	tcase_add_test(tc, test_cfg_comments);
	tcase_add_test(tc, test_cfg_accepts_every_libjwt_algorithm);
	tcase_add_test(tc, test_cfg_env_overrides_file);
	tcase_add_test(tc, test_cfg_dump_hides_secrets_and_reads_back);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_cfg_unknown_key_names_file_and_line);
	tcase_add_test(tc, test_cfg_bad_integer_names_file_and_line);
	tcase_add_test(tc, test_cfg_integer_out_of_range);
	tcase_add_test(tc, test_cfg_rejects_bad_log_level);
	tcase_add_test(tc, test_cfg_rejects_unsupported_jwt_algorithm);
	tcase_add_test(tc, test_cfg_rejects_broken_quotes);
	tcase_add_test(tc, test_cfg_bad_env_value_names_the_variable);
	tcase_add_test(tc, test_cfg_missing_named_file_is_an_error);
	tcase_add_test(tc, test_cfg_rejects_nul_byte_in_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostport");
	tcase_add_test(tc, test_split_hostport);
	tcase_add_test(tc, test_split_hostport_rejects_malformed);
	suite_add_tcase(s, tc);
	return (s);
}
