/*
 * libFuzzer target: queue-svc's op parsers, which check every client
 * event's and REST request's data before a script sees it.  The first
 * byte picks the parser, the second the caller's role; the rest is the
 * data, parsed as JSON as the gateway does.  Whatever the bytes, a
 * parser either refuses them or pushes at most QS_ARGS_MAX arguments,
 * each a NUL-terminated string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../queue-svc/text.c"
#include "../../queue-svc/args.c"
#include "../../queue-svc/parse.c"
#include "../../queue-svc/parse_rest.c"
#include "../../queue-svc/hours.c"

static const qs_parse_fn parsers[] = {
	qs_parse_message, qs_parse_pick, qs_parse_chat, qs_parse_transfer,
	qs_parse_close, qs_parse_typing, qs_parse_edit, qs_parse_delete,
	qs_parse_rate, qs_parse_update, qs_parse_tags, qs_parse_notes,
	qs_parse_list, qs_parse_messages, qs_parse_transcript,
	qs_parse_search, qs_parse_queue, qs_parse_status, qs_parse_agent,
	qs_parse_settings, qs_parse_watch, qs_parse_none, qs_parse_prefer,
	qs_parse_label, qs_parse_labels, qs_parse_signal, qs_parse_canned,
	qs_parse_hooks,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct cm_cfg	 cfg;
	struct cm_principal	 u;
	struct qs_args		 a;
	cJSON			*d;
	const char		*why;
	int			 i;

	if (len < 2)
		return (0);
	memset(&u, 0, sizeof(u));
	u.role = data[1] % 3;
	strcpy(u.org, "demo");
	strcpy(u.email, "fuzz@example.com");
	cfg.max_message_length = 4096;
	memset(&a, 0, sizeof(a));
	a.cfg = &cfg;
	a.open = (int)(data[1] / 3 % 3) - 1;
	d = cm_json_parse((const char *)data + 2, len - 2);
	why = parsers[data[0] % (sizeof(parsers) / sizeof(parsers[0]))](&u,
	    d, &a);
	if (why == NULL)
		for (i = 0; i < a.n; i++)
			if (a.v[i] == NULL || strlen(a.v[i]) > 1 << 20)
				abort();
	if (a.n > QS_ARGS_MAX - 3)
		abort();
	free(a.json);
	free(a.json2);
	cJSON_Delete(d);
	return (0);
}
