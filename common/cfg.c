/*
 * The configuration parser.  cfg_keys[] below is the single list of
 * keys: one row gives a key's name, type, place in struct cm_cfg,
 * default and limits, so adding a key is one line here plus the field.
 *
 * Values are checked as they are set, so an error names the file and
 * line (or the environment variable) it came from.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jwt.h>		/* libjwt: jwt_str_alg() */

#include "cfg.h"
#include "log.h"
#include "proto.h"		/* CM_WATCH_TTL_S */
#include "util.h"

#define CFG_FILE_MAX	(1024 * 1024)
#define CFG_SECRET	0x1	/* cm_cfg_dump() prints "(set)" */

enum cfg_type {
	CFG_T_STR,
	CFG_T_INT,
};

struct cfg_key {
	const char	*name;
	enum cfg_type	 type;
	size_t		 off;		/* offsetof(struct cm_cfg, field) */
	const char	*def;		/* default, as it would be written */
	long		 min, max;	/* CFG_T_INT: accepted range */
	/* Optional: returns NULL if value is fine, else why not. */
	const char	*(*check)(const char *value);
	int		 flags;
};

static const char	*cfg_check_level(const char *);
static const char	*cfg_check_alg(const char *);
static const char	*cfg_check_ice(const char *);

#define OFF(k)		offsetof(struct cm_cfg, k)
#define STR(k, d)	{ #k, CFG_T_STR, OFF(k), d, 0, 0, NULL, 0 }
#define STRX(k, d, c, f) { #k, CFG_T_STR, OFF(k), d, 0, 0, c, f }
/* The default is stringified after expansion: it may be a macro. */
#define CFG_STR(d)	#d
#define INT(k, d, lo, hi) \
	{ #k, CFG_T_INT, OFF(k), CFG_STR(d), lo, hi, NULL, 0 }

#define HOUR_MS		3600000
#define GIB		1073741824

static const struct cfg_key cfg_keys[] = {
	STRX(log_level,		"notice", cfg_check_level, 0),
	STR(redis_address,	"127.0.0.1:6379"),
	STRX(redis_password,	"", NULL, CFG_SECRET),
	STR(key_prefix,		"confab:"),
	STR(presence_address,	"ipc:///run/confab/presence.sock"),
	STR(queue_address,	"ipc:///run/confab/queue.sock"),
	STR(ai_address,		"ipc:///run/confab/ai.sock"),
	INT(nng_timeout_ms,	5000, 1, HOUR_MS),
	INT(nng_resend_ms,	2000, 0, HOUR_MS),
	INT(service_threads,	4, 1, 256),
	INT(redis_wait_replicas, 0, 0, 16),
	INT(redis_wait_timeout_ms, 1000, 1, 60000),
	STRX(jwt_algorithm,	"HS256", cfg_check_alg, 0),
	STRX(jwt_secret,	"", NULL, CFG_SECRET),
	STR(jwt_secret_file,	""),
	STR(jwt_public_key_file, ""),
	STR(jwt_issuer,		""),
	STR(jwt_audience,	""),
	INT(jwt_leeway_s,	30, 0, 3600),
	STR(gateway_listen,	"127.0.0.1:8080"),
	STR(gateway_id,		""),
	INT(gateway_workers,	0, 0, 64),
	INT(ping_interval_ms,	25000, 1, HOUR_MS),
	INT(ping_timeout_ms,	20000, 1, HOUR_MS),
	INT(max_payload,	1000000, 1, GIB),
	INT(connect_timeout_ms,	45000, 1, HOUR_MS),
	INT(http_header_timeout_ms, 10000, 1, HOUR_MS),
	INT(http_max_header_bytes, 16384, 256, 1048576),
	INT(http_max_body_bytes, 1048576, 0, GIB),
	INT(shutdown_grace_ms,	10000, 0, HOUR_MS),
	INT(worker_heartbeat_ms, 2000, 100, 60000),
	STR(tls_cert_file,	""),
	STR(tls_key_file,	""),
	INT(max_connections_per_ip, 1000, 0, 1000000),
	INT(rate_limit_chat_per_minute, 30, 0, 1000000),
	INT(rate_limit_events_per_minute, 600, 0, 1000000),
	STR(presence_http_listen, ""),
	STR(queue_http_listen,	""),
	STR(ai_http_listen,	""),
	INT(max_message_length,	4000, 1, 16777216),
	INT(conversation_resume_window_s, 86400, 0, 31536000),
	INT(inactivity_warning_s, 240, 0, 604800),
	INT(inactivity_close_s,	1800, 0, 604800),
	INT(avg_handle_time_default_s, 300, 1, 86400),
	INT(auto_assign,	0, 0, 1),
	INT(agent_max_chats,	5, 1, 1000),
	INT(typing_timeout_s,	30, 1, 3600),
	INT(typing_throttle_ms,	2000, 0, 60000),
	INT(conversation_visibility_s, 0, 0, 31536000),
	STRX(ice_servers,	"", cfg_check_ice, 0),
	STRX(turn_secret,	"", NULL, CFG_SECRET),
	INT(turn_credential_ttl_s, 86400, 60, 604800),
	INT(presence_worker_timeout_ms, 6000, 200, HOUR_MS),
	INT(presence_room_ttl_s, 45, 1, 86400),
	INT(presence_heartbeat_fast_ms, 5000, 100, HOUR_MS),
	INT(presence_heartbeat_slow_ms, 30000, 100, HOUR_MS),
	INT(presence_watch_ttl_s, CM_WATCH_TTL_S, 1, 86400),
	INT(ai_workers,		2, 1, 64),
	INT(ai_debounce_ms,	1000, 0, 600000),
	INT(ai_timeout_ms,	30000, 1000, 600000),
	INT(ai_job_claim_ms,	15000, 500, HOUR_MS),
	INT(ai_faq_min_score,	100, 0, 100000),
	INT(ai_greeting_ttl_s,	3600, 0, 31536000),
	INT(ai_stream_to_agents, 1, 0, 1),
	STR(ai_key_dir,		"/etc/confab/ai-keys"),
	STR(ai_tls_ca_file,	""),
};
#define CFG_NKEYS	(sizeof(cfg_keys) / sizeof(cfg_keys[0]))

/* Space-separated stun:, stuns:, turn: or turns: URLs. */
static const char *
cfg_check_ice(const char *value)
{
	static const char *const schemes[] = { "stun:", "stuns:", "turn:",
	    "turns:" };
	const char	*p = value, *end;
	size_t		 i;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = p + strcspn(p, " ");
		for (i = 0; i < 4; i++)
			if (strncmp(p, schemes[i], strlen(schemes[i])) == 0 &&
			    (size_t)(end - p) > strlen(schemes[i]))
				break;
		if (i == 4 || end - p > 255)
			return ("each ICE server is a stun:, stuns:, turn: or "
			    "turns: URL");
		for (; p < end; p++)
			if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')
				return ("an ICE server URL has a character it "
				    "may not have");
	}
	return (NULL);
}

