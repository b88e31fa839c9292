// queue-svc, the conversation lifecycle over the stock socket.io-client:
// the whole flow of one customer and one agent (queue, pick-next, the
// "has joined" system message, messages both ways), who may send what,
// transfer to an agent and to a skill queue, resume-ai and takeover,
// close and rating, a closed conversation never resuming, and messages
// missed while the customer was offline delivered on reconnect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, whenConnected, sleep } from './harness.mjs';
import { record, take, none, emit, ok, api as apiOn } from './queue-helpers.mjs';

let stack;
const tokens = {};

before(async () => {
	stack = await Stack.start({ name: 'queue', config: { avg_handle_time_default_s: 120 } });
	const who = [
		['cust', 'customer', 'flow-customer@example.com', 'Flow Customer'],
		['other', 'customer', 'other-customer@example.com', 'Other Customer'],
		['a1', 'agent', 'agent1@example.com', 'Agent One'],
		['a2', 'agent', 'agent2@example.com', 'Agent Two'],
		['a3', 'agent', 'agent3@example.com', 'Agent Three'],
	];
	for (const [k, role, email, name] of who)
		tokens[k] = await stack.token({ role, email, name });
});
after(async () => {
	// Let the gateway's socket-close notices finish before it stops
	// (see the report on gw_svc_free racing NNG callbacks).
	for (const s of stack?.sockets ?? []) s.close();
	await sleep(500);
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const api = (...a) => apiOn(stack, ...a);

/** A socket that records from before it connects (events may come with the CONNECT). */
async function open(opts) {
	const s = record(stack.socket(opts));
	await whenConnected(s);
	return s;
}


/*
 * An agent socket, once queue-svc has it online (SOCKET_OPEN reaches
 * the service after the client sees its connect).
 */
async function agent(key, skills) {
	const auth = { token: tokens[key], orgId: 'demo' };
	if (skills) auth.context = { skills };
	const s = await open({ auth });
	const email = `${key.replace('a', 'agent')}@example.com`;
	await waitUntil(async () => {
		const { body } = await api(tokens[key], 'GET', '/chat/queue/agents');
		const me = body.agents && body.agents.find((a) => a.email === email);
		return me && (!skills || skills.every((k) => me.skills.includes(k)));
	}, 5000, `${email} online in queue-svc`);
	return s;
}

function refused(ack, code, what) {
	assert.equal(ack && ack.ok, false, `${what}: ${JSON.stringify(ack)}`);
	assert.equal(ack.error.code, code, `${what}: ${JSON.stringify(ack)}`);
}

let cust, a1, a2, a3, chatId;

test('whole flow: queue, notification, pick-next, joined, messages both ways', w(async () => {
	a1 = await agent('a1');
	cust = await open({ token: tokens.cust });
	const ack = ok(await emit(cust, 'chat-message', { text: 'I need help', clientMsgId: 'flow-1' }), 'first message');
	chatId = ack.message.chatId;
	assert.equal(ack.message.seq, 1);

	const pos = await take(cust, 'queue-position', (p) => p.chatId === chatId);
	assert.deepEqual(pos, { chatId, position: 1, etaSeconds: 120 });

	const note = await take(a1, 'queue-notification', (n) => n.chatId === chatId);
	assert.equal(note.customer.email, 'flow-customer@example.com');
	assert.equal(note.customer.name, 'Flow Customer');
	assert.deepEqual(note.skills, []);
	assert.equal(note.priority, 0);
	assert.equal(note.position, 1);
	assert.equal(typeof note.waiting, 'number');
	assert.equal(note.preview, 'I need help');

	const seen = (await api(tokens.a1, 'GET', '/chat/agents/agent1%40example.com/presence')).body.lastActivity;
	await new Promise((r) => setTimeout(r, 20));
	const pick = ok(await emit(a1, 'pick-next', {}), 'pick-next');
	assert.equal(pick.chat.chatId, chatId);
	assert.equal(pick.chat.status, 'active');
	assert.equal(pick.chat.customer.email, 'flow-customer@example.com');
	assert.equal(pick.chat.agent.email, 'agent1@example.com');
	// presence-svc shows the assignment, asking queue-svc for it.
	const pres = await api(tokens.a1, 'GET', '/chat/agents/agent1%40example.com/presence');
	assert.equal(pres.status, 200, JSON.stringify(pres.body));
	assert.equal(pres.body.activeChats, 1, JSON.stringify(pres.body));
	assert.ok(pres.body.lastActivity > seen, `lastActivity moved with the pick: ${seen} -> ${pres.body.lastActivity}`);

	for (const s of [cust, a1]) {
		const sys = await take(s, 'chat-message', (m) => m.chatId === chatId && m.from.role === 'system');
		assert.match(sys.text, /Agent One has joined/);
		assert.equal(sys.seq, 2);
		const as = await take(s, 'chat-assigned', (e) => e.chatId === chatId);
		assert.equal(as.agent.email, 'agent1@example.com');
	}

	const sent = ok(await emit(a1, 'chat-message', { chatId, text: 'Hello, how can I help?', clientMsgId: 'a1-1' }), 'agent message');
	const got = await take(cust, 'chat-message', (m) => m.id === sent.message.id);
	assert.equal(got.from.role, 'agent');
	assert.equal(got.text, 'Hello, how can I help?');

	// The customer may leave out chatId: it is their open conversation.
	const reply = ok(await emit(cust, 'chat-message', { text: 'My order is late', clientMsgId: 'flow-2' }), 'reply');
	assert.equal(reply.message.chatId, chatId);
	const atAgent = await take(a1, 'chat-message', (m) => m.id === reply.message.id);
	assert.equal(atAgent.from.email, 'flow-customer@example.com');

	const empty = ok(await emit(a1, 'pick-next', {}), 'pick-next on an empty queue');
	assert.equal(empty.chat, null);
}));

test('only members send; customers do not pick; staff name the conversation', w(async () => {
	assert.ok(chatId, 'the conversation of the first test');
	const other = await open({ token: tokens.other });
	refused(await emit(other, 'chat-message', { chatId, text: 'let me in', clientMsgId: 'x-1' }), 'FORBIDDEN', 'another customer');
	refused(await emit(other, 'pick-next', {}), 'FORBIDDEN', 'a customer picking');
	a2 = await agent('a2');
	refused(await emit(a2, 'chat-message', { chatId, text: 'not mine', clientMsgId: 'x-2' }), 'FORBIDDEN', 'an agent not assigned');
	refused(await emit(a2, 'chat-message', { text: 'no chat', clientMsgId: 'x-3' }), 'BAD_REQUEST', 'an agent without chatId');
	refused(await emit(a2, 'chat-message', { chatId: 'nosuchchat', text: 'hm', clientMsgId: 'x-4' }), 'NOT_FOUND', 'an unknown conversation');
	refused(await emit(a2, 'close-chat', { chatId }), 'FORBIDDEN', 'an agent closing another agent\'s chat');
	refused(await emit(a2, 'transfer-chat', { chatId, skill: 'billing' }), 'FORBIDDEN', 'an agent transferring another agent\'s chat');
	refused(await emit(a1, 'transfer-chat', { chatId }), 'BAD_REQUEST', 'a transfer without a target');
	// Nothing of the conversation reached the outsiders.
	await none(other, 'chat-message', (m) => m.chatId === chatId, 100);
	await none(a2, 'chat-message', (m) => m.chatId === chatId, 100);
	other.close();
}));

test('transfer to an agent: events to all three, the old agent may no longer send', w(async () => {
	assert.ok(a1 && a2, 'agents of the previous tests');
	const ack = ok(await emit(a1, 'transfer-chat', { chatId, toAgent: 'agent2@example.com', note: 'billing question' }), 'transfer');
	assert.equal(ack.chat.agent.email, 'agent2@example.com');
	for (const s of [cust, a1, a2]) {
		const ev = await take(s, 'chat-transferred', (e) => e.chatId === chatId);
		assert.equal(ev.from.email, 'agent1@example.com');
		assert.equal(ev.to.agent.email, 'agent2@example.com');
		const sys = await take(s, 'chat-message', (m) => m.chatId === chatId && m.from.role === 'system');
		assert.match(sys.text, /Transferred from Agent One to Agent Two/);
	}
	refused(await emit(a1, 'chat-message', { chatId, text: 'still me?', clientMsgId: 'a1-late' }), 'FORBIDDEN', 'the old agent');
	const m = ok(await emit(a2, 'chat-message', { chatId, text: 'Agent Two here', clientMsgId: 'a2-1' }), 'the new agent');
	await take(cust, 'chat-message', (x) => x.id === m.message.id);
	refused(await emit(a2, 'transfer-chat', { chatId, toAgent: 'nobody@example.com' }), 'AGENT_UNAVAILABLE', 'an offline target');
}));

test('transfer to a skill queue: only agents with the skill are told and may pick it', w(async () => {
	a3 = await agent('a3', ['billing']);
	const ack = ok(await emit(a2, 'transfer-chat', { chatId, skill: 'billing' }), 'transfer to billing');
	assert.equal(ack.chat.status, 'queued');
	assert.deepEqual(ack.chat.skills, ['billing']);
	await take(cust, 'chat-transferred', (e) => e.chatId === chatId && e.to.skill === 'billing');
	await take(a2, 'chat-transferred', (e) => e.chatId === chatId);
	const note = await take(a3, 'queue-notification', (n) => n.chatId === chatId);
	assert.deepEqual(note.skills, ['billing']);
	await none(a1, 'queue-notification', (n) => n.chatId === chatId, 200);
	await take(cust, 'queue-position', (p) => p.chatId === chatId && p.position === 1);
	assert.equal(ok(await emit(a1, 'pick-next', {}), 'a1 picks').chat, null, 'a1 has no billing skill');
	const pick = ok(await emit(a3, 'pick-next', {}), 'a3 picks');
	assert.equal(pick.chat && pick.chat.chatId, chatId);
	await take(cust, 'chat-message', (m) => m.chatId === chatId && /Agent Three has joined/.test(m.text));
}));

test('resume-ai hands it to the assistant; takeover-chat takes it back', w(async () => {
	const back = ok(await emit(a3, 'resume-ai', { chatId }), 'resume-ai');
	assert.equal(back.chat.status, 'ai');
	assert.equal(back.chat.agent, null);
	for (const s of [cust, a3]) {
		const ev = await take(s, 'ai-resumed', (e) => e.chatId === chatId);
		assert.equal(ev.by.email, 'agent3@example.com');
	}
	refused(await emit(a3, 'chat-message', { chatId, text: 'bye', clientMsgId: 'a3-x' }), 'FORBIDDEN', 'the agent left');
	refused(await emit(a3, 'resume-ai', { chatId }), 'BAD_STATE', 'resume-ai twice');
	// The customer keeps writing; the conversation waits for the assistant.
	ok(await emit(cust, 'chat-message', { text: 'hello assistant?', clientMsgId: 'flow-ai' }), 'message in ai state');
	const take1 = ok(await emit(a1, 'takeover-chat', { chatId }), 'takeover');
	assert.equal(take1.chat.status, 'active');
	assert.equal(take1.chat.agent.email, 'agent1@example.com');
	const ev = await take(cust, 'chat-takeover', (e) => e.chatId === chatId);
	assert.equal(ev.agent.email, 'agent1@example.com');
	refused(await emit(a2, 'takeover-chat', { chatId }), 'BAD_STATE', 'takeover of an active conversation');
}));

test('close: chat-closed to the members; a closed conversation never resumes; rating after close', w(async () => {
	refused(await emit(cust, 'rate-chat', { chatId, rating: 5 }), 'BAD_STATE', 'rating before close');
	const closed = ok(await emit(a1, 'close-chat', { chatId, reason: 'resolved' }), 'close');
	assert.equal(closed.chat.status, 'closed');
	for (const s of [cust, a1]) {
		const ev = await take(s, 'chat-closed', (e) => e.chatId === chatId);
		assert.equal(ev.by.email, 'agent1@example.com');
		assert.equal(ev.reason, 'resolved');
	}
	refused(await emit(cust, 'chat-message', { chatId, text: 'one more thing', clientMsgId: 'flow-late' }), 'CHAT_CLOSED', 'writing to a closed one');
	const again = ok(await emit(cust, 'close-chat', { chatId }), 'closing twice is harmless');
	assert.equal(again.chat.status, 'closed');
	const rate = ok(await emit(cust, 'rate-chat', { chatId, rating: 4, feedback: 'quick and kind' }), 'rating');
	assert.equal(rate.rating.rating, 4);
	const ev = await take(a1, 'chat-rated', (e) => e.chatId === chatId);
	assert.equal(ev.feedback, 'quick and kind');
	refused(await emit(cust, 'rate-chat', { chatId, rating: 9 }), 'BAD_REQUEST', 'rating out of range');
	refused(await emit(a1, 'rate-chat', { chatId, rating: 3 }), 'FORBIDDEN', 'an agent rating');

	const fresh = ok(await emit(cust, 'chat-message', { text: 'new question', clientMsgId: 'flow-new' }), 'new conversation');
	assert.notEqual(fresh.message.chatId, chatId, 'a closed conversation never resumes');
	assert.equal(fresh.message.seq, 1);
	chatId = fresh.message.chatId;
}));

test('messages sent while the customer was offline arrive when they reconnect', w(async () => {
	const pick = ok(await emit(a1, 'pick-next', {}), 'pick the new conversation');
	assert.equal(pick.chat.chatId, chatId);
	cust.close();
	// Wait until queue-svc has seen the socket close (it marks the identity away).
	const away = `${stack.prefix}chat-away:{demo}:customer:flow-customer@example.com`;
	await waitUntil(async () => (await stack.redis('EXISTS', away)).trim() === '1', 5000, 'the away mark');
	const sent = [];
	for (let i = 1; i <= 3; i++)
		sent.push(ok(await emit(a1, 'chat-message', { chatId, text: `while away ${i}`, clientMsgId: `away-${i}` }), `message ${i}`).message);
	cust = await open({ token: tokens.cust });
	for (const m of sent) {
		const got = await take(cust, 'chat-message', (x) => x.id === m.id);
		assert.equal(got.replayed, true);
		assert.equal(got.chatId, chatId);
	}
	// Replayed in order (the 2 s safety margin may add older ones: at least once).
	const seqs = cust.events.filter((e) => e.ev === 'chat-message' && e.arg.replayed && e.arg.chatId === chatId)
	    .map((e) => e.arg.seq);
	assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
}));
