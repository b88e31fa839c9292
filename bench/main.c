/*
 * confab-bench: options, tokens, and the run (see bench.h).
 *
 *	confab-bench [options] HOST:PORT
 *
 * Exit status: 0; 1 when --strict and anything was lost, unacked,
 * refused or dropped; 64 usage; 78 bad config; 71 system error.
 */
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cfg.h"
#include "jwt.h"
#include "log.h"
#include "util.h"

#define EX_USAGE	64
#define EX_OSERR	71
#define EX_CONFIG	78

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: confab-bench [options] HOST:PORT\n"
"  -c FILE            read jwt_secret (and jwt_issuer/audience) from FILE\n"
"  --secret S         or sign HS256 tokens with S\n"
"  --org ORG          organisation (demo)\n"
"  --orgs N           spread the conversations over N orgs ORG-0..\n"
"  --label NAME       the server's name in the output (server)\n"
"  --pid PID          a server process; its descendants count too\n"
"                     (repeat for every process of the stack)\n"
"  --idle N[,N..]     idle steps: open N connections, settle, report\n"
"                     the server's RSS growth per connection\n"
"  --settle S         idle: seconds to wait before measuring (3)\n"
"  --conns N          connections of the rate phases (1000)\n"
"  --conv-size K      sockets per conversation (2)\n"
"  --mode same|agent  same: K sockets of one customer identity (what\n"
"                     confab routes today); agent: a customer and K-1\n"
"                     agents (the peer; confab after issue 4)\n"
"  --rates R[,R..]    rate phases, messages per second (aggregate)\n"
"  --duration S       seconds of each rate phase (10)\n"
"  --warmup S         first an unreported phase of S seconds at the\n"
"                     first rate (opens the conversations) (0)\n"
"  --drain S          at most this long for late acks/deliveries (5)\n"
"  --stop-p99 MS      stop after the first phase that loses anything,\n"
"                     misses its rate, or has p99 >= MS\n"
"  --retries N        with --stop-p99: repeat a failing phase up to N\n"
"                     times before stopping (0)\n"
"  --msg-bytes N      chat text length (64)\n"
"  --parallel N       handshakes in flight (256)\n"
"  --connect-timeout S  for all connections of a step (60)\n"
"  --src-addrs N      use 127.0.0.1..127.0.0.N as source addresses\n"
"  --path P           Engine.IO path (/socket.io/)\n"
"  --nsp NSP          Socket.IO namespace (/chat)\n"
"  --json             print JSON lines only (one per step or phase)\n"
"  --strict           exit 1 if anything was lost, refused or dropped\n");
}

/* Parses "a,b,c" into out[]; returns the count or -1. */
static int
parse_list(const char *s, double *out, int max)
{
	char	*end;
	int	 n = 0;

	while (*s != '\0') {
		if (n == max)
			return (-1);
		out[n] = strtod(s, &end);
		if (end == s || out[n] <= 0)
			return (-1);
		n++;
		s = end;
		if (*s == ',')
			s++;
		else if (*s != '\0')
			return (-1);
	}
	return (n);
}

static double
num(const char *s, const char *what)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (end == s || *end != '\0' || v < 0) {
		fprintf(stderr, "confab-bench: bad %s: %s\n", what, s);
		exit(EX_USAGE);
	}
	return (v);
}

