// queue-svc timers and automation, with short configured durations:
// the inactivity warning and close, the same deadlines firing after
// queue-svc was SIGKILLed and restarted (they live in Redis), typing
// throttled and cleared by itself, and auto-assignment to the
// least-busy agent with a free slot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, whenConnected, sleep } from './harness.mjs';
import { record, takeEvent, emit, ok, api as apiOn, who as whoOn } from './queue-helpers.mjs';

let stack;

before(async () => {
	stack = await Stack.start({ name: 'queue-timers', config: {
		inactivity_warning_s: 1,
		inactivity_close_s: 3,
		typing_timeout_s: 1,
		typing_throttle_ms: 2000,
		agent_max_chats: 2,
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
const take = (s, ev, pred, ms = 6000) => takeEvent(s, ev, pred, ms);
const api = (...a) => apiOn(stack, ...a);
const who = (org, role, email) => whoOn(stack, { org, role, email });

/** A customer with a conversation that agent has picked. */
async function picked(agent, email) {
	const c = await who('demo', 'customer', email);
	const chatId = ok(await emit(c, 'chat-message', { text: 'hello', clientMsgId: 'h' }), 'open').message.chatId;
	const pick = ok(await emit(agent, 'pick-next', {}), 'pick');
	assert.equal(pick.chat.chatId, chatId);
	return { c, chatId, t0: Date.now() };
}

test('inactivity: a warning after 1 s, a message resets the clock, a close after 3 s', w(async () => {
	const a = await who('demo', 'agent', 'timer-agent@example.com');
	const { c, chatId, t0 } = await picked(a, 'timer-cust@example.com');
	const warn = await take(c, 'inactivity-warning', (e) => e.chatId === chatId);
	assert.ok(warn.at - t0 >= 800, `warned after ${warn.at - t0} ms`);
	assert.equal(typeof warn.arg.closesAt, 'number');
	await take(a, 'inactivity-warning', (e) => e.chatId === chatId);
	const sys = await take(c, 'chat-message', (m) => m.chatId === chatId && m.from.role === 'system' && /close soon/.test(m.text));
	assert.equal(sys.arg.kind, 'system');

	ok(await emit(c, 'chat-message', { text: 'still here', clientMsgId: 'still' }), 'reset');
	const reset = Date.now();
	await take(c, 'inactivity-warning', (e) => e.chatId === chatId);
	const closed = await take(c, 'chat-closed', (e) => e.chatId === chatId, 8000);
	assert.equal(closed.arg.reason, 'inactivity');
	assert.equal(closed.arg.by.role, 'system');
	assert.ok(closed.at - reset >= 2700, `closed ${closed.at - reset} ms after the last message`);
	await take(a, 'chat-closed', (e) => e.chatId === chatId);
	const view = await api(a.token, 'GET', `/chat/conversations/${chatId}`);
	assert.equal(view.body.chat.status, 'closed');
	assert.equal(view.body.chat.closeReason, 'inactivity');
	a.close();
}));

test('deadlines survive a queue-svc SIGKILL: they fire after the restart', w(async () => {
	const a = await who('demo', 'agent', 'restart-agent@example.com');
	const { c, chatId } = await picked(a, 'restart-cust@example.com');
	await stack.kill('queue', 'SIGKILL');
	await sleep(3500);		// both deadlines pass while it is down
	const up = Date.now();
	await stack.startService('queue');
	const closed = await take(c, 'chat-closed', (e) => e.chatId === chatId, 8000);
	assert.equal(closed.arg.reason, 'inactivity');
	assert.ok(closed.at - up < 5000, `closed ${closed.at - up} ms after the restart`);
	a.close();
}));

test('typing: relayed to the other members, throttled for the visitor, cleared by itself', w(async () => {
	const a = await who('demo', 'agent', 'typing-agent@example.com');
	const { c, chatId } = await picked(a, 'typing-cust@example.com');
	const first = ok(await emit(c, 'typing', { typing: true }), 'typing');
	assert.equal(first.throttled, false);
	const on = await take(a, 'typing', (e) => e.chatId === chatId && e.typing === true);
	assert.equal(on.arg.from.email, 'typing-cust@example.com');
	const again = ok(await emit(c, 'typing', { chatId, typing: true }), 'typing again');
	assert.equal(again.throttled, true, 'one per 2 s');
	// Cleared by itself after typing_timeout_s (1 s), extended by the throttled one.
	const off = await take(a, 'typing', (e) => e.chatId === chatId && e.typing === false, 4000);
	assert.ok(off.at - on.at >= 900, `cleared after ${off.at - on.at} ms`);
	assert.equal(a.events.filter((e) => e.ev === 'typing').length, 0, 'the throttled one was not relayed');
	assert.equal(c.events.filter((e) => e.ev === 'typing').length, 0, 'not echoed to the sender');

	ok(await emit(a, 'typing', { chatId, typing: true }), 'agent typing');
	await take(c, 'typing', (e) => e.chatId === chatId && e.typing === true && e.from.role === 'agent');
	ok(await emit(a, 'typing', { chatId, typing: false }), 'agent stops');
	await take(c, 'typing', (e) => e.chatId === chatId && e.typing === false);
	const stranger = await who('demo', 'customer', 'typing-stranger@example.com');
	const no = await emit(stranger, 'typing', { chatId, typing: true });
	assert.equal(no.error && no.error.code, 'FORBIDDEN');
	const bad = await emit(c, 'typing', { chatId });
	assert.equal(bad.error && bad.error.code, 'BAD_REQUEST');
	a.close();
}));

test('auto-assignment: the least-busy agent with a free slot, else the queue', w(async () => {
	const admin = await who('auto', 'admin', 'auto-admin@example.com');
	const a = await who('auto', 'agent', 'auto-a@example.com');
	const refused = await api(a.token, 'PUT', '/chat/queue/settings', { autoAssign: true });
	assert.equal(refused.status, 403, 'only an admin changes settings');
	const set = await api(admin.token, 'PUT', '/chat/queue/settings', { autoAssign: true });
	assert.equal(set.status, 200, JSON.stringify(set.body));
	assert.equal(set.body.autoAssign, true);
	const b = await who('auto', 'agent', 'auto-b@example.com');
	// Three agents online (the admin serves too), two slots each.
	const load = new Map([['auto-admin@example.com', 0], ['auto-a@example.com', 0], ['auto-b@example.com', 0]]);
	const cs = [];
	for (let i = 1; i <= 7; i++) {
		const c = await who('auto', 'customer', `auto-c${i}@example.com`);
		c.chatId = ok(await emit(c, 'chat-message', { text: `c${i}`, clientMsgId: 'x' }), `c${i}`).message.chatId;
		cs.push(c);
		if (i === 7)
			break;
		const ev = await take(c, 'chat-assigned', (e) => e.chatId === c.chatId);
		assert.equal(ev.arg.how, 'auto');
		c.agent = ev.arg.agent.email;
		load.set(c.agent, load.get(c.agent) + 1);
		const v = [...load.values()];
		assert.ok(Math.max(...v) - Math.min(...v) <= 1, `least busy first: ${JSON.stringify([...load])}`);
	}
	assert.deepEqual([...load.values()], [2, 2, 2]);
	const last = cs[6];
	await take(last, 'queue-position', (p) => p.chatId === last.chatId && p.position === 1);
	assert.equal(last.events.filter((e) => e.ev === 'chat-assigned').length, 0, 'no free slot: it waits');
	// An admin gives auto-b a third slot: the waiting conversation goes there.
	const no = await api(a.token, 'PUT', '/chat/queue/agents/auto-b@example.com', { maxChats: 3 });
	assert.equal(no.status, 403, 'only an admin sets an agent\'s limit');
	const more = await api(admin.token, 'PUT', '/chat/queue/agents/auto-b@example.com', { maxChats: 3 });
	assert.equal(more.status, 200, JSON.stringify(more.body));
	assert.equal(more.body.agent.maxChats, 3);
	assert.equal(more.body.agent.online, true);
	let ev = await take(last, 'chat-assigned', (e) => e.chatId === last.chatId);
	assert.equal(ev.arg.agent.email, 'auto-b@example.com');
	// Everyone is full now; a slot that frees up takes the next one.
	const eighth = await who('auto', 'customer', 'auto-c8@example.com');
	eighth.chatId = ok(await emit(eighth, 'chat-message', { text: 'c8', clientMsgId: 'x' }), 'c8').message.chatId;
	await take(eighth, 'queue-position', (p) => p.chatId === eighth.chatId && p.position === 1);
	const freed = cs.find((c) => c.agent === 'auto-a@example.com');
	const closed = await api(a.token, 'POST', `/chat/conversations/${freed.chatId}/close`, { reason: 'resolved' });
	assert.equal(closed.status, 200, JSON.stringify(closed.body));
	ev = await take(eighth, 'chat-assigned', (e) => e.chatId === eighth.chatId);
	assert.equal(ev.arg.agent.email, 'auto-a@example.com');

	// An agent who set itself away (presence-svc) is given nothing new;
	// available again, it is.  presence-svc tells queue-svc the status.
	const away = ok(await emit(a, 'set-status', { status: 'away' }), 'set-status away');
	assert.equal(away.status, 'away');
	// auto-a's slot frees up while it is away (the eighth conversation).
	const closing = await api(a.token, 'POST', `/chat/conversations/${eighth.chatId}/close`, { reason: 'resolved' });
	assert.equal(closing.status, 200, JSON.stringify(closing.body));
	const ninth = await who('auto', 'customer', 'auto-c9@example.com');
	ninth.chatId = ok(await emit(ninth, 'chat-message', { text: 'c9', clientMsgId: 'x' }), 'c9').message.chatId;
	await take(ninth, 'queue-position', (p) => p.chatId === ninth.chatId && p.position === 1);
	await sleep(300);
	assert.equal(ninth.events.filter((e) => e.ev === 'chat-assigned').length, 0, 'an away agent gets nothing new');
	ok(await emit(a, 'set-status', { status: 'available' }), 'set-status available');
	ev = await take(ninth, 'chat-assigned', (e) => e.chatId === ninth.chatId);
	assert.equal(ev.arg.agent.email, 'auto-a@example.com');
}));
