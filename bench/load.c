/*
 * The run: the event loop, opening connections (at most --parallel
 * handshakes at once), the idle steps (memory per connection) and the
 * rate phases (chat messages at a fixed aggregate rate, open loop, for
 * a fixed time, then a bounded drain), and their figures.
 *
 * A message's number is also its Socket.IO ack id and is written at the
 * start of its text ("#123#xxxx"), so an ack or a delivery finds its
 * record in ctx->msgs without any table lookup.  Latency is taken on
 * this process's monotonic clock, from just before the frame is written
 * to the parse of the delivery; it includes the generator's own delays,
 * which is why its busy figures are printed too.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "util.h"

#define BN_SAMPLE_US	200000	/* server RSS sampling period */

int64_t
bn_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* xorshift64*: masks and keys need no more than this. */
uint64_t
bn_rand(struct bn_ctx *ctx)
{
	ctx->rng ^= ctx->rng >> 12;
	ctx->rng ^= ctx->rng << 25;
	ctx->rng ^= ctx->rng >> 27;
	return (ctx->rng * 0x2545F4914F6CDD1DULL);
}

static int64_t
cpu_self_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void
push_u32(uint32_t **a, uint64_t *n, uint64_t *cap, uint32_t v)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		if ((*a = realloc(*a, *cap * sizeof(**a))) == NULL)
			abort();
	}
	(*a)[(*n)++] = v;
}

static void
sample_rss(struct bn_ctx *ctx, int64_t now)
{
	struct bn_proc_sample	 s;

	if (now - ctx->last_sample_us < BN_SAMPLE_US || ctx->o->npids == 0)
		return;
	ctx->last_sample_us = now;
	bn_proc_sample(ctx->o, &s);
	if (s.rss_kib > ctx->sample_peak_kib)
		ctx->sample_peak_kib = s.rss_kib;
}

/* Opens connections up to want, keeping --parallel handshakes going. */
static void
open_more(struct bn_ctx *ctx, int want)
{
	while (ctx->opened < want && ctx->inflight < ctx->o->parallel)
		bn_conn_open(ctx, &ctx->conns[ctx->opened++]);
}

void
bn_loop_once(struct bn_ctx *ctx, int timeout_ms)
{
	struct epoll_event	 ev[256];
	int64_t			 t0 = bn_now_us(), t1;
	int			 n, i;

	n = epoll_wait(ctx->ep, ev, 256, timeout_ms);
	t1 = bn_now_us();
	ctx->idle_wait_us += t1 - t0;
	for (i = 0; i < n; i++)
		bn_conn_on_event(ctx, &ctx->conns[ev[i].data.u32],
		    ev[i].events);
	sample_rss(ctx, t1);
}

/* Opens connections up to want; returns when done or the time is up. */
static void
connect_to(struct bn_ctx *ctx, int want, double *secs)
{
	int64_t	 t0 = bn_now_us(), deadline;

	deadline = t0 + (int64_t)(ctx->o->connect_timeout_s * 1e6);
	while (bn_now_us() < deadline) {
		open_more(ctx, want);
		if (ctx->opened >= want && ctx->inflight == 0)
			break;
		bn_loop_once(ctx, 10);
	}
	*secs = (double)(bn_now_us() - t0) / 1e6;
}

/* Runs the loop for secs, answering pings. */
static void
hold(struct bn_ctx *ctx, double secs)
{
	int64_t	 end = bn_now_us() + (int64_t)(secs * 1e6);

	while (bn_now_us() < end)
		bn_loop_once(ctx, 20);
}

/*
 * Idle steps: opens connections up to each step, waits --settle, and
 * reports the server's RSS growth per connection since before the
 * first connection.
 */