static void
parse_args(int argc, char **argv, struct bn_opts *o)
{
	static const struct option opts[] = {
		{ "secret", required_argument, NULL, 'S' },
		{ "org", required_argument, NULL, 'O' },
		{ "orgs", required_argument, NULL, 'g' },
		{ "label", required_argument, NULL, 'L' },
		{ "pid", required_argument, NULL, 'P' },
		{ "idle", required_argument, NULL, 'I' },
		{ "settle", required_argument, NULL, 's' },
		{ "conns", required_argument, NULL, 'n' },
		{ "conv-size", required_argument, NULL, 'k' },
		{ "mode", required_argument, NULL, 'm' },
		{ "rates", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "drain", required_argument, NULL, 'D' },
		{ "stop-p99", required_argument, NULL, 'x' },
		{ "retries", required_argument, NULL, 'R' },
		{ "msg-bytes", required_argument, NULL, 'b' },
		{ "parallel", required_argument, NULL, 'p' },
		{ "connect-timeout", required_argument, NULL, 't' },
		{ "src-addrs", required_argument, NULL, 'a' },
		{ "path", required_argument, NULL, 'H' },
		{ "nsp", required_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double	 list[BN_MAX_STEPS];
	char	*colon;
	int	 ch, i, n;

	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->cfg_path = optarg; break;
		case 'S': o->secret = optarg; break;
		case 'O': o->org = optarg; break;
		case 'g': o->orgs = (int)num(optarg, "orgs"); break;
		case 'L': o->label = optarg; break;
		case 'P':
			if (o->npids == BN_MAX_PIDS)
				goto bad;
			o->pids[o->npids++] = (pid_t)num(optarg, "pid");
			break;
		case 'I':
			if ((n = parse_list(optarg, list, BN_MAX_STEPS)) <= 0)
				goto bad;
			for (i = 0; i < n; i++)
				o->idle[i] = (int)list[i];
			o->nidle = n;
			break;
		case 's': o->settle_s = num(optarg, "settle"); break;
		case 'n': o->conns = (int)num(optarg, "conns"); break;
		case 'k': o->conv_size = (int)num(optarg, "conv-size"); break;
		case 'm':
			if (strcmp(optarg, "same") == 0)
				o->mode = BN_MODE_SAME;
			else if (strcmp(optarg, "agent") == 0)
				o->mode = BN_MODE_AGENT;
			else
				goto bad;
			break;
		case 'r':
			if ((o->nrates = parse_list(optarg, o->rates,
			    BN_MAX_STEPS)) <= 0)
				goto bad;
			break;
		case 'd': o->duration_s = num(optarg, "duration"); break;
		case 'w': o->warmup_s = num(optarg, "warmup"); break;
		case 'D': o->drain_s = num(optarg, "drain"); break;
		case 'x': o->stop_p99_ms = num(optarg, "stop-p99"); break;
		case 'R': o->retries = (int)num(optarg, "retries"); break;
		case 'b': o->msg_bytes = (int)num(optarg, "msg-bytes"); break;
		case 'p': o->parallel = (int)num(optarg, "parallel"); break;
		case 't':
			o->connect_timeout_s = num(optarg, "connect-timeout");
			break;
		case 'a': o->src_addrs = (int)num(optarg, "src-addrs"); break;
		case 'H': o->path = optarg; break;
		case 'N': o->nsp = optarg; break;
		case 'j': o->json = 1; break;
		case 'z': o->strict = 1; break;
		case 'h': usage(stdout); exit(0);
		default: goto bad;
		}
	}
	if (optind != argc - 1 || (colon = strrchr(argv[optind], ':')) ==
	    NULL)
		goto bad;
	*colon = '\0';
	o->host = argv[optind];
	o->port = (int)num(colon + 1, "port");
	if (o->conv_size < 1 || o->conv_size > 200 || o->parallel < 1 ||
	    o->msg_bytes < 8 || o->msg_bytes > 65536 || o->orgs < 1 ||
	    strlen(o->org) > 50 ||
	    (o->cfg_path == NULL && o->secret == NULL) ||
	    (o->nidle == 0 && o->nrates == 0) || o->src_addrs > 250 ||
	    (o->mode == BN_MODE_AGENT && o->conv_size < 2))
		goto bad;
	return;
bad:
	usage(stderr);
	exit(EX_USAGE);
}

