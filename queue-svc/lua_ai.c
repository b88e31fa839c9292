/*
 * The scripts of the assistant's side (ai.c): its answer coming back
 * from confab-ai, and a conversation it will not answer going to the
 * queue.  Their arguments start right after the common header.
 */
#include "qs.h"

#define QS_STR(x)	QS_STR2(x)
#define QS_STR2(x)	#x

const char qs_lua_ai_result[] =
"-- ai-result: arg 1.. chatId, jobId, bubbles (JSON [{text, streamId}]),\n"
"-- handoff (1 | 0), reason, the assistant's name\n"
"local AIMAX = " QS_STR(QS_AI_TEXT_MAX) "	-- bytes a message keeps\n"
"local chat, job, bubbles = arg(1), arg(2), cjson.decode(arg(3))\n"
"local want_handoff, reason, name = arg(4) == '1', arg(5), arg(6)\n"
"local c = conv(chat)\n"
"if c == nil then return fail('NOT_FOUND', 'no such conversation') end\n"
"-- The same job again (confab-ai resends until it hears back).\n"
"local idem = K(F_IDEM, chat)\n"
"local done = redis.call('HGET', idem, 'ai:|' .. job)\n"
"if done then return done end\n"
"if c.status == 'closed' then\n"
"	return fail('CHAT_CLOSED', 'the conversation is closed')\n"
"end\n"
"-- What the members saw streamed is what the history keeps, even when\n"
"-- a person took over while it was being written.\n"
"local last\n"
"for i, b in ipairs(bubbles) do\n"
"	last = cjson.decode((store(chat, 'ai', '', name, cut(b.text, AIMAX),\n"
"	    job .. '#' .. i, 'ai', b.streamId)))\n"
"end\n"
"if last then touch(c) end\n"
"if want_handoff and c.status == 'ai' then handoff(c, reason) end\n"
"local out = '{}'\n"
"if last then\n"
"	out = cjson.encode({message = {id = last.id, seq = last.seq,\n"
"	    ts = last.ts}})\n"
"end\n"
"redis.call('HSET', idem, 'ai:|' .. job, out)\n"
"return out\n";

const char qs_lua_ai_queue[] =
"-- ai-declined: arg 1.. chatId, reason ('' = quietly): the assistant\n"
"-- will not answer.  A conversation it holds goes to a person; an\n"
"-- active one is not asked again for a while (ai_job).\n"
"local c = conv(arg(1))\n"
"if c == nil then return 'none' end\n"
"if c.status == 'ai' then\n"
"	handoff(c, arg(2))\n"
"	return 'queued'\n"
"end\n"
"if c.status == 'active' then\n"
"	set(c, 'aiQuietUntil', NOW + AI_QUIET_MS)\n"
"	return 'quiet'\n"
"end\n"
"return 'none'\n";
