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

/* utime + stime of pid in µs, and its VmRSS in KiB; -1 if gone. */
static int
proc_one(pid_t pid, int64_t *cpu_us, int64_t *rss_kib)
{
	static long	 hz;
	char		 path[64], buf[4096], *p;
	unsigned long	 ut, st;
	long		 pages;
	int		 i;

	if (hz == 0 && (hz = sysconf(_SC_CLK_TCK)) <= 0)
		hz = 100;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (proc_read(path, buf, sizeof(buf)) <= 0 ||
	    (p = strrchr(buf, ')')) == NULL)
		return (-1);
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
	    sscanf(buf, "%*ld %ld", &pages) != 1)
		return (-1);
	*rss_kib = (int64_t)pages * (sysconf(_SC_PAGESIZE) / 1024);
	return (0);
}

void
bn_proc_sample(const struct bn_opts *o, struct bn_proc_sample *s)
{
	pid_t	 list[BN_MAX_PROCS];
	int64_t	 cpu, rss;
	int	 n = 0, i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < o->npids; i++)
		n = proc_collect(o->pids[i], list, n);
	for (i = 0; i < n; i++) {
		if (proc_one(list[i], &cpu, &rss) == -1)
			continue;
		s->cpu_us += cpu;
		s->rss_kib += rss;
		s->nprocs++;
	}
}
