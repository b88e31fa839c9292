/* Small helpers shared by every process: time, ids, strings, JSON. */
#ifndef CM_UTIL_H
#define CM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Wall clock in milliseconds since the epoch. */
int64_t	cm_now_ms(void);
/* Monotonic clock in milliseconds. */
int64_t	cm_mono_ms(void);

/*
 * Writes n random base64url characters and a NUL into out (n + 1 bytes),
 * from getrandom(2).  Returns 0, or -1 if the kernel gave no entropy.
 */
int	cm_random_id(char *out, size_t n);

/* Copies at most size - 1 bytes and terminates; returns strlen(src). */
size_t	cm_strlcpy(char *dst, const char *src, size_t size);

/* Borrowed string member of obj, or NULL if absent or not a string. */
const char *cm_json_str(const cJSON *obj, const char *key);

/* {"ok":false,"error":{"code":code,"message":message}}; caller frees. */
cJSON	*cm_json_error(const char *code, const char *message);

/*
 * Parses len bytes of JSON (need not be NUL terminated), refusing
 * nesting deeper than CM_JSON_MAX_DEPTH.  Returns NULL if invalid.
 */
#define CM_JSON_MAX_DEPTH	32
cJSON	*cm_json_parse(const char *text, size_t len);

/*
 * Appends to a growing buffer.  A struct cm_buf starts zeroed; data is
 * always NUL terminated after the first append; free with cm_buf_free.
 * On allocation failure the program aborts (we do not limp on OOM).
 */
struct cm_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	cm_buf_append(struct cm_buf *b, const void *p, size_t n);
void	cm_buf_puts(struct cm_buf *b, const char *s);
void	cm_buf_printf(struct cm_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void	cm_buf_json_str(struct cm_buf *b, const char *s);
void	cm_buf_free(struct cm_buf *b);

/*
 * Reads a whole regular file of at most max bytes.  Returns a malloc'd
 * buffer with a NUL after the data (caller frees) and its length in
 * *lenp; or NULL with errno set (from open/read, EINVAL if not a
 * regular file, EFBIG if larger than max), without logging.
 */
char	*cm_read_file(const char *path, size_t max, size_t *lenp);

/* malloc/calloc/strdup that abort on failure. */
void	*cm_malloc(size_t n);
void	*cm_calloc(size_t n, size_t size);
char	*cm_strdup(const char *s);

#endif
