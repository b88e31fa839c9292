// The whole path through queue-svc, as a newcomer to `make run` sees it:
// a customer connects with context { configId: "demo" }, is greeted,
// asks, gets a streamed answer stored as one AI message, asks for a
// human and is queued for a real agent, who takes a later answer over
// mid-stream and gives the conversation back.
//
// PENDING queue-svc (issue 4 wiring): these need queue-svc to send
// CM_MSG_AI_JOB for a conversation whose customer named a chat config
// with an assistant, to store CM_MSG_AI_RESULT, and to send the cancel
// on takeover-chat.  Until it sends jobs, each test checks that and
// skips with a message saying so; nothing here is faked.
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

/** Whether queue-svc handed confab-ai a job for chatId within ms. */
async function queueSentJob(chatId, ms = 3000) {
	try {
		await waitUntil(async () => (await stack.redis('XRANGE', `${stack.prefix}ai-jobs`, '-', '+')).includes(`"chatId":"${chatId}"`), ms, 'a job');
		return true;
	} catch {
		return false;
	}
}

const PENDING = 'PENDING queue-svc wiring: it does not send CM_MSG_AI_JOB for AI conversations yet';

test('greeting, a streamed answer stored as one AI message, then a hand-off to a real agent', w(async (t) => {
	const s = await widget('newcomer@example.com');
	await waitUntil(() => s.greetings.length === 1, 5000, 'the greeting');
	assert.match(s.greetings[0].text, /Ada/);
	const m = await say(s, 'How long does shipping take?');
	if (!(await queueSentJob(m.chatId))) {
		t.skip(PENDING);
		return;
	}
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

test('an agent takes a streaming answer over mid-stream, then resumes the assistant', w(async (t) => {
	const s = await widget('takeover@example.com');
	const m = await say(s, 'hello');
	if (!(await queueSentJob(m.chatId))) {
		t.skip(PENDING);
		return;
	}
	await waitStream(s, m.chatId);
	// A slow assistant, so that the takeover lands mid-stream.
	const admin = await stack.token({ role: 'admin', email: 'e2e-admin@example.com' });
	const put = await rest(stack, admin, 'PUT', '/chat/config/demo', {
		greeting: 'Hi', assistant: { backend: 'faq', name: 'Ada', chunkDelayMs: 500, minScore: 0.1 } });
	assert.equal(put.status, 200, JSON.stringify(put.body));
	const agent = await stack.connect({ token: agentToken, orgId: 'demo' });
	await say(s, 'which payment methods do you accept?');
	await waitUntil(() => [...s.streams.values()].some((x) => x.chatId === m.chatId && !x.events.some((e) => e.event === 'end') &&
	    x.events.some((e) => e.event === 'chunk')), 8000, 'a stream in progress');
	const took = await agent.timeout(5000).emitWithAck('takeover-chat', { chatId: m.chatId });
	assert.equal(took.ok, true, JSON.stringify(took));
	const cut = await waitUntil(() => endedStreams(s, m.chatId).find((x) => x.end.cancelled), 5000, 'the cancelled stream');
	assert.ok(chunkText(cut).length < 'We accept Visa, Mastercard, PayPal'.length + 40);
	const back = await agent.timeout(5000).emitWithAck('resume-ai', { chatId: m.chatId });
	assert.equal(back.ok, true, JSON.stringify(back));
	const before = endedStreams(s, m.chatId).filter((x) => !x.end.cancelled).length;
	await say(s, 'what are your opening hours?');
	await waitUntil(() => endedStreams(s, m.chatId).filter((x) => !x.end.cancelled).length > before, 15000, 'an answer after resume-ai');
	agent.close();
	s.close();
}));
