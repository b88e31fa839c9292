/*
 * Logging: one line per event on stderr, key=value fields, syslog levels.
 *
 * Every line starts with the sd-daemon priority prefix "<N>" so journald
 * files it at the right level, then "svc=NAME" (and "worker=N" once set),
 * then the caller's text, which should itself be key=value fields:
 *
 *	<4>svc=gateway worker=1 msg="redis reconnect" attempt=3 err="refused"
 *
 * Outside journald a timestamp is added after the prefix.  The level test
 * happens in the macro, before the arguments are evaluated, so disabled
 * debug lines cost nothing.  Never log tokens, secrets or message text.
 */
#ifndef CM_LOG_H
#define CM_LOG_H

#include <stdarg.h>

enum cm_log_level {
	CM_LOG_ERR = 3,
	CM_LOG_WARNING = 4,
	CM_LOG_NOTICE = 5,
	CM_LOG_INFO = 6,
	CM_LOG_DEBUG = 7,
};

extern int cm_log_threshold;	/* lines above this level are dropped */

/* Sets the service name shown as svc=; call once at start. */
void	cm_log_init(const char *svc);
/* Adds worker=SLOT to every later line (gateway workers); -1 removes it. */
void	cm_log_set_worker(int slot);
/* "err", "warning", "notice", "info", "debug"; returns -1 if unknown. */
int	cm_log_level_parse(const char *name);
void	cm_log_write(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	cm_log_vwrite(int level, const char *fmt, va_list ap);

#define cm_log(level, ...) do {						\
	if ((level) <= cm_log_threshold)				\
		cm_log_write((level), __VA_ARGS__);			\
} while (0)
#define cm_log_err(...)		cm_log(CM_LOG_ERR, __VA_ARGS__)
#define cm_log_warn(...)	cm_log(CM_LOG_WARNING, __VA_ARGS__)
#define cm_log_notice(...)	cm_log(CM_LOG_NOTICE, __VA_ARGS__)
#define cm_log_info(...)	cm_log(CM_LOG_INFO, __VA_ARGS__)
#define cm_log_debug(...)	cm_log(CM_LOG_DEBUG, __VA_ARGS__)

/* Logs at ERR and returns -1, so "return cm_fail(...)" reports and fails. */
int	cm_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Logs at ERR and exits with status; for start-up only. */
void	cm_fatal(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
