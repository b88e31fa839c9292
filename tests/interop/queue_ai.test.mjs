// queue-svc and confab-ai: which conversations the assistant gets, what
// happens when it will not or cannot answer, how its answers are stored
// (CM_MSG_AI_RESULT, sent here as confab-ai sends it), and the cancel a
// person's takeover or close sends.  ai_e2e.test.mjs walks the same path
// as a user; this file pins each rule down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Stack, BIN, waitUntil, sleep } from './harness.mjs';
import { NngReq, MSG, STATUS } from './ai-nng.mjs';
import { take, none, emit, ok, api, who } from './queue-helpers.mjs';

const run = promisify(execFile);
let stack, queue, admin;

before(async () => {
	stack = await Stack.start({ name: 'queue-ai', config: { ai_debounce_ms: 0, ai_job_claim_ms: 1500 } });
	await run(path.join(BIN, 'confab-ai'), ['-c', stack.confPath, '--seed-demo']);
	queue = await NngReq.connect(stack.config.queue_address);
	admin = await stack.token({ role: 'admin', email: 'qa-admin@example.com' });
});
after(async () => {
	queue?.close();
	for (const s of stack?.sockets ?? []) s.close();
	await sleep(300);
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const customer = (email, configId) => who(stack, { role: 'customer', email, context: configId ? { configId } : undefined });
const agentOf = (email) => who(stack, { role: 'agent', email });
const view = async (chatId) => (await api(stack, admin, 'GET', `/chat/conversations/${chatId}`)).body.chat;
const history = async (chatId) => (await api(stack, admin, 'GET', `/chat/conversations/${chatId}/messages?limit=100`)).body.messages;
const result = (body) => queue.request(MSG.AI_RESULT, 'demo', body);

test('a customer who names a chat config with an assistant talks to it; one who names none is queued', w(async () => {
	const agent = await agentOf('qa-agent1@example.com');
	const c = await customer('qa-ai@example.com', 'demo');
	const m = ok(await emit(c, 'chat-message', { text: 'How long does shipping take?', clientMsgId: 'a1' }), 'send').message;
	assert.equal((await view(m.chatId)).status, 'ai');
	const answer = await take(c, 'chat-message', (x) => x.from.role === 'ai', 10000);
	assert.match(answer.text, /ship/);
	assert.equal(answer.from.name, 'Ada');
	assert.ok(answer.streamId, 'the stored answer names its stream');
	await none(agent, 'queue-notification', (x) => x.chatId === m.chatId, 300);

	// The same message again is one job: one answer.
	const again = ok(await emit(c, 'chat-message', { text: 'How long does shipping take?', clientMsgId: 'a1' }), 'resend');
	assert.equal(again.duplicate, true);
	await sleep(1500);
	assert.equal((await history(m.chatId)).filter((x) => x.from.role === 'ai').length, 1);

	const plain = await customer('qa-plain@example.com');
	const p = ok(await emit(plain, 'chat-message', { text: 'hi', clientMsgId: 'p1' }), 'send').message;
	assert.equal((await view(p.chatId)).status, 'queued');
	await take(agent, 'queue-notification', (x) => x.chatId === p.chatId);
}));

test('a chat config with no assistant, or none by that name: straight to the queue', w(async () => {
	const agent = await agentOf('qa-agent2@example.com');
	const put = await api(stack, admin, 'PUT', '/chat/config/greeting-only', { greeting: 'Hello!' });
	assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put.body));
	for (const [email, cfg] of [['qa-noassist@example.com', 'greeting-only'], ['qa-nocfg@example.com', 'no-such-config']]) {
		const c = await customer(email, cfg);
		const m = ok(await emit(c, 'chat-message', { text: 'anyone there?', clientMsgId: 'n1' }), 'send').message;
		const n = await take(agent, 'queue-notification', (x) => x.chatId === m.chatId);
		assert.equal(n.preview, 'anyone there?');
		assert.equal((await view(m.chatId)).status, 'queued');
		await take(c, 'queue-position', (x) => x.chatId === m.chatId);
	}
}));