int
bn_run_idle(struct bn_ctx *ctx)
{
	const struct bn_opts	*o = ctx->o;
	struct bn_proc_sample	 base, s;
	double			 secs, per;
	int			 i;

	bn_proc_sample(o, &base);
	for (i = 0; i < o->nidle; i++) {
		connect_to(ctx, o->idle[i], &secs);
		hold(ctx, o->settle_s);
		bn_proc_sample(o, &s);
		per = ctx->ready > 0 ? (double)(s.rss_kib - base.rss_kib) *
		    1024 / ctx->ready : 0;
		if (o->json)
			printf("{\"kind\":\"idle\",\"label\":\"%s\","
			    "\"conns\":%d,\"ready\":%d,\"failed\":%d,"
			    "\"connect_s\":%.2f,\"rss_base_kib\":%lld,"
			    "\"rss_kib\":%lld,\"bytes_per_conn\":%.0f,"
			    "\"nprocs\":%d,\"procs\":", o->label, o->idle[i],
			    ctx->ready, ctx->failed, secs,
			    (long long)base.rss_kib, (long long)s.rss_kib, per,
			    s.nprocs);
		else
			printf("idle %d: %d connected (%d failed) in %.2f s; "
			    "server RSS %.1f -> %.1f MiB over %d processes: "
			    "%.0f bytes per connection\n", o->idle[i],
			    ctx->ready, ctx->failed, secs,
			    base.rss_kib / 1024.0, s.rss_kib / 1024.0,
			    s.nprocs, per);
		bn_proc_print(stdout, NULL, &s, o->json);
		if (o->json) {
			printf(",\"base_procs\":");
			bn_proc_print(stdout, NULL, &base, 1);
			printf("}\n");
		}
		fflush(stdout);
		if (ctx->ready < o->idle[i])
			ctx->fails++;
	}
	return (0);
}

/*
 * The sender of message number id: conversations take turns, and
 * within one the members take turns.  A member that is not connected
 * passes its turn to the next; in agent mode an agent waits until the
 * customer's first ack has told the conversation's id.
 */
static struct bn_conn *
pick_sender(struct bn_ctx *ctx, uint32_t id, uint8_t *others)
{
	const struct bn_opts	*o = ctx->o;
	struct bn_conv		*cv = &ctx->convs[id % (uint32_t)ctx->nconvs];
	struct bn_conn		*c, *pick = NULL;
	uint32_t		 k = o->conv_size, turn, i;
	int			 ready = 0;

	turn = (id / (uint32_t)ctx->nconvs) % k;
	for (i = 0; i < k; i++) {
		c = &ctx->conns[cv->first + (turn + i) % k];
		if (c->state != BN_READY)
			continue;
		ready++;
		if (pick == NULL && (!c->is_agent || cv->chat_id != NULL))
			pick = c;
	}
	*others = (uint8_t)(ready > 0 ? ready - 1 : 0);
	return (pick);
}

static void
send_one(struct bn_ctx *ctx, struct bn_phase *ph)
{
	const struct bn_opts	*o = ctx->o;
	struct bn_conn		*c;
	struct bn_msg		*m;
	struct cm_buf		 b = { 0 };
	uint32_t		 id = ctx->nmsgs;
	uint8_t			 others;
	char			 mark[16];
	int			 n;

	if (id >= ctx->capmsgs || (c = pick_sender(ctx, id, &others)) ==
	    NULL) {
		ph->skipped++;
		return;
	}
	cm_buf_printf(&b, "42%s,%u[\"chat-message\",{", o->nsp, id);
	if (c->is_agent) {
		cm_buf_puts(&b, "\"chatId\":");
		cm_buf_json_str(&b, ctx->convs[c->conv].chat_id);
		cm_buf_puts(&b, ",");
	}
	n = snprintf(mark, sizeof(mark), "#%u#", id);
	cm_buf_puts(&b, "\"text\":\"");
	cm_buf_append(&b, mark, (size_t)n);
	for (n = o->msg_bytes - n; n > 0; n--)
		cm_buf_append(&b, "x", 1);
	cm_buf_printf(&b, "\",\"clientMsgId\":\"%s-%u\"}]", ctx->tag, id);
	m = &ctx->msgs[ctx->nmsgs++];
	memset(m, 0, sizeof(*m));
	m->sender = c->idx;
	m->expect = others;
	m->sent_us = bn_now_us();
	ph->sent++;
	ph->expected += others;
	bn_conn_send_text(ctx, c, b.data, b.len);
	cm_buf_free(&b);
}

/* Reads the number after "#" in the text of a delivery; -1 if none. */
static int64_t
delivery_id(const char *p, size_t n)
{
	const char	*t;
	int64_t		 id = 0;
	size_t		 i;

	if ((t = memmem(p, n, "\"text\":\"#", 9)) == NULL)
		return (-1);
	i = (size_t)(t - p) + 9;
	if (i >= n || p[i] < '0' || p[i] > '9')
		return (-1);
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		id = id * 10 + (p[i] - '0');
	return (id);
}