static const char *
cfg_check_level(const char *value)
{
	return (cm_log_level_parse(value) == -1 ? "unknown log level" : NULL);
}

static const char *
cfg_check_alg(const char *value)
{
	jwt_alg_t	 alg = jwt_str_alg(value);

	if (alg == JWT_ALG_INVAL || alg == JWT_ALG_NONE)
		return ("unsupported algorithm");
	return (NULL);
}

static const struct cfg_key *
cfg_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < CFG_NKEYS; i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return (&cfg_keys[i]);
	return (NULL);
}

const char *
cm_cfg_str(const struct cm_cfg *cfg, const char *key)
{
	const struct cfg_key *k = cfg_find(key);

	if (k == NULL || k->type != CFG_T_STR)
		return (NULL);
	return (*(char *const *)((const char *)cfg + k->off));
}

/*
 * Parses a decimal integer: an optional '-' and digits, nothing else.
 * Returns 0, -1 if value is not an integer, -2 if out of the key's range.
 */
static int
cfg_parse_int(const struct cfg_key *k, const char *value, int *out)
{
	const char	*p = value;
	char		*end;
	long		 v;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return (-1);
	errno = 0;
	v = strtol(value, &end, 10);
	if (*end != '\0')
		return (-1);
	if (errno == ERANGE || v < k->min || v > k->max)
		return (-2);
	*out = (int)v;
	return (0);
}

