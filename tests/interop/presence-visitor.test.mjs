// Visitor presence as an agent sees it and the demand-driven heartbeat
// (seed 004): heartbeat-config {intervalMs} slow at connect, fast while
// an agent watches or has taken over the visitor's conversation, slow
// again after; visitor-presence online / cleared / left / offline with
// last seen, to agents only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, whenConnected, sleep } from './harness.mjs';

const FAST = 1000;
const SLOW = 20000;
let stack;
const tok = {};

before(async () => {
	stack = await Stack.start({
		name: 'visitor',
		config: { presence_heartbeat_fast_ms: FAST, presence_heartbeat_slow_ms: SLOW },
	});
	const mk = (name, role) => stack.token({ role, email: `${name}@example.com`, name }).then((t) => { tok[name] = t; });
	await Promise.all([mk('vic', 'customer'), mk('wes', 'customer'), mk('amy', 'agent'), mk('ben', 'agent')]);
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const ack = (s, ev, data) => s.timeout(5000).emitWithAck(ev, data);

/** A connected socket that records the events named, from before its CONNECT. */
async function open(name, events) {
	const s = stack.socket({ token: tok[name], orgId: 'demo' });
	s.got = [];
	for (const ev of events) s.on(ev, (e) => s.got.push({ ev, ...e }));
	return whenConnected(s);
}

const last = (s, ev) => s.got.filter((e) => e.ev === ev).at(-1);

test('heartbeat-config: slow at connect, fast while an agent watches or took over, slow again', w(async () => {
	const vic = await open('vic', ['heartbeat-config']);
	await waitUntil(() => last(vic, 'heartbeat-config'), 5000, 'heartbeat-config at connect');
	assert.equal(last(vic, 'heartbeat-config').intervalMs, SLOW);
	assert.deepEqual(await ack(vic, 'heartbeat', {}), { ok: true, intervalMs: SLOW });

	const amy = await open('amy', []);
	const ben = await open('ben', []);
	const a1 = await ack(amy, 'watch-chat', { chatId: 'chat-1', customer: 'vic@example.com', watching: true });
	assert.equal(a1.ok, true, JSON.stringify(a1));
	assert.equal(a1.intervalMs, FAST);
	assert.equal(a1.watchers, 1);
	await waitUntil(() => last(vic, 'heartbeat-config').intervalMs === FAST, 5000, 'fast after the watch');
	assert.deepEqual(await ack(vic, 'heartbeat', {}), { ok: true, intervalMs: FAST });
	// A tab opened now beats fast from the start.
	const vic2 = await open('vic', ['heartbeat-config']);
	await waitUntil(() => last(vic2, 'heartbeat-config'), 5000, 'heartbeat-config at the second tab');
	assert.equal(last(vic2, 'heartbeat-config').intervalMs, FAST);

	// vic2's connect told every tab of vic.
	await waitUntil(() => vic.got.length === 3, 5000, 'the first tab told of the second tab\'s interval');
	const n = vic.got.length;
	assert.equal((await ack(ben, 'watch-chat', { chatId: 'chat-1', customer: 'vic@example.com', takeover: true })).watchers, 2);
	assert.equal((await ack(amy, 'watch-chat', { chatId: 'chat-1', customer: 'vic@example.com', watching: false })).intervalMs, FAST,
	    'ben\'s takeover keeps it fast');
	await sleep(200);
	assert.equal(vic.got.length, n, 'no heartbeat-config while the interval stays');
	const off = await ack(ben, 'watch-chat', { chatId: 'chat-1', customer: 'vic@example.com', watching: false, takeover: true });
	assert.equal(off.intervalMs, SLOW);
	assert.equal(off.watchers, 0);
	await waitUntil(() => last(vic, 'heartbeat-config').intervalMs === SLOW, 5000, 'slow again');
	await waitUntil(() => last(vic2, 'heartbeat-config').intervalMs === SLOW, 5000, 'slow again on the second tab');

	assert.equal((await ack(vic, 'watch-chat', { chatId: 'chat-1', customer: 'vic@example.com' })).error.code, 'FORBIDDEN');
	assert.equal((await ack(amy, 'watch-chat', { chatId: 'chat-1' })).error.code, 'BAD_REQUEST');
	assert.equal((await ack(amy, 'watch-chat', { chatId: 'chat 1', customer: 'vic@example.com' })).error.code, 'BAD_REQUEST');
	// Agents beat slowly, and their beat is their last activity.
	assert.deepEqual(await ack(amy, 'heartbeat', {}), { ok: true, intervalMs: SLOW });
	for (const s of [vic, vic2, amy, ben]) s.close();
	await waitUntil(async () => (await stack.redis('EXISTS', `${stack.prefix}chat-identity:{demo}:customer:vic@example.com`)).trim() === '0',
	    5000, 'vic offline');
}));

test('visitor-presence to agents: online, chat cleared, left the page flow, offline with last seen', w(async () => {
	const amy = await open('amy', ['visitor-presence', 'visitor-page']);
	const wes = await open('wes', ['visitor-presence']);
	const vic = await open('vic', []);
	const vp = () => amy.got.filter((e) => e.ev === 'visitor-presence' && e.email === 'vic@example.com');
	await waitUntil(() => vp().length >= 1, 5000, 'online');
	assert.equal(vp()[0].state, 'online');
	assert.equal(vp()[0].online, true);

	assert.deepEqual(await ack(vic, 'visitor-state', { state: 'cleared' }), { ok: true, state: 'cleared' });
	await waitUntil(() => vp().at(-1).state === 'cleared', 5000, 'cleared');
	assert.equal((await ack(vic, 'visitor-state', { state: 'online' })).state, 'online');
	assert.equal((await ack(vic, 'page-view', { url: 'https://shop.example/checkout', title: 'Checkout' })).ok, true);
	await waitUntil(() => amy.got.some((e) => e.ev === 'visitor-page' && e.url === 'https://shop.example/checkout'), 5000, 'visitor-page');
	// Leaving the page flow while still connected shows online; the
	// note stays once the socket goes.
	assert.equal((await ack(vic, 'visitor-state', { state: 'left' })).state, 'online');
	const t0 = Date.now();
	vic.close();
	await waitUntil(() => vp().at(-1).online === false, 5000, 'offline');
	const gone = vp().at(-1);
	assert.equal(gone.state, 'left');
	assert.ok(gone.lastSeen >= t0 - 1000, `lastSeen ${gone.lastSeen}`);
	const j = await fetch(`${stack.url}/chat/customers/vic@example.com/journey`, { headers: { authorization: `Bearer ${tok.amy}` } }).then((r) => r.json());
	assert.equal(j.presence.state, 'left');
	assert.equal(j.presence.online, false);
	assert.equal(j.presence.lastSeen, gone.lastSeen);
	assert.equal(j.presence.currentUrl, 'https://shop.example/checkout');

	const back = await open('vic', []);
	await waitUntil(() => vp().at(-1).online === true, 5000, 'back online');
	assert.equal(vp().at(-1).state, 'online');
	assert.equal((await ack(back, 'visitor-state', { state: 'asleep' })).error.code, 'BAD_REQUEST');
	assert.equal((await ack(amy, 'visitor-state', { state: 'left' })).error.code, 'FORBIDDEN');
	back.close();
	await waitUntil(() => vp().at(-1).online === false, 5000, 'offline again');
	assert.equal(vp().at(-1).state, 'offline');
	assert.ok(!wes.got.some((e) => e.email === 'vic@example.com'), 'other visitors do not see it');
	amy.close();
	wes.close();
}));
