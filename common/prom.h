/*
 * Prometheus text exposition format 0.0.4, written into a cm_buf.
 * Families: one HELP and one TYPE line, then the samples.  Names follow
 * the conventions: a confab_ prefix, base units in the name, _total on
 * counters.  Label values are escaped here.
 */
#ifndef CM_PROM_H
#define CM_PROM_H

#include <stdint.h>

#include "util.h"

#define CM_PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* Latency buckets in seconds, shared by every duration histogram. */
#define CM_PROM_NBUCKETS	12
extern const double cm_prom_buckets[CM_PROM_NBUCKETS];

/* A histogram that many threads (or processes, in shared memory) feed. */
struct cm_prom_hist {
	uint64_t	counts[CM_PROM_NBUCKETS + 1];	/* last: +Inf */
	uint64_t	sum_us;
};

/* Records one observation of us microseconds (atomic). */
void	cm_prom_observe(struct cm_prom_hist *h, uint64_t us);
/* Adds src into dst (for summing per-worker histograms). */
void	cm_prom_hist_add(struct cm_prom_hist *dst, const struct cm_prom_hist *src);

/* "# HELP name help\n# TYPE name type\n". */
void	cm_prom_family(struct cm_buf *b, const char *name, const char *type,
	    const char *help);
/*
 * One sample: name{labels} value.  labels is NULL or a preformatted
 * label list such as "role=\"agent\"" (use cm_prom_label for values
 * that come from outside).
 */
void	cm_prom_sample(struct cm_buf *b, const char *name, const char *labels,
	    double value);
/* A family with a single unlabelled sample: HELP, TYPE and the value. */
void	cm_prom_one(struct cm_buf *b, const char *name, const char *type,
	    const char *help, double value);
/* The _bucket, _sum and _count lines of a histogram. */
void	cm_prom_hist(struct cm_buf *b, const char *name, const char *labels,
	    const struct cm_prom_hist *h);
/* Appends key="value" with value escaped, and a leading comma if b is not empty. */
void	cm_prom_label(struct cm_buf *b, const char *key, const char *value);

/* Atomic helpers for counters shared between threads or processes. */
#define CM_ADD(p, n)	__atomic_fetch_add((p), (n), __ATOMIC_RELAXED)
#define CM_LOAD(p)	__atomic_load_n((p), __ATOMIC_RELAXED)

/*
 * process_* families (RSS, fds, CPU, start time), summed over pids (the
 * gateway's master and workers); this process when npids is 0.
 */
void	cm_prom_process(struct cm_buf *b, const int *pids, int npids);

#endif
