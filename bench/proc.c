/*
 * The server's side of the figures, read from /proc: the CPU time
 * (user + system, every thread) and the resident memory (VmRSS) of the
 * processes given with --pid and of all their descendants (the
 * gateway's workers are children of its master), summed.  A process
 * that ended between two samples simply stops counting.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* Reads a small /proc file into buf; returns its length or -1. */
static ssize_t
proc_read(const char *path, char *buf, size_t size)
{
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return (-1);
	buf[n] = '\0';
	return (n);
}

/* Adds pid and its descendants to list (no duplicates); returns n. */
static int
proc_collect(pid_t pid, pid_t *list, int n)
{
	char		 path[64], buf[4096], *p, *end;
	struct dirent	*de;
	DIR		*d;
	long		 child;
	int		 i;

	for (i = 0; i < n; i++)
		if (list[i] == pid)
			return (n);
	if (n >= BN_MAX_PROCS)
		return (n);
	list[n++] = pid;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return (n);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
		    (int)pid, de->d_name);
		if (proc_read(path, buf, sizeof(buf)) <= 0)
			continue;
		for (p = buf; ; p = end) {
			child = strtol(p, &end, 10);
			if (end == p || child <= 0)
				break;
			n = proc_collect((pid_t)child, list, n);
		}
	}
	closedir(d);
	return (n);
}

/*
 * utime + stime of pid in µs, its VmRSS in KiB and its name (comm);
 * -1 if gone.
 */
static int
proc_one(pid_t pid, int64_t *cpu_us, int64_t *rss_kib, char *comm,
    size_t commlen)
{
	static long	 hz;
	char		 path[64], buf[4096], *p, *q;
	unsigned long	 ut, st;
	long		 pages;
	int		 i;

	if (hz == 0 && (hz = sysconf(_SC_CLK_TCK)) <= 0)
		hz = 100;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (proc_read(path, buf, sizeof(buf)) <= 0 ||
	    (p = strrchr(buf, ')')) == NULL)
		return (-1);
	if ((q = strchr(buf, '(')) != NULL && q < p)
		snprintf(comm, commlen, "%.*s", (int)(p - q - 1), q + 1);
	/* After "pid (comm)": field 3 is the state; utime is field 14. */
	p += 2;
	for (i = 3; i < 14 && p != NULL; i++)
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	if (p == NULL || sscanf(p, "%lu %lu", &ut, &st) != 2)
		return (-1);
	*cpu_us = (int64_t)(ut + st) * 1000000 / hz;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if (proc_read(path, buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%*d %ld", &pages) != 1)
		return (-1);
	*rss_kib = (int64_t)pages * (sysconf(_SC_PAGESIZE) / 1024);
	return (0);
}

void
bn_proc_sample(const struct bn_opts *o, struct bn_proc_sample *s)
{
	pid_t		 list[BN_MAX_PROCS];
	struct bn_proc	*p;
	int		 n = 0, i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < o->npids; i++)
		n = proc_collect(o->pids[i], list, n);
	for (i = 0; i < n; i++) {
		p = &s->procs[s->nprocs];
		if (proc_one(list[i], &p->cpu_us, &p->rss_kib, p->comm,
		    sizeof(p->comm)) == -1)
			continue;
		p->pid = list[i];
		s->cpu_us += p->cpu_us;
		s->rss_kib += p->rss_kib;
		s->nprocs++;
	}
}

/* The CPU time of pid in s0, or -1. */
static int64_t
proc_cpu_in(const struct bn_proc_sample *s0, pid_t pid)
{
	int	 i;

	for (i = 0; s0 != NULL && i < s0->nprocs; i++)
		if (s0->procs[i].pid == pid)
			return (s0->procs[i].cpu_us);
	return (-1);
}

void
bn_proc_print(FILE *fp, const struct bn_proc_sample *s0,
    const struct bn_proc_sample *s1, int json)
{
	const struct bn_proc	*p;
	int64_t			 c0;
	int			 i;

	if (json)
		fputc('[', fp);
	for (i = 0; i < s1->nprocs; i++) {
		p = &s1->procs[i];
		c0 = proc_cpu_in(s0, p->pid);
		if (json)
			fprintf(fp, "%s{\"comm\":\"%s\",\"pid\":%d,"
			    "\"rss_kib\":%lld,\"cpu_s\":%.3f}", i ? "," : "",
			    p->comm, (int)p->pid, (long long)p->rss_kib,
			    c0 >= 0 ? (p->cpu_us - c0) / 1e6 : -1.0);
		else if (c0 >= 0)
			fprintf(fp, "    %-16s %7d: CPU %6.2f s, RSS %7.1f MiB\n",
			    p->comm, (int)p->pid, (p->cpu_us - c0) / 1e6,
			    p->rss_kib / 1024.0);
		else
			fprintf(fp, "    %-16s %7d: RSS %7.1f MiB\n", p->comm,
			    (int)p->pid, p->rss_kib / 1024.0);
	}
	if (json)
		fputc(']', fp);
}
