// queue-svc routing: two agents racing pick-next a few hundred times
// never get the same conversation; the queue-position figures follow
// ETA = ceil(position / availableAgents) * avgHandleTimeSeconds as
// agents come and conversations resolve; priority then arrival orders
// a queue, and skill queues reach only agents with the skill.  Each test
// uses its own org, so their queues never mix.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, whenConnected, sleep } from './harness.mjs';
import { record, take, emit, ok, api as apiOn, who as whoOn } from './queue-helpers.mjs';

let stack;

before(async () => {
	stack = await Stack.start({ name: 'queue-routing', config: {
		avg_handle_time_default_s: 100,
		agent_max_chats: 1000,
		rate_limit_events_per_minute: 0,	/* 2 x 120 picks in seconds */
	} });
});
after(async () => {
	// Let the gateway's socket-close notices finish before it stops
	// (see the report on gw_svc_free racing NNG callbacks).
	for (const s of stack?.sockets ?? []) s.close();
	await sleep(500);
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const api = (token, method, path, body) => apiOn(stack, token, method, path, body);
const who = (org, role, email, skills) => whoOn(stack, { org, role, email, context: skills ? { skills } : undefined });

test('two agents racing pick-next never get the same conversation', w(async () => {
	const N = 120;
	const chats = new Set();
	// Customers in batches; each leaves one queued conversation behind.
	for (let b = 0; b < N; b += 20) {
		await Promise.all(Array.from({ length: Math.min(20, N - b) }, async (_, i) => {
			const c = await who('race', 'customer', `race-${b + i}@example.com`);
			const ack = ok(await emit(c, 'chat-message', { text: `help ${b + i}`, clientMsgId: 'r1' }), 'queue');
			chats.add(ack.message.chatId);
			c.close();
		}));
	}
	assert.equal(chats.size, N);
	const agents = [await who('race', 'agent', 'racer-a@example.com'), await who('race', 'agent', 'racer-b@example.com')];
	const got = new Map();	// chatId -> agent email
	let nulls = 0;
	// Each agent fires N picks, eight in flight at a time: 2N in all.
	await Promise.all(agents.map(async (a, k) => {
		const email = k === 0 ? 'racer-a@example.com' : 'racer-b@example.com';
		for (let i = 0; i < N; i += 8) {
			const acks = await Promise.all(Array.from({ length: 8 }, () => emit(a, 'pick-next', {})));
			for (const ack of acks) {
				ok(ack, 'pick-next');
				if (ack.chat === null) {
					nulls++;
					continue;
				}
				assert.ok(!got.has(ack.chat.chatId), `${ack.chat.chatId} given to ${got.get(ack.chat.chatId)} and ${email}`);
				assert.equal(ack.chat.agent.email, email);
				got.set(ack.chat.chatId, email);
			}
		}
	}));
	assert.equal(got.size, N, 'every conversation picked once');
	assert.deepEqual([...got.keys()].sort(), [...chats].sort());
	assert.ok(nulls >= N, `${nulls} empty picks`);
	const { body } = await api(agents[0].token, 'GET', '/chat/queue/agents');
	const load = Object.fromEntries(body.agents.map((a) => [a.email, a.load]));
	const mine = (e) => [...got.values()].filter((x) => x === e).length;
	assert.equal(load['racer-a@example.com'], mine('racer-a@example.com'));
	assert.equal(load['racer-b@example.com'], mine('racer-b@example.com'));
	const stats = await api(agents[0].token, 'GET', '/chat/queue/stats');
	assert.equal(stats.body.waiting, 0);
	assert.equal(stats.body.active, N);
}));

test('ETA = ceil(position / agents) * average handle time, as agents come and chats resolve', w(async () => {
	const pos = (s, position, etaSeconds) => take(s, 'queue-position',
	    (p) => p.position === position && p.etaSeconds === etaSeconds);
	const c1 = await who('eta', 'customer', 'eta-1@example.com');
	ok(await emit(c1, 'chat-message', { text: 'first', clientMsgId: 'e1' }), 'c1');
	await pos(c1, 1, null);				// no agent online: unknown
	const a = await who('eta', 'agent', 'eta-agent-a@example.com');
	await pos(c1, 1, 100);				// ceil(1/1) * 100
	const c2 = await who('eta', 'customer', 'eta-2@example.com');
	ok(await emit(c2, 'chat-message', { text: 'second', clientMsgId: 'e2' }), 'c2');
	await pos(c2, 2, 200);				// ceil(2/1) * 100
	const c3 = await who('eta', 'customer', 'eta-3@example.com');
	ok(await emit(c3, 'chat-message', { text: 'third', clientMsgId: 'e3' }), 'c3');
	await pos(c3, 3, 300);
	const b = await who('eta', 'agent', 'eta-agent-b@example.com');
	await pos(c2, 2, 100);				// ceil(2/2) * 100
	await pos(c3, 3, 200);				// ceil(3/2) * 100
	await sleep(200);
	assert.equal(c1.events.filter((e) => e.ev === 'queue-position').length, 0, 'c1 unchanged: no event');

	const pick = ok(await emit(a, 'pick-next', {}), 'pick c1');
	assert.equal(pick.chat.customer.email, 'eta-1@example.com');
	await pos(c2, 1, 100);
	await pos(c3, 2, 100);
	await sleep(1100);
	ok(await emit(a, 'close-chat', { chatId: pick.chat.chatId }), 'close c1');
	// One resolved conversation handled for 1 s: the average is 1 s now.
	await pos(c2, 1, 1);
	await pos(c3, 2, 1);
	const stats = await api(b.token, 'GET', '/chat/queue/stats');
	assert.equal(stats.body.avgHandleTimeSeconds, 1);
	assert.equal(stats.body.waiting, 2);
	assert.equal(stats.body.resolvedToday, 1);
	assert.equal(stats.body.agents.online, 2);
}));

test('priority then arrival orders a queue; a skill queue is served only by its agents', w(async () => {
	const cs = [];
	for (let i = 1; i <= 3; i++) {
		const c = await who('prio', 'customer', `prio-${i}@example.com`);
		c.chatId = ok(await emit(c, 'chat-message', { text: `p${i}`, clientMsgId: 'p' }), `p${i}`).message.chatId;
		cs.push(c);
		await sleep(5);
	}
	const vip = await who('prio', 'customer', 'prio-vip@example.com');
	vip.chatId = ok(await emit(vip, 'chat-message', { text: 'vip', clientMsgId: 'v', skill: 'vip' }), 'vip').message.chatId;
	const admin = await who('prio', 'admin', 'prio-admin@example.com');
	const up = await api(admin.token, 'PATCH', `/chat/conversations/${cs[2].chatId}`, { priority: 5 });
	assert.equal(up.status, 200, JSON.stringify(up.body));
	assert.equal(up.body.chat.priority, 5);
	await take(cs[2], 'queue-position', (p) => p.position === 1);
	await take(cs[0], 'queue-position', (p) => p.position === 2);
	const customer = await api(cs[0].token, 'PATCH', `/chat/conversations/${cs[0].chatId}`, { priority: 9 });
	assert.equal(customer.status, 403, 'a customer may not raise priority');

	const list = await api(admin.token, 'GET', '/chat/queue');
	assert.deepEqual(list.body.queue.map((c) => c.chatId), [cs[2].chatId, cs[0].chatId, cs[1].chatId, vip.chatId]);

	const plain = await who('prio', 'agent', 'prio-plain@example.com');
	const order = [];
	for (let i = 0; i < 4; i++) {
		const ack = ok(await emit(plain, 'pick-next', {}), 'plain pick');
		order.push(ack.chat && ack.chat.chatId);
	}
	assert.deepEqual(order, [cs[2].chatId, cs[0].chatId, cs[1].chatId, null], 'priority 5 first, then arrival; not the vip queue');
	const expert = await who('prio', 'agent', 'prio-expert@example.com', ['vip']);
	const got = ok(await emit(expert, 'pick-next', { skills: ['vip'] }), 'vip pick');
	assert.equal(got.chat.chatId, vip.chatId);
	assert.deepEqual(got.chat.skills, ['vip']);
	const bad = await emit(expert, 'pick-next', { skills: ['no spaces'] });
	assert.equal(bad.ok, false);
	assert.equal(bad.error.code, 'BAD_REQUEST');
}));
