/*
 * Small helpers shared by every process: clocks, random ids, bounded
 * string copies, JSON parsing with a depth limit, and a growing buffer
 * that writes JSON string literals.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int64_t
cm_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int64_t
cm_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * One random byte per character.  The alphabet has 64 symbols and 256
 * is a multiple of 64, so masking the low six bits keeps it uniform.
 */
int
cm_random_id(char *out, size_t n)
{
	unsigned char	 raw[64];
	size_t		 done = 0, chunk, i;
	ssize_t		 got;

	while (done < n) {
		chunk = n - done < sizeof(raw) ? n - done : sizeof(raw);
		got = getrandom(raw, chunk, 0);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			return (cm_fail("msg=\"getrandom failed\" err=\"%s\"",
			    strerror(errno)));
		for (i = 0; i < (size_t)got; i++)
			out[done + i] = b64url[raw[i] & 0x3f];
		done += (size_t)got;
	}
	out[n] = '\0';
	return (0);
}

size_t
cm_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	 len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return (len);
}

const char *
cm_json_str(const cJSON *obj, const char *key)
{
	const cJSON	*item;

	if (obj == NULL || !cJSON_IsObject(obj))
		return (NULL);
	item = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsString(item))
		return (NULL);
	return (item->valuestring);
}

cJSON *
cm_json_error(const char *code, const char *message)
{
	cJSON	*root, *err;

	root = cJSON_CreateObject();
	err = cJSON_CreateObject();
	if (root == NULL || err == NULL) {
		cm_log_err("msg=\"out of memory\"");
		abort();
	}
	cJSON_AddItemToObject(root, "ok", cJSON_CreateFalse());
	cJSON_AddItemToObject(err, "code", cJSON_CreateString(code));
	cJSON_AddItemToObject(err, "message", cJSON_CreateString(message));
	cJSON_AddItemToObject(root, "error", err);
	return (root);
}

/*
 * Returns the deepest nesting of arrays and objects in text, ignoring
 * brackets inside strings, stopping as soon as it passes limit.  cJSON
 * recurses once per level, so this runs before it ever sees the text.
 */
static int
json_depth(const char *text, size_t len, int limit)
{
	size_t	 i;
	int	 depth = 0, max = 0, in_str = 0;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (in_str) {
			if (c == '\\')
				i++;		/* skip the escaped byte */
			else if (c == '"')
				in_str = 0;
			continue;
		}
		switch (c) {
		case '"':
			in_str = 1;
			break;
		case '[':
		case '{':
			if (++depth > max)
				max = depth;
			if (max > limit)
				return (max);
			break;
		case ']':
		case '}':
			depth--;
			break;
		}
	}
	return (max);
}

cJSON *
cm_json_parse(const char *text, size_t len)
{
	const char	*end = NULL;
	cJSON		*root;

	if (text == NULL || len == 0)
		return (NULL);
	if (json_depth(text, len, CM_JSON_MAX_DEPTH) > CM_JSON_MAX_DEPTH) {
		cm_log_debug("msg=\"json too deep\" limit=%d",
		    CM_JSON_MAX_DEPTH);
		return (NULL);
	}
	if ((root = cJSON_ParseWithLengthOpts(text, len, &end, 0)) == NULL)
		return (NULL);

	/* cJSON stops after the first value; refuse trailing bytes. */
	while (end < text + len &&
	    (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end != text + len) {
		cJSON_Delete(root);
		return (NULL);
	}
	return (root);
}

/* Makes room for n more bytes plus the terminating NUL. */
static void
buf_reserve(struct cm_buf *b, size_t n)
{
	size_t	 cap;
	char	*p;

	if (b->len + n + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			cm_log_err("msg=\"buffer too large\"");
			abort();
		}
		cap *= 2;
	}
	if ((p = realloc(b->data, cap)) == NULL) {
		cm_log_err("msg=\"out of memory\" size=%zu", cap);
		abort();
	}
	b->data = p;
	b->cap = cap;
}

void
cm_buf_append(struct cm_buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
cm_buf_puts(struct cm_buf *b, const char *s)
{
	cm_buf_append(b, s, strlen(s));
}

void
cm_buf_printf(struct cm_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		cm_log_err("msg=\"bad format\" fmt=\"%s\"", fmt);
		abort();
	}
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * RFC 8259 section 7: quotation mark, reverse solidus and the control
 * characters must be escaped; everything else, UTF-8 included, may pass
 * as is.  A NULL s is written as an empty string.
 */
void
cm_buf_json_str(struct cm_buf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	const unsigned char	*run;
	char			 esc[7];

	cm_buf_append(b, "\"", 1);
	if (s == NULL)
		s = "";
	for (run = p = (const unsigned char *)s; *p != '\0'; p++) {
		const char *rep = NULL;

		switch (*p) {
		case '"':  rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\b': rep = "\\b"; break;
		case '\f': rep = "\\f"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			if (*p >= 0x20)
				continue;
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			esc[6] = '\0';
			rep = esc;
			break;
		}
		cm_buf_append(b, run, (size_t)(p - run));
		cm_buf_puts(b, rep);
		run = p + 1;
	}
	cm_buf_append(b, run, (size_t)(p - run));
	cm_buf_append(b, "\"", 1);
}

void
cm_buf_free(struct cm_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
cm_read_file(const char *path, size_t max, size_t *lenp)
{
	struct stat	 st;
	char		*buf;
	size_t		 off = 0;
	ssize_t		 n = 0;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > max) {
		saved = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		close(fd);
		errno = saved;
		return (NULL);
	}
	buf = cm_malloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;			/* -1, or it shrank */
		off += (size_t)n;
	}
	saved = errno;
	close(fd);
	if (n == -1) {
		free(buf);
		errno = saved;
		return (NULL);
	}
	buf[off] = '\0';
	*lenp = off;
	return (buf);
}

void *
cm_malloc(size_t n)
{
	void	*p;

	if ((p = malloc(n ? n : 1)) == NULL) {
		cm_log_err("msg=\"out of memory\" size=%zu", n);
		abort();
	}
	return (p);
}

void *
cm_calloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL) {
		cm_log_err("msg=\"out of memory\" size=%zu", n * size);
		abort();
	}
	return (p);
}

char *
cm_strdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL) {
		cm_log_err("msg=\"out of memory\"");
		abort();
	}
	return (p);
}