void
bn_on_delivery(struct bn_ctx *ctx, struct bn_conn *c, const char *p,
    size_t n)
{
	struct bn_phase	*ph = ctx->phase;
	struct bn_msg	*m;
	int64_t		 id = delivery_id(p, n);

	if (id < 0 || id >= ctx->nmsgs) {
		ctx->stray++;
		return;
	}
	m = &ctx->msgs[id];
	if (ph == NULL || (uint32_t)id < ph->base) {
		ctx->late++;
		return;
	}
	if (m->sender == c->idx) {
		m->self++;
		ph->echoes++;
		return;
	}
	if (m->others++ >= m->expect) {
		ctx->stray++;		/* a duplicate */
		return;
	}
	ph->delivered++;
	push_u32(&ph->lat, &ph->nlat, &ph->caplat,
	    (uint32_t)(bn_now_us() - m->sent_us));
}

/* Copies the chatId of a customer's ack into its conversation. */
static void
learn_chat_id(struct bn_ctx *ctx, struct bn_conn *c, const char *p,
    size_t n)
{
	struct bn_conv	*cv = &ctx->convs[c->conv];
	const char	*t, *e;

	if (cv->chat_id != NULL ||
	    (t = memmem(p, n, "\"chatId\":\"", 10)) == NULL)
		return;
	t += 10;
	if ((e = memchr(t, '"', n - (size_t)(t - p))) == NULL)
		return;
	cv->chat_id = cm_malloc((size_t)(e - t) + 1);
	memcpy(cv->chat_id, t, (size_t)(e - t));
	cv->chat_id[e - t] = '\0';
}