/* Sets key k from value; where ("file:line") prefixes errors. */
static int
cfg_set(struct cm_cfg *cfg, const struct cfg_key *k, const char *value,
    const char *where)
{
	const char	*why;
	char		**sp;
	int		*ip;

	if (k->type == CFG_T_INT) {
		ip = (int *)((char *)cfg + k->off);
		switch (cfg_parse_int(k, value, ip)) {
		case 0:
			return (0);
		case -1:
			return (cm_fail("msg=\"bad config\" "
			    "err=\"%s: %s: not an integer\"", where, k->name));
		default:
			return (cm_fail("msg=\"bad config\" "
			    "err=\"%s: %s: out of range %ld..%ld\"", where,
			    k->name, k->min, k->max));
		}
	}
	if (k->check != NULL && (why = k->check(value)) != NULL)
		return (cm_fail("msg=\"bad config\" err=\"%s: %s: %s\"",
		    where, k->name, why));
	sp = (char **)((char *)cfg + k->off);
	free(*sp);
	*sp = cm_strdup(value);
	return (0);
}

/*
 * Reads a double-quoted value in place, starting at the opening quote.
 * \" and \\ are the only escapes.  After the closing quote only blanks
 * or a comment may follow.
 */
static const char *
cfg_unquote(char *s, char **value)
{
	char	*in = s + 1, *out = s + 1;

	*value = out;
	for (; *in != '"'; in++) {
		if (*in == '\0')
			return ("unterminated quote");
		if (*in == '\\') {
			in++;
			if (*in != '"' && *in != '\\')
				return ("bad escape in quotes");
		}
		*out++ = *in;
	}
	*out = '\0';
	for (in++; *in == ' ' || *in == '\t'; in++)
		;
	if (*in != '\0' && *in != '#')
		return ("text after closing quote");
	return (NULL);
}

/*
 * Parses one line (modified in place).  A '#' that starts the line or
 * follows a blank starts a comment; elsewhere it is part of the value.
 */