/* One token per identity, signed here (as confabctl would). */
static int
make_tokens(struct bn_ctx *ctx)
{
	const struct bn_opts	*o = ctx->o;
	struct cm_cfg		 cfg;
	struct cm_principal	 p;
	char			*secret = NULL;
	const char		*iss = NULL, *aud = NULL;
	int			 i, rv = -1;

	memset(&cfg, 0, sizeof(cfg));
	if (o->cfg_path != NULL) {
		if (cm_cfg_load(&cfg, o->cfg_path) == -1)
			goto out;
		secret = cm_jwt_secret_load(&cfg);
		iss = cfg.jwt_issuer;
		aud = cfg.jwt_audience;
	} else
		secret = cm_strdup(o->secret);
	if (secret == NULL)
		goto out;
	for (i = 0; i < ctx->nidents; i++) {
		struct bn_ident *id = &ctx->idents[i];

		memset(&p, 0, sizeof(p));
		p.role = id->agent ? CM_ROLE_AGENT : CM_ROLE_CUSTOMER;
		cm_strlcpy(p.org, id->org, sizeof(p.org));
		cm_strlcpy(p.email, id->email, sizeof(p.email));
		snprintf(p.name, sizeof(p.name), "Bench %d", i);
		if ((id->token = cm_jwt_sign_hs256(secret, &p, time(NULL),
		    24 * 3600, iss, aud)) == NULL) {
			fprintf(stderr, "confab-bench: cannot sign a token\n");
			goto out;
		}
	}
	rv = 0;
out:
	free(secret);
	if (o->cfg_path != NULL)
		cm_cfg_free(&cfg);
	return (rv);
}

/*
 * Lays out conversations: conns[k*K .. k*K+K-1] form conversation k.
 * Identities: in SAME mode one per conversation ("bench-c..."); in
 * AGENT mode one customer per conversation and one agent per agent
 * socket ("bench-a...").  The run tag keeps runs apart.
 */
static void
layout(struct bn_ctx *ctx)
{
	const struct bn_opts	*o = ctx->o;
	int			 k = o->conv_size, i, j, id;
	struct bn_conn		*c;

	ctx->nconvs = (ctx->nconns + k - 1) / k;
	ctx->convs = cm_calloc((size_t)ctx->nconvs, sizeof(*ctx->convs));
	ctx->nidents = o->mode == BN_MODE_SAME ? ctx->nconvs : ctx->nconns;
	ctx->idents = cm_calloc((size_t)ctx->nidents, sizeof(*ctx->idents));
	for (i = 0, id = 0; i < ctx->nconvs; i++) {
		ctx->convs[i].first = (uint32_t)(i * k);
		for (j = 0; j < k && i * k + j < ctx->nconns; j++) {
			c = &ctx->conns[i * k + j];
			c->conv = (uint32_t)i;
			c->is_agent = o->mode == BN_MODE_AGENT && j > 0;
			if (o->mode == BN_MODE_SAME && j > 0) {
				c->ident = ctx->conns[i * k].ident;
				continue;
			}
			c->ident = (uint32_t)id;
			ctx->idents[id].agent = c->is_agent;
			if (o->orgs > 1)
				snprintf(ctx->idents[id].org,
				    sizeof(ctx->idents[id].org), "%s-%d",
				    o->org, i % o->orgs);
			else
				cm_strlcpy(ctx->idents[id].org, o->org,
				    sizeof(ctx->idents[id].org));
			snprintf(ctx->idents[id].email,
			    sizeof(ctx->idents[id].email),
			    "bench-%c%d-%s@example.com",
			    c->is_agent ? 'a' : 'c', id, ctx->tag);
			id++;
		}
	}
	ctx->nidents = id;
}

static int
setup(struct bn_ctx *ctx, struct bn_opts *o)
{
	struct rlimit	 rl;
	uint64_t	 seed;
	int		 i, max = o->nrates > 0 ? o->conns : 0;
	double		 total = 0;

	/* The rate phases use every connection the idle steps opened. */
	for (i = 0; i < o->nidle; i++)
		if (o->idle[i] > max)
			max = o->idle[i];
	ctx->o = o;
	ctx->nconns = max;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)max + 16) {
		fprintf(stderr, "confab-bench: %d connections need %d file "
		    "descriptors; the limit is %llu\n", max, max + 16,
		    (unsigned long long)rl.rlim_cur);
		return (-1);
	}
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)bn_now_us();
	ctx->rng = seed | 1;
	for (i = 0; i < 8; i++)
		ctx->tag[i] = "abcdefghijklmnopqrstuvwxyz234567"[
		    bn_rand(ctx) % 32];
	ctx->conns = cm_calloc((size_t)max, sizeof(*ctx->conns));
	for (i = 0; i < max; i++) {
		ctx->conns[i].idx = (uint32_t)i;
		ctx->conns[i].fd = -1;
	}
	layout(ctx);
	for (i = 0; i < o->nrates; i++)
		total += (o->rates[i] * o->duration_s + 1) * (1 + o->retries);
	if (o->nrates > 0)
		total += o->rates[0] * o->warmup_s + 1;
	if (total > 50e6) {
		fprintf(stderr, "confab-bench: more than 50 million messages "
		    "in one run\n");
		return (-1);
	}
	ctx->capmsgs = (uint32_t)total;
	ctx->msgs = cm_calloc(ctx->capmsgs + 1, sizeof(*ctx->msgs));
	ctx->rbuf = cm_malloc(BN_RBUF);
	ctx->addr.sin_family = AF_INET;
	ctx->addr.sin_port = htons((uint16_t)o->port);
	if (inet_pton(AF_INET, o->host, &ctx->addr.sin_addr) != 1) {
		fprintf(stderr, "confab-bench: %s is not an IPv4 address\n",
		    o->host);
		return (-1);
	}
	if ((ctx->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("confab-bench: epoll_create1");
		return (-1);
	}
	return (0);
}

