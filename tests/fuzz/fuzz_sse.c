/*
 * libFuzzer target: what ai-bridge does with a model server's streamed
 * answer.  The input is an event stream fed to the SSE parser in pieces
 * whose sizes come from the first byte (so a CRLF or a BOM may fall
 * across two reads); each event's data is parsed as a chat completion
 * chunk whose tool-call deltas go through the assembler.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../ai-bridge/sse.c"
#include "../../ai-bridge/toolcall.c"

static int
fuzz_event(void *arg, const char *event, const char *data, size_t len)
{
	struct aib_tools	*t = arg;
	const cJSON		*ch, *delta;
	cJSON			*o;
	int			 i;

	if (data[len] != '\0')
		abort();		/* terminated, though it may hold NULs */
	if ((o = cm_json_parse(data, len)) == NULL)
		return (0);
	ch = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o,
	    "choices"), 0);
	delta = cJSON_GetObjectItemCaseSensitive(ch, "delta");
	if (aib_tools_delta(t, cJSON_GetObjectItemCaseSensitive(delta,
	    "tool_calls")) == 0)
		for (i = 0; i < t->n; i++)
			cJSON_Delete(aib_tools_args(t, i));
	cJSON_Delete(o);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct aib_sse		 p;
	struct aib_tools	 t;
	size_t			 step, i, k;

	if (len == 0)
		return (0);
	step = (size_t)data[0] % 16 + 1;
	memset(&t, 0, sizeof(t));
	aib_sse_init(&p, 4096, fuzz_event, &t);
	for (i = 1; i < len; i += k) {
		k = len - i < step ? len - i : step;
		if (aib_sse_feed(&p, (const char *)data + i, k) == -1)
			break;
	}
	aib_sse_free(&p);
	aib_tools_free(&t);
	return (0);
}
