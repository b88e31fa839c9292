/*
 * The demo data of `make run`: chat config "demo" of org "demo", an
 * assistant on the faq backend, and a few FAQ entries, so that a
 * newcomer who connects with context { configId: "demo" } sees a
 * greeting, an answer and a hand-off without any network.  Nothing is
 * overwritten: a config or FAQ an admin changed stays as it is.
 *
 *	confab-ai -c run/confab.conf --seed-demo
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

#define SEED_ORG	"demo"
#define SEED_CONFIG	"demo"

static const char seed_config[] =
"{\"greeting\":\"Hi, I am Ada, the demo assistant. Ask me about opening "
"hours, shipping, returns, payments or your account, or type \\\"agent\\\" "
"to talk to a person.\",\"assistant\":{\"backend\":\"faq\",\"name\":\"Ada\","
"\"tone\":\"friendly\",\"personality\":\"helpful, brief and honest\"}}";

static const struct {
	const char	*id, *category, *question, *keywords, *answer;
} seed_faq[] = {
	{ "hours", "general", "What are your opening hours?",
	    "hours open opening times closed weekend",
	    "Our support team is here Monday to Friday, 9:00 to 18:00 CET. "
	    "Outside those hours I answer, and a person follows up the next "
	    "working day." },
	{ "shipping", "orders", "How long does shipping take?",
	    "shipping delivery ship deliver package arrive tracking",
	    "Orders ship within one working day. Delivery takes 2 to 4 "
	    "working days in the EU; you get a tracking link by email as "
	    "soon as the parcel leaves." },
	{ "returns", "orders", "How do I return an item and get a refund?",
	    "return refund money back exchange broken damaged",
	    "You can return any item within 30 days. Start the return from "
	    "your orders page; once the parcel reaches us, the refund is on "
	    "your card within 5 working days." },
	{ "password", "account", "How do I reset my password?",
	    "password reset login sign in forgot account locked",
	    "Use \"Forgot password\" on the sign-in page; the reset link we "
	    "email you works for one hour. If it does not arrive, check "
	    "your spam folder." },
	{ "payment", "billing", "Which payment methods do you accept?",
	    "payment pay card visa mastercard paypal invoice billing",
	    "We accept Visa, Mastercard, PayPal and, for business "
	    "accounts, invoices payable within 30 days." },
};

/* SET key value NX; prints what happened.  0 or -1. */
static int
seed_set(struct cm_svc_ctx *ctx, const char *key, const char *value,
    const char *what)
{
	redisReply	*r;
	int		 rv = -1;

	r = cm_redis_command(ctx, "SET %s %s NX", key, value);
	if (r != NULL && (r->type == REDIS_REPLY_STATUS ||
	    r->type == REDIS_REPLY_NIL)) {
		printf("seed: %s %s\n", what, r->type == REDIS_REPLY_NIL ?
		    "kept (exists)" : "created");
		rv = 0;
	}
	freeReplyObject(r);
	return (rv);
}

/* Writes the demo FAQ if the org has none; 0 or -1. */
static int
seed_faq_write(struct cm_svc_ctx *ctx)
{
	char		*key = aib_key(ctx->cfg, AIB_FAM_FAQ, SEED_ORG, NULL, NULL);
	redisReply	*r;
	cJSON		*all, *b, *e;
	const char	*why;
	size_t		 i;
	int		 rv = -1;

	r = cm_redis_command(ctx, "HLEN %s", key);
	free(key);
	if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
		freeReplyObject(r);
		return (-1);
	}
	if (r->integer > 0) {
		printf("seed: faq of org %s kept (%lld entries)\n", SEED_ORG,
		    r->integer);
		freeReplyObject(r);
		return (0);
	}
	freeReplyObject(r);
	all = cJSON_CreateArray();
	for (i = 0; i < sizeof(seed_faq) / sizeof(seed_faq[0]); i++) {
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "id", seed_faq[i].id);
		cJSON_AddStringToObject(b, "category", seed_faq[i].category);
		cJSON_AddStringToObject(b, "question", seed_faq[i].question);
		cJSON_AddStringToObject(b, "answer", seed_faq[i].answer);
		cJSON_AddItemToObject(b, "keywords", cJSON_CreateStringArray(
		    (const char *[]){ seed_faq[i].keywords }, 1));
		cJSON_AddNumberToObject(b, "order", (double)i);
		if ((e = aib_faq_build(b, NULL, &why)) != NULL)
			cJSON_AddItemToArray(all, e);
		cJSON_Delete(b);
	}
	if (aib_faq_put(ctx, SEED_ORG, all) == 0) {
		printf("seed: faq of org %s created (%d entries)\n", SEED_ORG,
		    cJSON_GetArraySize(all));
		rv = 0;
	}
	cJSON_Delete(all);
	return (rv);
}

int
aib_seed_demo(const char *cfg_path)
{
	struct cm_cfg		 cfg;
	struct cm_svc_ctx	 ctx;
	char			*key, *set;
	redisReply		*r;
	int			 rv = -1;

	if (cm_cfg_load(&cfg, cfg_path) == -1)
		return (-1);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = &cfg;
	ctx.thread = -1;
	if ((ctx.redis = cm_redis_connect(&cfg)) == NULL) {
		fprintf(stderr, "seed: cannot reach Redis at %s\n",
		    cfg.redis_address);
		cm_cfg_free(&cfg);
		return (-1);
	}
	key = aib_key(&cfg, AIB_FAM_CONFIG, SEED_ORG, SEED_CONFIG, NULL);
	set = aib_key(&cfg, AIB_FAM_CONFIGS, SEED_ORG, NULL, NULL);
	if (seed_set(&ctx, key, seed_config, "chat config demo/demo") == 0) {
		r = cm_redis_command(&ctx, "SADD %s %s", set, SEED_CONFIG);
		if (r != NULL && r->type == REDIS_REPLY_INTEGER &&
		    seed_faq_write(&ctx) == 0)
			rv = 0;
		freeReplyObject(r);
	}
	free(key);
	free(set);
	if (ctx.redis != NULL)
		redisFree(ctx.redis);
	cm_cfg_free(&cfg);
	return (rv);
}