static int
cfg_parse_line(struct cm_cfg *cfg, char *s, const char *name, int lineno)
{
	const struct cfg_key	*k;
	char			 where[PATH_MAX + 16];
	char			*key, *value, *p;
	const char		*why;
	size_t			 len;

	snprintf(where, sizeof(where), "%s:%d", name, lineno);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return (0);
	key = s;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	while (*s == ' ' || *s == '\t')
		s++;

	if ((k = cfg_find(key)) == NULL)
		return (cm_fail("msg=\"bad config\" "
		    "err=\"%s: %.64s: unknown key\"", where, key));
	if (*s == '"') {
		if ((why = cfg_unquote(s, &value)) != NULL)
			return (cm_fail("msg=\"bad config\" "
			    "err=\"%s: %s: %s\"", where, key, why));
	} else {
		value = s;
		for (p = s; *p != '\0'; p++)
			if (*p == '#' && (p == s || p[-1] == ' ' ||
			    p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		len = strlen(value);
		while (len > 0 && (value[len - 1] == ' ' ||
		    value[len - 1] == '\t'))
			value[--len] = '\0';
	}
	return (cfg_set(cfg, k, value, where));
}

static int
cfg_parse(struct cm_cfg *cfg, const char *text, const char *name)
{
	const char	*p = text, *eol;
	char		*line;
	size_t		 len;
	int		 lineno = 0, rv = 0;

	while (rv == 0 && *p != '\0') {
		lineno++;
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		len = (size_t)(eol - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		line = cm_malloc(len + 1);
		memcpy(line, p, len);
		line[len] = '\0';
		rv = cfg_parse_line(cfg, line, name, lineno);
		free(line);
		p = *eol == '\n' ? eol + 1 : eol;
	}
	return (rv);
}

static int
cfg_defaults(struct cm_cfg *cfg)
{
	size_t	 i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < CFG_NKEYS; i++)
		if (cfg_set(cfg, &cfg_keys[i], cfg_keys[i].def,
		    "default") == -1)
			return (-1);
	return (0);
}

/* CONFAB_<KEY> overrides <key>. */
static int
cfg_env(struct cm_cfg *cfg)
{
	char		 var[64];
	const char	*value;
	size_t		 i, j;

	for (i = 0; i < CFG_NKEYS; i++) {
		snprintf(var, sizeof(var), "CONFAB_%s", cfg_keys[i].name);
		for (j = strlen("CONFAB_"); var[j] != '\0'; j++)
			var[j] = (char)toupper((unsigned char)var[j]);
		if ((value = getenv(var)) == NULL)
			continue;
		if (cfg_set(cfg, &cfg_keys[i], value, var) == -1)
			return (-1);
	}
	return (0);
}

/*
 * Besides what cfg.h says: cfg's previous contents are overwritten, not
 * freed; on -1 cfg is left empty (cm_cfg_free() is still safe).  Only
 * cm_cfg_load() applies log_level to cm_log_threshold, so tests and
 * fuzzers can call cm_cfg_load_string() without side effects.
 */
int
cm_cfg_load_string(struct cm_cfg *cfg, const char *text, const char *name)
{
	if (cfg_defaults(cfg) == -1 || cfg_parse(cfg, text, name) == -1 ||
	    cfg_env(cfg) == -1) {
		cm_cfg_free(cfg);
		return (-1);
	}
	return (0);
}

int
cm_cfg_load(struct cm_cfg *cfg, const char *path)
{
	const char	*name = path ? path : CM_CFG_DEFAULT_PATH;
	char		*text;
	size_t		 len = 0;
	int		 rv;

	memset(cfg, 0, sizeof(*cfg));
	if ((text = cm_read_file(name, CFG_FILE_MAX, &len)) == NULL) {
		/* Only the default file may be missing. */
		if (errno != ENOENT || path != NULL)
			return (cm_fail("msg=\"bad config\" err=\"%s: %s\"",
			    name, errno == EFBIG ? "larger than 1 MiB" :
			    strerror(errno)));
	} else if (strlen(text) != len) {
		free(text);
		return (cm_fail("msg=\"bad config\" err=\"%s: contains a "
		    "NUL byte\"", name));
	}
	rv = cm_cfg_load_string(cfg, text ? text : "", name);
	free(text);
	if (rv == 0)
		cm_log_threshold = cm_log_level_parse(cfg->log_level);
	return (rv);
}

void
cm_cfg_free(struct cm_cfg *cfg)
{
	size_t	 i;
	char	**sp;

	for (i = 0; i < CFG_NKEYS; i++) {
		if (cfg_keys[i].type != CFG_T_STR)
			continue;
		sp = (char **)((char *)cfg + cfg_keys[i].off);
		free(*sp);
		*sp = NULL;
	}
}

/* A value is quoted when it would not read back the same bare. */
static void
cfg_dump_value(struct cm_buf *b, const char *v)
{
	const char	*p;

	if (*v != '\0' && strpbrk(v, " \t\"\\#") == NULL) {
		cm_buf_puts(b, v);
		return;
	}
	cm_buf_puts(b, "\"");
	for (p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			cm_buf_puts(b, "\\");
		cm_buf_append(b, p, 1);
	}
	cm_buf_puts(b, "\"");
}

void
cm_cfg_dump(const struct cm_cfg *cfg, int fd)
{
	const struct cfg_key	*k;
	struct cm_buf		 b = { 0 };
	const char		*v;
	size_t			 i, off;
	ssize_t			 n;

	for (i = 0; i < CFG_NKEYS; i++) {
		k = &cfg_keys[i];
		cm_buf_printf(&b, "%s ", k->name);
		if (k->type == CFG_T_INT) {
			cm_buf_printf(&b, "%d\n",
			    *(const int *)((const char *)cfg + k->off));
			continue;
		}
		v = *(char *const *)((const char *)cfg + k->off);
		if (v == NULL)
			v = "";
		if ((k->flags & CFG_SECRET) && *v != '\0')
			cm_buf_puts(&b, "(set)");
		else
			cfg_dump_value(&b, v);
		cm_buf_puts(&b, "\n");
	}
	for (off = 0; off < b.len; off += (size_t)n) {
		n = write(fd, b.data + off, b.len - off);
		if (n == -1 && errno == EINTR)
			n = 0;
		else if (n <= 0)
			break;
	}
	cm_buf_free(&b);
}

int
cm_split_hostport(const char *s, char *host, size_t hostlen, int *port)
{
	const char	*colon, *h = s, *p;
	size_t		 len;
	long		 v;
	char		*end;

	if (s[0] == '[') {
		if ((p = strchr(s, ']')) == NULL || p[1] != ':')
			return (-1);
		h = s + 1;
		len = (size_t)(p - h);
		colon = p + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL)
			return (-1);		/* bare v6 needs brackets */
		len = (size_t)(colon - s);
	}
	if (len == 0 || len >= hostlen)
		return (-1);
	if (!isdigit((unsigned char)colon[1]))
		return (-1);
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (*end != '\0' || errno == ERANGE || v > 65535)
		return (-1);
	memcpy(host, h, len);
	host[len] = '\0';
	*port = (int)v;
	return (0);
}