test('an answer is stored once per job, bubble by bubble, and a hand-off queues the conversation with its reason', w(async () => {
	const agent = await agentOf('qa-agent3@example.com');
	const c = await customer('qa-result@example.com');
	const m = ok(await emit(c, 'chat-message', { text: 'help', clientMsgId: 'r1' }), 'send').message;
	// Taken, then given to the assistant: an "ai" conversation that no
	// customer message has asked anything yet.
	ok(await emit(agent, 'takeover-chat', { chatId: m.chatId }), 'take');
	const back = ok(await emit(agent, 'resume-ai', { chatId: m.chatId }), 'resume');
	assert.equal(back.chat.status, 'ai');

	const answer = { chatId: m.chatId, jobId: `${m.chatId}-77`, streamId: 's77', text: 'one two',
	    messages: [{ text: 'one', streamId: 's77a' }, { text: 'two', streamId: 's77b' }],
	    handoff: false, reason: '', assistant: { name: 'Ada' } };
	const first = await result(answer);
	assert.equal(first.status, STATUS.OK, JSON.stringify(first.body));
	const twice = await result(answer);
	assert.deepEqual(twice.body, first.body, 'a resent result answers the same');
	const ai = (await history(m.chatId)).filter((x) => x.from.role === 'ai');
	assert.deepEqual(ai.map((x) => [x.text, x.streamId, x.from.name]), [['one', 's77a', 'Ada'], ['two', 's77b', 'Ada']]);
	assert.equal(first.body.message.seq, ai[1].seq);
	assert.equal((await take(c, 'chat-message', (x) => x.from.role === 'ai')).text, 'one');
	assert.equal((await take(c, 'chat-message', (x) => x.from.role === 'ai')).text, 'two');

	const off = await result({ chatId: m.chatId, jobId: `${m.chatId}-78`, streamId: 's78', text: '',
	    handoff: true, reason: 'The customer asked for a person', assistant: { name: 'Ada' } });
	assert.equal(off.status, STATUS.OK, JSON.stringify(off.body));
	assert.equal((await view(m.chatId)).status, 'queued');
	const sys = await take(c, 'chat-message', (x) => x.from.role === 'system' && /person/.test(x.text));
	assert.equal(sys.text, 'Handed over to a person: The customer asked for a person');
	await take(agent, 'queue-notification', (x) => x.chatId === m.chatId);
	await take(c, 'queue-position', (x) => x.chatId === m.chatId);

	// A late answer to a conversation a person has: stored, nothing handed over.
	const late = await result({ chatId: m.chatId, jobId: `${m.chatId}-79`, streamId: 's79', text: 'late',
	    handoff: true, reason: 'again', assistant: { name: 'Ada' } });
	assert.equal(late.status, STATUS.OK);
	assert.equal((await history(m.chatId)).filter((x) => /again/.test(x.text)).length, 0);

	ok(await emit(c, 'close-chat', {}), 'close');
	const closed = await result({ ...answer, jobId: `${m.chatId}-80` });
	assert.equal(closed.status, STATUS.ERROR);
	assert.equal(closed.body.error.code, 'CHAT_CLOSED');
}));

test('bad results are refused with BAD_REQUEST and store nothing', w(async () => {
	const base = { chatId: 'nochat00000000000000', jobId: 'j-1', text: 'x', handoff: false };
	for (const bad of [{ ...base, jobId: undefined }, { ...base, jobId: 'bad id!' }, { ...base, chatId: '../x' },
	    { ...base, messages: 'no' }, { ...base, messages: [{ text: 5 }] }, { ...base, text: 7 },
	    { ...base, reason: 'r'.repeat(600) }, { ...base, assistant: { name: {} } }]) {
		const r = await result(bad);
		assert.equal(r.status, STATUS.ERROR, JSON.stringify(bad));
		assert.equal(r.body.error.code, 'BAD_REQUEST', JSON.stringify(r.body));
	}
	const r = await result(base);
	assert.equal(r.body.error.code, 'NOT_FOUND');
	const raw = await queue.request(MSG.AI_RESULT, 'demo', 'not json');
	assert.notEqual(raw.status, STATUS.OK);
}));

