/*
 * Logging.  Every line is built in one stack buffer and handed to the
 * kernel with a single write(2) on stderr, so lines from many processes
 * and threads sharing the descriptor never interleave.  Lines longer
 * than CM_LOG_LINE_MAX are cut, keeping the newline.
 *
 * Under journald (JOURNAL_STREAM names our stderr) the journal adds the
 * time itself, so the ts= field is left out.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define CM_LOG_LINE_MAX	4096

int		 cm_log_threshold = CM_LOG_NOTICE;

static char	 log_svc[32] = "confab";
static int	 log_worker = -1;
static int	 log_journal = -1;	/* -1: not checked yet */

static const struct {
	const char	*name;
	int		 level;
} log_levels[] = {
	{ "err",	CM_LOG_ERR },
	{ "warning",	CM_LOG_WARNING },
	{ "notice",	CM_LOG_NOTICE },
	{ "info",	CM_LOG_INFO },
	{ "debug",	CM_LOG_DEBUG },
};

/*
 * Returns 1 if stderr is the stream journald handed us.  systemd sets
 * JOURNAL_STREAM to "DEVICE:INODE" of that stream; a child whose stderr
 * was redirected elsewhere inherits the variable, hence the fstat.
 */
static int
log_under_journal(void)
{
	struct stat	 st;
	const char	*env;
	unsigned long long dev, ino;

	if ((env = getenv("JOURNAL_STREAM")) == NULL)
		return (0);
	if (sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return (0);
	if (fstat(STDERR_FILENO, &st) == -1)
		return (0);
	return ((unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino);
}

void
cm_log_init(const char *svc)
{
	size_t	 n;

	n = strlen(svc);
	if (n >= sizeof(log_svc))
		n = sizeof(log_svc) - 1;
	memcpy(log_svc, svc, n);
	log_svc[n] = '\0';
	log_journal = log_under_journal();
}

void
cm_log_set_worker(int slot)
{
	log_worker = slot < 0 ? -1 : slot;
}

int
cm_log_level_parse(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcmp(name, log_levels[i].name) == 0)
			return (log_levels[i].level);
	return (-1);
}

/* Appends "ts=2024-05-01T12:00:00.123Z " to buf; returns bytes written. */
static int
log_timestamp(char *buf, size_t size)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 date[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL)
		return (0);
	if (strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return (0);
	return (snprintf(buf, size, "ts=%s.%03ldZ ", date,
	    ts.tv_nsec / 1000000));
}

void
cm_log_vwrite(int level, const char *fmt, va_list ap)
{
	char	 line[CM_LOG_LINE_MAX];
	size_t	 len = 0, off;
	ssize_t	 n;
	int	 saved_errno = errno, rv;

	if (level > cm_log_threshold)
		return;
	if (log_journal == -1)
		log_journal = log_under_journal();

	len = (size_t)snprintf(line, sizeof(line), "<%d>", level);
	if (!log_journal)
		len += (size_t)log_timestamp(line + len, sizeof(line) - len);
	len += (size_t)snprintf(line + len, sizeof(line) - len, "svc=%s ",
	    log_svc);
	if (log_worker >= 0)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    "worker=%d ", log_worker);

	/* The prefix fits easily: log_svc is bounded to 31 bytes. */
	rv = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (rv > 0)
		len += (size_t)rv;
	if (len > sizeof(line) - 1)
		len = sizeof(line) - 1;		/* cut: keep room for \n */
	line[len++] = '\n';

	for (off = 0; off < len; off += (size_t)n) {
		n = write(STDERR_FILENO, line + off, len - off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			break;
	}
	errno = saved_errno;
}

void
cm_log_write(int level, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cm_log_vwrite(level, fmt, ap);
	va_end(ap);
}

int
cm_fail(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cm_log_vwrite(CM_LOG_ERR, fmt, ap);
	va_end(ap);
	return (-1);
}

void
cm_fatal(int status, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cm_log_vwrite(CM_LOG_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}