/* Closes every connection and frees the run (so sanitizers see no leak). */
static void
teardown(struct bn_ctx *ctx)
{
	int	 i;

	for (i = 0; ctx->conns != NULL && i < ctx->nconns; i++) {
		struct bn_conn *c = &ctx->conns[i];

		if (c->fd >= 0)
			close(c->fd);
		bn_buf_free(&c->in);
		bn_buf_free(&c->out);
		bn_buf_free(&c->frag);
		free(c->accept);
	}
	for (i = 0; ctx->idents != NULL && i < ctx->nidents; i++)
		free(ctx->idents[i].token);
	for (i = 0; ctx->convs != NULL && i < ctx->nconvs; i++)
		free(ctx->convs[i].chat_id);
	free(ctx->conns);
	free(ctx->idents);
	free(ctx->convs);
	free(ctx->msgs);
	free(ctx->rbuf);
	if (ctx->ep >= 0)
		close(ctx->ep);
}

int
main(int argc, char **argv)
{
	struct bn_opts	 o = {
		.path = "/socket.io/", .nsp = "/chat", .org = "demo", .orgs = 1,
		.label = "server", .conns = 1000, .conv_size = 2,
		.duration_s = 10, .drain_s = 5, .settle_s = 3,
		.connect_timeout_s = 60, .msg_bytes = 64, .parallel = 256,
	};
	struct bn_ctx	 ctx;
	int		 rv;

	memset(&ctx, 0, sizeof(ctx));
	ctx.ep = -1;
	cm_log_init("bench");
	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv, &o);
	if (setup(&ctx, &o) == -1) {
		teardown(&ctx);
		return (EX_OSERR);
	}
	if (make_tokens(&ctx) == -1) {
		teardown(&ctx);
		return (EX_CONFIG);
	}
	if (o.nidle > 0)
		bn_run_idle(&ctx);
	if (o.nrates > 0)
		bn_run_rates(&ctx);
	if (ctx.dropped > 0 || ctx.failed > 0 || ctx.stray > 0)
		ctx.fails++;
	if (ctx.first_nack[0] != '\0')
		fprintf(o.json ? stderr : stdout, "first error ack: %s\n",
		    ctx.first_nack);
	if (!o.json || ctx.fails > 0)
		fprintf(o.json ? stderr : stdout, "connections: %d ready, %d "
		    "failed, %d dropped; pings answered %llu; late %llu, "
		    "stray %llu, other events %llu%s%s%s%s%s\n", ctx.ready,
		    ctx.failed, ctx.dropped, (unsigned long long)ctx.pings,
		    (unsigned long long)ctx.late,
		    (unsigned long long)ctx.stray,
		    (unsigned long long)ctx.other_events,
		    ctx.other_sample[0] ? " (first: " : "", ctx.other_sample,
		    ctx.other_sample[0] ? ")" : "",
		    ctx.first_error[0] ? "; first problem: " : "",
		    ctx.first_error);
	rv = o.strict && ctx.fails > 0 ? 1 : 0;
	teardown(&ctx);
	return (rv);
}
