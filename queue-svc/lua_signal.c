/*
 * WebRTC signalling (seed 001's audio and video bridge): the members of
 * a conversation exchange offers, answers and ICE candidates through
 * it; confab relays them and keeps nothing.  The ICE servers come from
 * the gateway's GET /chat/ice-servers.
 */
#include "qs.h"

const char qs_lua_signal[] =
"-- webrtc-signal: arg 4.. chatId ('' = a customer's open one), type,\n"
"-- data (JSON), to (\"ROLE:EMAIL\" of one member; '' = every other one)\n"
"local me, myname, myrole = arg(1), arg(2), arg(3)\n"
"local kind, data, to = arg(5), arg(6), arg(7)\n"
"local c, err = member_chat(arg(4), me, myrole)\n"
"if c == nil then return err end\n"
"local chat = c.chatId\n"
"if to ~= '' and (to == me or not is_member(chat, to)) then\n"
"	return fail('BAD_REQUEST', 'to must be another member of the '\n"
"	    .. 'conversation')\n"
"end\n"
"-- data is JSON already (the C side printed it).\n"
"local ev = '{\"chatId\":' .. cjson.encode(chat) .. ',\"type\":' ..\n"
"    cjson.encode(kind) .. ',\"from\":' .. cjson.encode(who(me, myname)) ..\n"
"    ',\"data\":' .. data .. '}'\n"
"local n = 0\n"
"for _, m in ipairs(redis.call('SMEMBERS', K(F_MEMBERS, chat))) do\n"
"	if m ~= me and (to == '' or m == to) then\n"
"		pub(m, 'webrtc-signal', ev)\n"
"		n = n + 1\n"
"	end\n"
"end\n"
"return cjson.encode({chatId = chat, delivered = n})\n";
