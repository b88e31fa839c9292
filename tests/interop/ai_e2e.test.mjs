// The whole path through queue-svc, as a newcomer to `make run` sees it:
// a customer connects with context { configId: "demo" }, is greeted,
// asks, gets a streamed answer stored as one AI message, asks for a
// human and is queued for a real agent, who takes a later answer over
// mid-stream and gives the conversation back.
// queue_ai.test.mjs pins down each rule of this path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Stack, BIN, waitUntil, whenConnected, waitEvent } from './harness.mjs';
import { rest, recordStreams, endedStreams, waitStream, chunkText } from './ai-helpers.mjs';

const run = promisify(execFile);
let stack, agentToken;

before(async () => {
	stack = await Stack.start({ name: 'ai-e2e', config: { ai_debounce_ms: 200 } });
	await run(path.join(BIN, 'confab-ai'), ['-c', stack.confPath, '--seed-demo']);
	agentToken = await stack.token({ role: 'agent', email: 'e2e-agent@example.com', name: 'Agent E' });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

/** A widget: a customer socket with context.configId, recording everything. */
async function widget(email) {
	const token = await stack.token({ role: 'customer', email, name: 'Widget User' });
	const s = recordStreams(stack.socket({ auth: { token, orgId: 'demo', context: { configId: 'demo' } } }));
	s.greetings = [];
	s.messages = [];
	s.on('ai-greeting', (g) => s.greetings.push(g));
	s.on('chat-message', (m) => s.messages.push(m));
	await whenConnected(s);
	return s;
}

async function say(s, text) {
	const ack = await s.timeout(5000).emitWithAck('chat-message', { text, clientMsgId: `e2e-${Math.random()}` });
	assert.equal(ack.ok, true, JSON.stringify(ack));
	return ack.message;
}

/** Waits until queue-svc handed confab-ai a job for chatId. */
async function queueSentJob(chatId, ms = 3000) {
	await waitUntil(async () => (await stack.redis('XRANGE', `${stack.prefix}ai-jobs`, '-', '+')).includes(`"chatId":"${chatId}"`), ms, 'a job');
}

test('greeting, a streamed answer stored as one AI message, then a hand-off to a real agent', w(async () => {
	const s = await widget('newcomer@example.com');
	await waitUntil(() => s.greetings.length === 1, 5000, 'the greeting');
	assert.match(s.greetings[0].text, /Ada/);
	const m = await say(s, 'How long does shipping take?');
	await queueSentJob(m.chatId);
	const st = await waitStream(s, m.chatId);
	assert.match(st.end.text, /Orders ship within one working day/);
	assert.equal(chunkText(st), st.end.text);
	const stored = await waitUntil(() => s.messages.find((x) => x.from && x.from.role === 'ai'), 5000, 'the stored AI message');
	assert.equal(stored.text, st.end.text, 'the chunks concatenate to the stored message');
	assert.equal(stored.chatId, m.chatId);

	const agent = await stack.connect({ token: agentToken, orgId: 'demo' });
	const queued = waitEvent(agent, 'queue-notification', 10000);
	await say(s, 'I want to talk to a human');
	const handoff = await waitUntil(() => endedStreams(s, m.chatId).find((x) => x.end.handoff), 8000, 'the hand-off');
	assert.equal(handoff.end.reason, 'The customer asked for a person');
	const n = await queued;
	assert.equal(n.chatId, m.chatId);
	const picked = await agent.timeout(5000).emitWithAck('pick-next', {});
	assert.equal(picked.ok, true, JSON.stringify(picked));
	agent.close();
	s.close();
}));

test('an agent takes a streaming answer over mid-stream, then resumes the assistant', w(async () => {
	// A slow assistant, so that the takeover lands mid-stream.
	const admin = await stack.token({ role: 'admin', email: 'e2e-admin@example.com' });
	const put = await rest(stack, admin, 'PUT', '/chat/config/demo', {
		greeting: 'Hi', assistant: { backend: 'faq', name: 'Ada', chunkDelayMs: 500, minScore: 0.1 } });
	assert.equal(put.status, 200, JSON.stringify(put.body));
	const s = await widget('takeover@example.com');
	const agent = await stack.connect({ token: agentToken, orgId: 'demo' });
	const m = await say(s, 'which payment methods do you accept?');
	await queueSentJob(m.chatId);
	await waitUntil(() => [...s.streams.values()].some((x) => x.chatId === m.chatId && !x.events.some((e) => e.event === 'end') &&
	    x.events.some((e) => e.event === 'chunk')), 8000, 'a stream in progress');
	const took = await agent.timeout(5000).emitWithAck('takeover-chat', { chatId: m.chatId });
	assert.equal(took.ok, true, JSON.stringify(took));
	assert.equal(took.chat.status, 'active');
	const cut = await waitUntil(() => endedStreams(s, m.chatId).find((x) => x.end.cancelled), 5000, 'the cancelled stream');
	assert.ok(chunkText(cut).length < 'We accept Visa, Mastercard, PayPal'.length + 40);
	// With a person in it, the customer's messages reach the person only.
	await say(s, 'are you a person?');
	await new Promise((r) => setTimeout(r, 1000));
	assert.equal(endedStreams(s, m.chatId).length, 1, 'no answer from the assistant while a person holds it');
	const back = await agent.timeout(5000).emitWithAck('resume-ai', { chatId: m.chatId });
	assert.equal(back.ok, true, JSON.stringify(back));
	assert.equal(back.chat.status, 'ai');
	await say(s, 'what are your opening hours?');
	const answer = await waitUntil(() => endedStreams(s, m.chatId).find((x) => !x.end.cancelled), 15000, 'an answer after resume-ai');
	assert.equal(answer.end.handoff, false, JSON.stringify(answer.end));
	const stored = await waitUntil(() => s.messages.find((x) => x.from.role === 'ai'), 5000, 'the stored answer');
	assert.equal(stored.text, answer.end.text);
	assert.equal(stored.streamId, answer.id, 'the stored message names the stream it was written in');
	agent.close();
	s.close();
}));
