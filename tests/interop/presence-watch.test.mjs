// A watch-chat that runs out (not sent again within presence_watch_ttl_s)
// slows the visitor's widget down at once: presence-svc's sweeper finds
// it in chat-watch-due within a second and pushes heartbeat-config with
// the slow interval to every socket of the customer, if no other watch
// is left; a watch stopped with watch-chat was told then and is not told
// twice; a renewed watch runs out from its renewal; and the schedule is
// in Redis, so it survives a presence-svc restart.  The TTL is 4 s here
// (default 120 s); the delays are printed as test diagnostics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, whenConnected, sleep } from './harness.mjs';

const FAST = 1000;
const SLOW = 20000;
const TTL_S = 4;
const TICK_MS = 1000;	// the sweeper's tick (at most 1 s)
let stack;
const tok = {};

before(async () => {
	stack = await Stack.start({
		name: 'watch',
		config: {
			presence_heartbeat_fast_ms: FAST, presence_heartbeat_slow_ms: SLOW, presence_watch_ttl_s: TTL_S,
			// presence-svc is restarted below: notices wait for it.
			nng_timeout_ms: 10000,
		},
	});
	const mk = (name, role) => stack.token({ role, email: `${name}@example.com`, name }).then((t) => { tok[name] = t; });
	await Promise.all([mk('vic', 'customer'), mk('val', 'customer'), mk('amy', 'agent'), mk('ben', 'agent')]);
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const ack = (s, ev, data) => s.timeout(5000).emitWithAck(ev, data);

/** A connected socket recording heartbeat-config {intervalMs, at}; a customer's has its first. */
async function open(name) {
	const s = stack.socket({ token: tok[name], orgId: 'demo' });
	s.got = [];
	s.on('heartbeat-config', (e) => s.got.push({ ...e, at: Date.now() }));
	await whenConnected(s);
	if (name === 'vic' || name === 'val')
		await waitUntil(() => s.got.length > 0, 5000, `heartbeat-config at ${name}'s connect`);
	return s;
}

const last = (s) => s.got.at(-1).intervalMs;

/** watch-chat, checked; returns the ack and when the watch runs out (local clock). */
async function watch(s, data) {
	const t0 = Date.now();
	const a = await ack(s, 'watch-chat', data);
	assert.equal(a.ok, true, JSON.stringify(a));
	return { ack: a, ends: t0 + (a.expiresInMs || 0) };
}

/** Waits for the next heartbeat-config of s after index n; returns it. */
async function next(s, n, ms, what) {
	await waitUntil(() => s.got.length > n, ms, what, 20);
	return s.got[n];
}

test('a watch that runs out pushes the slow interval to every tab, once the last one has run out', w(async (t) => {
	const vic = await open('vic');
	const vic2 = await open('vic');
	const amy = await open('amy');
	const ben = await open('ben');
	assert.equal(last(vic), SLOW);

	const a = await watch(amy, { chatId: 'chat-w1', customer: 'vic@example.com', watching: true });
	assert.equal(a.ack.intervalMs, FAST);
	assert.equal(a.ack.expiresInMs, TTL_S * 1000, 'the watch lasts presence_watch_ttl_s');
	await waitUntil(() => last(vic) === FAST && last(vic2) === FAST, 5000, 'fast on both tabs');
	await sleep(2500);
	const b = await watch(ben, { chatId: 'chat-w2', customer: 'vic@example.com', takeover: true });
	assert.equal(b.ack.watchers, 2);
	const n = vic.got.length, n2 = vic2.got.length;

	// amy's watch runs out while ben's lives: the interval stays fast.
	await sleep(Math.max(0, a.ends - Date.now()) + TICK_MS + 300);
	assert.ok(Date.now() < b.ends, 'ben\'s watch still lives (machine too slow for this test?)');
	assert.equal(vic.got.length, n, `no heartbeat-config while another watch lives: ${JSON.stringify(vic.got.slice(n))}`);
	assert.equal((await ack(vic, 'heartbeat', {})).intervalMs, FAST);

	// ben's runs out: both tabs are told, within the sweeper's tick.
	const got = await next(vic, n, TTL_S * 1000 + 3000, 'heartbeat-config when the last watch ran out');
	const got2 = await next(vic2, n2, 3000, 'the same on the second tab');
	t.diagnostic(`slow interval pushed ${got.at - b.ends} ms after the watch ran out (tick ${TICK_MS} ms)`);
	assert.equal(got.intervalMs, SLOW);
	assert.equal(got2.intervalMs, SLOW);
	assert.ok(got.at >= b.ends - 200, `not before the watch ran out: ${got.at - b.ends} ms`);
	assert.ok(got.at - b.ends < TICK_MS + 1500, `pushed ${got.at - b.ends} ms after it ran out`);
	assert.match(stack.logText('presence'), /msg="watch ran out, heartbeat slowed" org=demo watches=1 interval_ms=20000\b/);
	// Told once; the schedule is cleared and the run-out watches forgotten.
	await sleep(TICK_MS + 300);
	assert.equal(vic.got.length, n + 1, JSON.stringify(vic.got.slice(n)));
	assert.equal((await stack.redis('ZCARD', `${stack.prefix}chat-watch-due:{#}`)).trim(), '0');
	assert.equal((await stack.redis('HLEN', `${stack.prefix}chat-watch:{demo}:vic@example.com`)).trim(), '0');
	assert.equal((await ack(vic, 'heartbeat', {})).intervalMs, SLOW);
	for (const s of [vic, vic2, amy, ben]) s.close();
}));

test('a renewed watch runs out from its renewal; a stopped one is not told twice', w(async (t) => {
	const val = await open('val');
	const amy = await open('amy');
	await watch(amy, { chatId: 'chat-r1', customer: 'val@example.com', watching: true });
	await waitUntil(() => last(val) === FAST, 5000, 'fast');
	await sleep(2500);
	const r = await watch(amy, { chatId: 'chat-r1', customer: 'val@example.com', watching: true });
	assert.equal(r.ack.watchers, 1, 'a renewal is the same watch');
	const n = val.got.length;
	const got = await next(val, n, TTL_S * 1000 + 3000, 'the slow interval after the renewal ran out');
	t.diagnostic(`renewed watch: pushed ${got.at - r.ends} ms after the renewal ran out`);
	assert.equal(got.intervalMs, SLOW);
	assert.ok(got.at >= r.ends - 200, `not before the renewal ran out: ${got.at - r.ends} ms`);

	// Stopped: told at the stop, and nothing more when its time comes.
	const s = await watch(amy, { chatId: 'chat-r2', customer: 'val@example.com', watching: true });
	await waitUntil(() => last(val) === FAST, 5000, 'fast again');
	const off = await ack(amy, 'watch-chat', { chatId: 'chat-r2', customer: 'val@example.com', watching: false });
	assert.equal(off.intervalMs, SLOW);
	await waitUntil(() => last(val) === SLOW, 5000, 'slow at the stop');
	const m = val.got.length;
	await sleep(Math.max(0, s.ends - Date.now()) + TICK_MS + 500);
	assert.equal(val.got.length, m, `nothing when the stopped watch's time comes: ${JSON.stringify(val.got.slice(m))}`);
	assert.equal((await stack.redis('ZCARD', `${stack.prefix}chat-watch-due:{#}`)).trim(), '0', 'unscheduled');
	val.close();
	amy.close();
}));

test('the schedule is in Redis: a watch that runs out while presence-svc restarts is still told', w(async (t) => {
	const val = await open('val');
	const amy = await open('amy');
	const a = await watch(amy, { chatId: 'chat-k1', customer: 'val@example.com', watching: true });
	await waitUntil(() => last(val) === FAST, 5000, 'fast');
	const n = val.got.length;
	await stack.kill('presence', 'SIGKILL');
	await sleep(Math.max(0, a.ends - Date.now()) + 300);	// it runs out while presence-svc is down
	assert.equal(val.got.length, n, 'nobody told it yet');
	await stack.startService('presence');
	const tUp = Date.now();
	const got = await next(val, n, 10000, 'the slow interval from the restarted presence-svc');
	t.diagnostic(`told ${got.at - a.ends} ms after the watch ran out, ${got.at - tUp} ms after presence-svc was back`);
	assert.equal(got.intervalMs, SLOW);
	val.close();
	amy.close();
}));
