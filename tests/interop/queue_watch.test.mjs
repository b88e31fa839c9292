// watch-chat (seed 003's manager watching): a staff member who may read a
// conversation gets its events live, read only, while the watch lasts;
// the ack also carries presence-svc's part (the visitor's heartbeat).
// Admins and managers may watch any conversation of the org; an agent
// only those it may read (queued, or ones it was in).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, sleep } from './harness.mjs';
import { take, none, emit, ok, api, who } from './queue-helpers.mjs';

let stack, admin, cust, agent, other, chatId;

before(async () => {
	stack = await Stack.start({ name: 'queue-watch' });
	admin = await who(stack, { role: 'admin', email: 'w-admin@example.com' });
	agent = await who(stack, { role: 'agent', email: 'w-agent@example.com' });
	other = await who(stack, { role: 'agent', email: 'w-other@example.com' });
	cust = await who(stack, { role: 'customer', email: 'w-cust@example.com' });
	chatId = ok(await emit(cust, 'chat-message', { text: 'hello', clientMsgId: 'w0' }), 'open').message.chatId;
	const picked = ok(await emit(agent, 'pick-next', {}), 'pick');
	assert.equal(picked.chat.chatId, chatId);
});
after(async () => {
	for (const s of stack?.sockets ?? []) s.close();
	await sleep(300);
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const said = (s, text) => take(s, 'chat-message', (m) => m.chatId === chatId && m.text === text);

test('an admin watching gets both sides live, read only, and presence-svc\'s heartbeat part', w(async () => {
	const a = ok(await emit(admin, 'watch-chat', { chatId }), 'watch');
	assert.equal(a.live, true);
	assert.equal(a.customer, 'w-cust@example.com', 'the customer filled in from the conversation');
	assert.equal(typeof a.intervalMs, 'number');
	assert.equal(a.watchers, 1);
	ok(await emit(cust, 'chat-message', { text: 'from the customer', clientMsgId: 'w1' }), 'send');
	ok(await emit(agent, 'chat-message', { chatId, text: 'from the agent', clientMsgId: 'w2' }), 'send');
	await said(admin, 'from the customer');
	await said(admin, 'from the agent');
	const refused = await emit(admin, 'chat-message', { chatId, text: 'I am only watching', clientMsgId: 'w3' });
	assert.equal(refused.error.code, 'FORBIDDEN');

	ok(await emit(admin, 'watch-chat', { chatId, watching: false }), 'unwatch');
	ok(await emit(cust, 'chat-message', { text: 'after the watch', clientMsgId: 'w4' }), 'send');
	await said(agent, 'after the watch');
	await none(admin, 'chat-message', (m) => m.text === 'after the watch');
}));

test('an agent who was never in it watches without the live copy until it is made a manager', w(async () => {
	const a = ok(await emit(other, 'watch-chat', { chatId }), 'watch');
	assert.equal(a.live, false);
	ok(await emit(cust, 'chat-message', { text: 'not for other', clientMsgId: 'w5' }), 'send');
	await none(other, 'chat-message', (m) => m.text === 'not for other');
	assert.equal((await api(stack, other.token, 'GET', `/chat/conversations/${chatId}/messages`)).status, 403);

	const put = await api(stack, admin.token, 'PUT', '/chat/queue/agents/w-other@example.com', { isManager: true });
	assert.equal(put.status, 200, JSON.stringify(put.body));
	assert.equal(put.body.agent.isManager, true);
	assert.equal(ok(await emit(other, 'watch-chat', { chatId }), 'watch').live, true);
	ok(await emit(cust, 'chat-message', { text: 'for the manager', clientMsgId: 'w6' }), 'send');
	await said(other, 'for the manager');
	assert.equal((await api(stack, other.token, 'GET', `/chat/conversations/${chatId}/messages`)).status, 200);
	const bad = await api(stack, admin.token, 'PUT', '/chat/queue/agents/w-other@example.com', { isManager: 'yes' });
	assert.equal(bad.status, 400);
}));

test('a close reaches the watchers and ends their watch; an unknown conversation is presence-svc\'s alone', w(async () => {
	ok(await emit(admin, 'watch-chat', { chatId }), 'watch');
	ok(await emit(agent, 'close-chat', { chatId }), 'close');
	await take(admin, 'chat-closed', (e) => e.chatId === chatId);
	assert.equal((await stack.redis('EXISTS', `${stack.prefix}chat-watchers:{demo}:${chatId}`)).trim(), '0');
	const unknown = ok(await emit(admin, 'watch-chat', { chatId: 'no-such-chat', customer: 'w-cust@example.com' }), 'unknown');
	assert.equal(unknown.live, false);
	assert.equal((await emit(cust, 'watch-chat', { chatId })).error.code, 'FORBIDDEN');
}));