test('taking over or closing an AI conversation tells confab-ai to stop', w(async () => {
	const agent = await agentOf('qa-agent4@example.com');
	for (const how of ['takeover', 'closed']) {
		const c = await customer(`qa-cancel-${how}@example.com`, 'demo');
		const m = ok(await emit(c, 'chat-message', { text: 'hello?', clientMsgId: 'c1' }), 'send').message;
		if (how === 'takeover')
			ok(await emit(agent, 'takeover-chat', { chatId: m.chatId }), 'takeover');
		else
			ok(await emit(c, 'close-chat', {}), 'close');
		await waitUntil(() => new RegExp(`msg="ai cancelled" org=demo chat=${m.chatId} reason="${how}"`).test(stack.logText('ai')),
		    5000, `confab-ai to log the ${how} cancel`);
	}
}));

test('a person holds it: one refusal quiets the assistant for that conversation, not a round trip per message', w(async () => {
	const agent = await agentOf('qa-agent6@example.com');
	const c = await customer('qa-quiet@example.com', 'demo');
	const m = ok(await emit(c, 'chat-message', { text: 'hello?', clientMsgId: 'q1' }), 'send').message;
	ok(await emit(agent, 'takeover-chat', { chatId: m.chatId }), 'takeover');
	const declined = () => (stack.logText('queue').match(new RegExp(`msg="assistant declined" org=demo chat=${m.chatId} then=quiet`, 'g')) || []).length;
	ok(await emit(c, 'chat-message', { text: 'are you a bot?', clientMsgId: 'q2' }), 'send');
	await waitUntil(() => declined() === 1, 5000, 'the refusal for the active conversation');
	for (let i = 3; i < 6; i++)
		ok(await emit(c, 'chat-message', { text: `more ${i}`, clientMsgId: `q${i}` }), 'send');
	await sleep(500);
	assert.equal(declined(), 1, 'asked once, not per message');
	assert.equal((await view(m.chatId)).status, 'active');
}));

test('confab-ai or queue-svc SIGKILLed while an answer is written: the customer gets it stored exactly once', w(async () => {
	const put = await api(stack, admin, 'PUT', '/chat/config/slow', {
		assistant: { backend: 'faq', name: 'Ada', chunkDelayMs: 150, minScore: 0.1 } });
	assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put.body));
	for (const victim of ['ai', 'queue']) {
		const c = await customer(`qa-kill-${victim}@example.com`, 'slow');
		c.streamed = 0;
		c.on('chat-stream', (x) => { if (x.event === 'chunk') c.streamed++; });
		const m = ok(await emit(c, 'chat-message', { text: 'which payment methods do you accept?', clientMsgId: 'k1' }), 'send').message;
		await waitUntil(() => c.streamed > 0, 8000, 'an answer being written');
		await stack.restart(victim, 'SIGKILL');
		const answer = await take(c, 'chat-message', (x) => x.from.role === 'ai', 20000);
		assert.match(answer.text, /Visa/);
		await sleep(2500);	// a second claim of the job would have answered by now
		const stored = (await history(m.chatId)).filter((x) => x.from.role === 'ai');
		assert.equal(stored.length, 1, `${victim}: ${JSON.stringify(stored)}`);
		assert.equal((await view(m.chatId)).status, 'ai');
	}
}));

test('confab-ai unreachable: the conversation goes to a person, the message is kept', w(async () => {
	const agent = await agentOf('qa-agent5@example.com');
	await stack.kill('ai');
	const c = await customer('qa-down@example.com', 'demo');
	const m = ok(await emit(c, 'chat-message', { text: 'is anyone there?', clientMsgId: 'd1' }), 'send').message;
	await take(agent, 'queue-notification', (x) => x.chatId === m.chatId, 8000);
	assert.equal((await view(m.chatId)).status, 'queued');
	assert.equal((await history(m.chatId)).filter((x) => x.text === 'is anyone there?').length, 1);
	await stack.startService('ai');
}));
