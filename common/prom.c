/* Prometheus text format helpers (see prom.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "prom.h"

const double cm_prom_buckets[CM_PROM_NBUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.5, 2.5,
};

void
cm_prom_observe(struct cm_prom_hist *h, uint64_t us)
{
	double s = (double)us / 1e6;
	int i;

	for (i = 0; i < CM_PROM_NBUCKETS; i++)
		if (s <= cm_prom_buckets[i])
			break;
	CM_ADD(&h->counts[i], 1);
	CM_ADD(&h->sum_us, us);
}

void
cm_prom_hist_add(struct cm_prom_hist *dst, const struct cm_prom_hist *src)
{
	int i;

	for (i = 0; i <= CM_PROM_NBUCKETS; i++)
		dst->counts[i] += CM_LOAD(&src->counts[i]);
	dst->sum_us += CM_LOAD(&src->sum_us);
}

void
cm_prom_family(struct cm_buf *b, const char *name, const char *type,
    const char *help)
{
	cm_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

void
cm_prom_sample(struct cm_buf *b, const char *name, const char *labels,
    double value)
{
	if (labels != NULL && labels[0] != '\0')
		cm_buf_printf(b, "%s{%s} %.17g\n", name, labels, value);
	else
		cm_buf_printf(b, "%s %.17g\n", name, value);
}

void
cm_prom_one(struct cm_buf *b, const char *name, const char *type,
    const char *help, double value)
{
	cm_prom_family(b, name, type, help);
	cm_prom_sample(b, name, NULL, value);
}

void
cm_prom_hist(struct cm_buf *b, const char *name, const char *labels,
    const struct cm_prom_hist *h)
{
	const char *sep = labels != NULL && labels[0] != '\0' ? "," : "";
	uint64_t cum = 0;
	int i;

	if (labels == NULL)
		labels = "";
	for (i = 0; i < CM_PROM_NBUCKETS; i++) {
		cum += h->counts[i];
		cm_buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name,
		    labels, sep, cm_prom_buckets[i], (unsigned long long)cum);
	}
	cum += h->counts[CM_PROM_NBUCKETS];
	cm_buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels,
	    sep, (unsigned long long)cum);
	if (labels[0] != '\0') {
		cm_buf_printf(b, "%s_sum{%s} %.6f\n", name, labels,
		    (double)h->sum_us / 1e6);
		cm_buf_printf(b, "%s_count{%s} %llu\n", name, labels,
		    (unsigned long long)cum);
	} else {
		cm_buf_printf(b, "%s_sum %.6f\n", name, (double)h->sum_us / 1e6);
		cm_buf_printf(b, "%s_count %llu\n", name,
		    (unsigned long long)cum);
	}
}

void
cm_prom_label(struct cm_buf *b, const char *key, const char *value)
{
	const char *p;

	if (b->len > 0)
		cm_buf_puts(b, ",");
	cm_buf_printf(b, "%s=\"", key);
	for (p = value; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			cm_buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			cm_buf_puts(b, "\\n");
		else
			cm_buf_append(b, p, 1);
	}
	cm_buf_puts(b, "\"");
}

static long
count_fds(int pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	long n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((d = opendir(path)) == NULL)
		return (0);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

/* CPU seconds, start time and RSS bytes of one process from /proc. */
static int
proc_stat(int pid, double *cpu_s, double *start_s, double *rss)
{
	char buf[1024], path[64], *p;
	unsigned long long ut, st, start;
	long rss_pages;
	double hz = (double)sysconf(_SC_CLK_TCK), boot = 0;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok || (p = strrchr(buf, ')')) == NULL)
		return (-1);
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
	    "%llu %*d %*d %*d %*d %*d %*d %llu %*u %ld", &ut, &st, &start,
	    &rss_pages) != 4)
		return (-1);
	if ((f = fopen("/proc/stat", "r")) != NULL) {
		while (fgets(buf, sizeof(buf), f) != NULL)
			if (sscanf(buf, "btime %lf", &boot) == 1)
				break;
		fclose(f);
	}
	*cpu_s = (double)(ut + st) / hz;
	*start_s = boot + (double)start / hz;
	*rss = (double)rss_pages * (double)sysconf(_SC_PAGESIZE);
	return (0);
}

void
cm_prom_process(struct cm_buf *b, const int *pids, int npids)
{
	struct rlimit rl;
	double cpu = 0, start = 0, rss = 0, fds = 0, c, s0, r;
	int self = getpid(), i;

	if (npids == 0) {
		pids = &self;
		npids = 1;
	}
	for (i = 0; i < npids; i++) {
		if (proc_stat(pids[i], &c, &s0, &r) == -1)
			continue;
		cpu += c;
		rss += r;
		if (start == 0 || s0 < start)
			start = s0;
		fds += (double)count_fds(pids[i]);
	}
	cm_prom_one(b, "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes.", rss);
	cm_prom_one(b, "process_open_fds", "gauge",
	    "Number of open file descriptors.", fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		cm_prom_one(b, "process_max_fds", "gauge",
		    "Maximum number of open file descriptors per process.",
		    (double)rl.rlim_cur);
	cm_prom_one(b, "process_cpu_seconds_total", "counter",
	    "Total user and system CPU time spent in seconds.", cpu);
	cm_prom_one(b, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.", start);
}
