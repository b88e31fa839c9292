/*
 * Tool calls of a streamed chat completion, assembled from their
 * deltas.  An OpenAI-compatible server sends a call in pieces, each
 * naming the call by its index:
 *
 *	{"index":0,"id":"call_1","type":"function",
 *	 "function":{"name":"transfer_chat_to_agent","arguments":""}}
 *	{"index":0,"function":{"arguments":"{\"reason\":"}}
 *	{"index":0,"function":{"arguments":"\"billing\"}"}}
 *
 * The id and name come once (a repeat overwrites), the arguments are
 * JSON text cut anywhere and are concatenated.  A server that omits
 * "index" (some older ones) is followed by id: a new id opens a call, a
 * piece without one continues the last call.
 *
 * Depends on common/util only (unit tests include it alone).
 */
#ifndef AIB_TOOLCALL_H
#define AIB_TOOLCALL_H

#include <cjson/cJSON.h>

#include "util.h"

#define AIB_TOOLS_MAX		8
#define AIB_TOOL_ID_MAX		128
#define AIB_TOOL_NAME_MAX	64
#define AIB_TOOL_ARGS_MAX	(64 * 1024)

struct aib_toolcall {
	int		 index;
	char		 id[AIB_TOOL_ID_MAX + 1];
	char		 name[AIB_TOOL_NAME_MAX + 1];
	struct cm_buf	 args;		/* JSON text, NUL terminated once set */
};

struct aib_tools {
	struct aib_toolcall	 calls[AIB_TOOLS_MAX];
	int			 n;
};

/*
 * Applies the "tool_calls" array of one delta.  Returns 0, or -1 if it
 * is malformed or would exceed the limits above (the calls so far stay).
 */
int	aib_tools_delta(struct aib_tools *t, const cJSON *tool_calls);

/*
 * The arguments of call i parsed as a JSON object (caller frees), or
 * NULL if they are not one.  Empty arguments count as {}.
 */
cJSON	*aib_tools_args(const struct aib_tools *t, int i);

/* Forgets every call (buffers are kept for reuse until free). */
void	aib_tools_reset(struct aib_tools *t);
void	aib_tools_free(struct aib_tools *t);

#endif