void
bn_on_ack(struct bn_ctx *ctx, struct bn_conn *c, uint64_t id, const char *p,
    size_t n)
{
	struct bn_phase	*ph = ctx->phase;
	struct bn_msg	*m;
	int		 ok;

	if (id >= ctx->nmsgs || ctx->msgs[id].sender != c->idx ||
	    ctx->msgs[id].acked) {
		ctx->stray++;
		return;
	}
	m = &ctx->msgs[id];
	ok = memmem(p, n < 40 ? n : 40, "\"ok\":true", 9) != NULL;
	m->acked = ok ? 1 : 2;
	if (ok && !c->is_agent && ctx->o->mode == BN_MODE_AGENT)
		learn_chat_id(ctx, c, p, n);
	if (ph == NULL || id < ph->base) {
		ctx->late++;
		return;
	}
	if (!ok) {
		ph->ack_errors++;
		if (ctx->first_nack[0] == '\0')
			snprintf(ctx->first_nack, sizeof(ctx->first_nack),
			    "%.*s", (int)(n < 150 ? n : 150), p);
		return;
	}
	ph->acked++;
	push_u32(&ph->acklat, &ph->nacklat, &ph->capacklat,
	    (uint32_t)(bn_now_us() - m->sent_us));
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/* The q-quantile of sorted a, in ms. */
static double
quantile(const uint32_t *a, uint64_t n, double q)
{
	uint64_t i;

	if (n == 0)
		return (0);
	i = (uint64_t)(q * (double)n);
	return ((double)a[i < n ? i : n - 1] / 1000.0);
}

/* Sends at ph->rate for secs (open loop: nothing waits for acks). */
static void
phase_send(struct bn_ctx *ctx, struct bn_phase *ph, double secs)
{
	double	 rate = ph->rate;
	int64_t	 dur = (int64_t)(secs * 1e6), now, due, next;
	uint64_t total = (uint64_t)(rate * secs), done = 0;

	ph->start_us = bn_now_us();
	for (;;) {
		now = bn_now_us();
		if (now - ph->start_us >= dur || done >= total)
			break;
		due = (int64_t)((double)(now - ph->start_us) * rate / 1e6) + 1;
		while ((int64_t)done < due && done < total) {
			send_one(ctx, ph);
			done++;
		}
		next = ph->start_us + (int64_t)((double)done * 1e6 / rate);
		now = bn_now_us();
		bn_loop_once(ctx, next > now ? (int)((next - now + 999) / 1000) :
		    0);
	}
	ph->end_us = bn_now_us();
}

/* Waits until every ack and delivery came, or --drain ran out. */
static void
phase_drain(struct bn_ctx *ctx, struct bn_phase *ph)
{
	int64_t	 end = bn_now_us() + (int64_t)(ctx->o->drain_s * 1e6);

	while (bn_now_us() < end &&
	    (ph->acked + ph->ack_errors < ph->sent ||
	    ph->delivered < ph->expected))
		bn_loop_once(ctx, 5);
	ph->done_us = bn_now_us();
}

static void
phase_report(struct bn_ctx *ctx, struct bn_phase *ph,
    const struct bn_proc_sample *s0, const struct bn_proc_sample *s1,
    int64_t gen_cpu, int64_t gen_idle)
{
	const struct bn_opts	*o = ctx->o;
	double	 secs = (double)(ph->end_us - ph->start_us) / 1e6;
	double	 wall = (double)(ph->done_us - ph->start_us) / 1e6;
	double	 cpu = (double)(s1->cpu_us - s0->cpu_us);
	double	 all = (double)(ph->delivered + ph->echoes);
	double	 p50, p90, p99, max, a50, a99;
	uint64_t lost = ph->expected - ph->delivered;
	uint64_t unacked = ph->sent - ph->acked - ph->ack_errors;

	if (ph->nlat > 0)
		qsort(ph->lat, ph->nlat, sizeof(*ph->lat), cmp_u32);
	if (ph->nacklat > 0)
		qsort(ph->acklat, ph->nacklat, sizeof(*ph->acklat), cmp_u32);
	p50 = quantile(ph->lat, ph->nlat, 0.50);
	p90 = quantile(ph->lat, ph->nlat, 0.90);
	p99 = quantile(ph->lat, ph->nlat, 0.99);
	max = ph->nlat ? ph->lat[ph->nlat - 1] / 1000.0 : 0;
	a50 = quantile(ph->acklat, ph->nacklat, 0.50);
	a99 = quantile(ph->acklat, ph->nacklat, 0.99);
	if (o->json) {
		printf("{\"kind\":\"load\",\"label\":\"%s\",\"conns\":%d,"
		    "\"conv_size\":%d,\"mode\":\"%s\",\"rate\":%.0f,"
		    "\"achieved\":%.1f,\"secs\":%.2f,\"sent\":%llu,"
		    "\"acked\":%llu,\"ack_errors\":%llu,\"unacked\":%llu,"
		    "\"expected\":%llu,\"delivered\":%llu,\"echoes\":%llu,"
		    "\"lost\":%llu,\"skipped\":%llu,\"p50_ms\":%.3f,"
		    "\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
		    "\"ack_p50_ms\":%.3f,\"ack_p99_ms\":%.3f,"
		    "\"server_cpu_s\":%.3f,\"us_per_msg\":%.2f,"
		    "\"us_per_delivery\":%.2f,\"peak_rss_kib\":%lld,"
		    "\"nprocs\":%d,\"gen_cpu_pct\":%.1f,"
		    "\"gen_busy_pct\":%.1f,\"ready\":%d,\"procs\":",
		    o->label, ctx->ready, o->conv_size,
		    o->mode == BN_MODE_SAME ? "same" : "agent", ph->rate,
		    ph->sent / secs, secs,
		    (unsigned long long)ph->sent,
		    (unsigned long long)ph->acked,
		    (unsigned long long)ph->ack_errors,
		    (unsigned long long)unacked,
		    (unsigned long long)ph->expected,
		    (unsigned long long)ph->delivered,
		    (unsigned long long)ph->echoes, (unsigned long long)lost,
		    (unsigned long long)ph->skipped, p50, p90, p99, max, a50,
		    a99, cpu / 1e6, ph->sent ? cpu / ph->sent : 0,
		    all > 0 ? cpu / all : 0, (long long)ph->peak_rss_kib,
		    s1->nprocs, 100.0 * gen_cpu / (wall * 1e6),
		    100.0 * (1 - gen_idle / (wall * 1e6)), ctx->ready);
		bn_proc_print(stdout, s0, s1, 1);
		printf("}\n");
	} else {
		printf("rate %.0f/s for %.1f s (achieved %.0f/s): sent %llu, "
		    "acked %llu (%llu errors, %llu missing), delivered "
		    "%llu of %llu to the other members (lost %llu) + %llu "
		    "echoes to the sender\n", ph->rate, secs, ph->sent / secs,
		    (unsigned long long)ph->sent,
		    (unsigned long long)ph->acked,
		    (unsigned long long)ph->ack_errors,
		    (unsigned long long)unacked,
		    (unsigned long long)ph->delivered,
		    (unsigned long long)ph->expected, (unsigned long long)lost,
		    (unsigned long long)ph->echoes);
		printf("  send->delivery ms: p50 %.3f p90 %.3f p99 %.3f max "
		    "%.3f; send->ack ms: p50 %.3f p99 %.3f\n", p50, p90, p99,
		    max, a50, a99);
		printf("  server (%d processes): CPU %.2f s, %.1f us/message, "
		    "%.1f us/delivery, peak RSS %.1f MiB\n", s1->nprocs,
		    cpu / 1e6, ph->sent ? cpu / ph->sent : 0,
		    all > 0 ? cpu / all : 0, ph->peak_rss_kib / 1024.0);
		bn_proc_print(stdout, s0, s1, 0);
		printf("  generator: CPU %.1f%%, loop busy %.1f%%\n",
		    100.0 * gen_cpu / (wall * 1e6),
		    100.0 * (1 - gen_idle / (wall * 1e6)));
	}
	fflush(stdout);
}

/*
 * Whether a phase passes the --stop-p99 test: nothing lost or unacked,
 * its rate actually sent, p99 under the limit.  ph->lat is sorted
 * (phase_report did it).
 */
static int
phase_ok(const struct bn_ctx *ctx, const struct bn_phase *ph)
{
	double	 secs = (double)(ph->end_us - ph->start_us) / 1e6;

	if (ph->delivered < ph->expected || ph->acked < ph->sent ||
	    ph->sent < 0.95 * ph->rate * secs)
		return (0);
	return (quantile(ph->lat, ph->nlat, 0.99) < ctx->o->stop_p99_ms);
}

/*
 * Opens --conns connections, then runs each rate phase; with
 * --stop-p99, stops after the first phase that fails it (and fails
 * again on each of --retries repeats: a shared machine has hiccups).
 */
int
bn_run_rates(struct bn_ctx *ctx)
{
	const struct bn_opts	*o = ctx->o;
	struct bn_proc_sample	 s0, s1;
	struct bn_phase		 ph;
	int64_t			 cpu0, idle0;
	double			 secs;
	int			 i, ok, tries;

	connect_to(ctx, o->conns, &secs);
	if (!o->json)
		printf("%d of %d connected in %.2f s (%d failed), "
		    "conversations of %d (%s)\n", ctx->ready, o->conns, secs,
		    ctx->failed, o->conv_size, o->mode == BN_MODE_SAME ?
		    "sockets of one customer identity: each message goes to "
		    "the other sockets and echoes to the sender" :
		    "a customer and agents");
	if (ctx->ready < o->conns)
		ctx->fails++;
	hold(ctx, 0.5);
	if (o->warmup_s > 0) {
		/* Not reported: opens the conversations, warms JITs. */
		memset(&ph, 0, sizeof(ph));
		ph.rate = o->rates[0];
		ph.base = ctx->nmsgs;
		ctx->phase = &ph;
		phase_send(ctx, &ph, o->warmup_s);
		phase_drain(ctx, &ph);
		ctx->phase = NULL;
		if (!o->json)
			printf("warm-up: %.0f/s for %.1f s, %llu sent\n",
			    ph.rate, o->warmup_s, (unsigned long long)ph.sent);
		free(ph.lat);
		free(ph.acklat);
		hold(ctx, 0.5);
	}
	for (i = 0, tries = 0; i < o->nrates; i++) {
		memset(&ph, 0, sizeof(ph));
		ph.rate = o->rates[i];
		ph.base = ctx->nmsgs;
		ctx->phase = &ph;
		ctx->sample_peak_kib = 0;
		ctx->last_sample_us = 0;
		bn_proc_sample(o, &s0);
		cpu0 = cpu_self_us();
		idle0 = ctx->idle_wait_us;
		phase_send(ctx, &ph, o->duration_s);
		phase_drain(ctx, &ph);
		bn_proc_sample(o, &s1);
		ph.peak_rss_kib = ctx->sample_peak_kib > s1.rss_kib ?
		    ctx->sample_peak_kib : s1.rss_kib;
		ctx->phase = NULL;
		phase_report(ctx, &ph, &s0, &s1, cpu_self_us() - cpu0,
		    ctx->idle_wait_us - idle0);
		if (ph.delivered < ph.expected || ph.acked < ph.sent ||
		    ph.skipped > 0)
			ctx->fails++;
		ok = o->stop_p99_ms <= 0 || phase_ok(ctx, &ph);
		free(ph.lat);
		free(ph.acklat);
		if (!ok && tries++ < o->retries) {
			i--;		/* the same rate once more */
			hold(ctx, 1);
			continue;
		}
		if (!ok)
			break;
		tries = 0;
	}
	return (0);
}
