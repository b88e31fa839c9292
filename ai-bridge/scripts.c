/*
 * ai-bridge's Lua scripts.  Each touches the keys of one org only (one
 * Redis Cluster slot) and is safe to run twice, since cm_redis_script()
 * sends a command again when a link breaks under it.
 */
#include "aib.h"

/*
 * intake: KEYS job marker, ai-last, ai-pending; ARGV entry id, TTL (s),
 * pending record ("" for an agent's job, which is not debounced).
 * Marks the job as seen, raises ai-last to the entry if it is newer
 * and queues the message for the answer.  Returns 1 the first time a
 * job is seen, 0 after.
 */
struct cm_script aib_script_intake = { .src =
"local function newer(a, b)\n"
"	local am, as = string.match(a, '^(%d+)-(%d+)$')\n"
"	local bm, bs = string.match(b, '^(%d+)-(%d+)$')\n"
"	if not bm then return true end\n"
"	am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)\n"
"	return am > bm or (am == bm and as > bs)\n"
"end\n"
"local fresh = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2])\n"
"if ARGV[3] ~= '' then\n"
"	local cur = redis.call('GET', KEYS[2])\n"
"	if not cur or newer(ARGV[1], cur) then\n"
"		redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])\n"
"	end\n"
"	if fresh then\n"
"		redis.call('RPUSH', KEYS[3], ARGV[3])\n"
"		redis.call('EXPIRE', KEYS[3], ARGV[2])\n"
"	end\n"
"end\n"
"if fresh then return 1 end\n"
"return 0\n"
};

/*
 * lock: KEYS ai-lock; ARGV token "CONSUMER|JOBID", job id, TTL (ms).
 * Takes or refreshes the conversation's lock.  A lock held for the same
 * job by another consumer is taken over: that consumer died and its job
 * was claimed (worker.c).  Returns 1 if we hold it now, else 0.
 */
struct cm_script aib_script_lock = { .src =
"local cur = redis.call('GET', KEYS[1])\n"
"if cur and cur ~= ARGV[1] then\n"
"	if string.match(cur, '|(.*)$') ~= ARGV[2] then return 0 end\n"
"end\n"
"redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])\n"
"return 1\n"
};

/* unlock: KEYS ai-lock; ARGV token.  Drops the lock if it is ours. */
struct cm_script aib_script_unlock = { .src =
"if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
"	return redis.call('DEL', KEYS[1])\n"
"end\n"
"return 0\n"
};

/*
 * finish: KEYS ai-result, ai-pending, ai-turns, ai-run, ai-summary;
 * ARGV result JSON, result TTL (s), turns kept, turns TTL (s), summary
 * ("" = unchanged), n, then n pending records answered, then the new
 * turns.  Stores the result once (a second run of the same job finds
 * it and changes nothing) and returns the stored result's JSON.
 */
struct cm_script aib_script_finish = { .src =
"if redis.call('HSETNX', KEYS[1], 'json', ARGV[1]) == 1 then\n"
"	redis.call('HSET', KEYS[1], 'delivered', 0, 'attempts', 0,\n"
"	    'status', 'pending')\n"
"	redis.call('EXPIRE', KEYS[1], ARGV[2])\n"
"	local n = tonumber(ARGV[6])\n"
"	for i = 7, 6 + n do redis.call('LREM', KEYS[2], 1, ARGV[i]) end\n"
"	local keep = tonumber(ARGV[3])\n"
"	if 7 + n <= #ARGV and keep > 0 then\n"
"		for i = 7 + n, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end\n"
"		redis.call('LTRIM', KEYS[3], -keep, -1)\n"
"		redis.call('EXPIRE', KEYS[3], ARGV[4])\n"
"	end\n"
"	if ARGV[5] ~= '' then\n"
"		redis.call('SET', KEYS[5], ARGV[5], 'EX', ARGV[4])\n"
"	end\n"
"end\n"
"redis.call('DEL', KEYS[4])\n"
"return redis.call('HGET', KEYS[1], 'json')\n"
};

/*
 * cancel: KEYS ai-cancel, ai-pending; ARGV wall ms, TTL (s).  Jobs of
 * the conversation received up to now are dropped, and so are the
 * messages waiting for an answer: a human answers them now.
 */
struct cm_script aib_script_cancel = { .src =
"redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])\n"
"redis.call('DEL', KEYS[2])\n"
"return 1\n"
};
