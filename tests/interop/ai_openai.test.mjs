// The openai backend against an SSE fixture server (ai-fixture.mjs) that
// speaks OpenAI's streaming wire format: content deltas, tool-call
// deltas split across chunks, [DONE], an error status, an error inside
// the stream, a stalled stream, a truncated one; over HTTP and HTTPS
// (a self-signed CA in ai_tls_ca_file); the API key from the config or
// from a file in ai_key_dir; the request the model gets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Stack, waitUntil } from './harness.mjs';
import { Fixture } from './ai-fixture.mjs';
import {
	rest, aiSocket, sendJob, cancelJobs, recordStreams, endedStreams, waitStream,
	chunkText, resultOf,
} from './ai-helpers.mjs';

let stack, admin, nng, fx, fxTls, fxUntrusted, s, tmp;

/** A self-signed certificate for 127.0.0.1: { key, cert } PEM files in dir. */
function selfSigned(dir, name) {
	const key = path.join(dir, `${name}.key`), cert = path.join(dir, `${name}.pem`);
	execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
	    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`,
	    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
	return { key: fs.readFileSync(key), cert: fs.readFileSync(cert), certFile: cert };
}

before(async () => {
	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'confab-ai-oai-'));
	const keys = path.join(tmp, 'keys');
	fs.mkdirSync(keys);
	fs.writeFileSync(path.join(keys, 'fixture.key'), 'sk-from-file\n', { mode: 0o600 });
	const trusted = selfSigned(tmp, 'trusted');
	const untrusted = selfSigned(tmp, 'untrusted');
	fx = await Fixture.start();
	fxTls = await Fixture.start({ tls: { key: trusted.key, cert: trusted.cert } });
	fxUntrusted = await Fixture.start({ tls: { key: untrusted.key, cert: untrusted.cert } });
	stack = await Stack.start({
		name: 'ai-openai',
		config: { ai_debounce_ms: 0, ai_key_dir: keys, ai_tls_ca_file: trusted.certFile },
	});
	admin = await stack.token({ role: 'admin', email: 'boss@example.com' });
	nng = await aiSocket(stack);
	const token = await stack.token({ role: 'customer', email: 'oai@example.com', name: 'Oai' });
	s = recordStreams(await stack.connect({ token, orgId: 'demo' }));
	await rest(stack, admin, 'POST', '/chat/faq/import', { replace: true, entries: [
		{ id: 'refund', question: 'How do I get a refund?', keywords: ['refund'], answer: 'Refunds take 5 days.' }] });
});
after(async () => {
	nng?.close();
	s?.close();
	await stack?.stop();
	await fx?.stop();
	await fxTls?.stop();
	await fxUntrusted?.stop();
	if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const w = (fn) => (t) => stack.wrap(fn)(t);
let n = 0;

/** Stores config id for model on base (the plain fixture by default). */
async function useModel(id, model, extra = {}, base = fx.url) {
	const r = await rest(stack, admin, 'PUT', `/chat/config/${id}`, {
		assistant: { backend: 'openai', baseUrl: base, model, apiKey: 'sk-test', name: 'Max', tone: 'warm', personality: 'patient', rules: ['be brief'], ...extra },
	});
	assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
}

/** Sends a job for a new chat and waits for its stream to end. */
async function ask(configId, text, chatId = `oai-${++n}`) {
	const r = await sendJob(nng, { chatId, configId, email: 'oai@example.com', text });
	assert.equal(r.body.accepted, true, JSON.stringify(r.body));
	const st = await waitUntil(() => endedStreams(s, chatId)[0], 15000, `the stream of ${chatId}`);
	return { st, jobId: r.body.jobId, chatId };
}

test('content deltas stream as chunks; the request is a streamed chat completion', w(async () => {
	await useModel('c1', 'content');
	const before = fx.requests.length;
	const { st } = await ask('c1', 'Hi, who are you?');
	assert.deepEqual(st.events.filter((e) => e.event === 'chunk').map((e) => e.data), ['Hello', ' there', ', how can I help?']);
	assert.equal(st.end.text, 'Hello there, how can I help?');
	assert.equal(st.end.handoff, false);
	const req = fx.requests[before];
	assert.equal(req.headers.authorization, 'Bearer sk-test');
	assert.equal(req.headers['content-type'], 'application/json');
	assert.equal(req.body.stream, true);
	assert.equal(req.body.model, 'content');
	assert.deepEqual(req.body.tools.map((t) => t.function.name), ['transfer_chat_to_agent', 'search_faq']);
	const sys = req.body.messages[0];
	assert.equal(sys.role, 'system');
	assert.match(sys.content, /You are Max/);
	assert.match(sys.content, /Tone: warm/);
	assert.match(sys.content, /- be brief/);
	assert.deepEqual(req.body.messages.at(-1), { role: 'user', content: 'Hi, who are you?' });
}));

test('later calls carry the conversation so far', w(async () => {
	await useModel('echo', 'echo');
	const chatId = `oai-hist-${++n}`;
	await ask('echo', 'first question', chatId);
	const before = fx.requests.length;
	await sendJob(nng, { chatId, configId: 'echo', email: 'oai@example.com', text: 'second question' });
	await waitUntil(() => endedStreams(s, chatId).length === 2, 10000, 'the second answer');
	const msgs = fx.requests[before].body.messages;
	assert.deepEqual(msgs.slice(1).map((m) => m.role), ['user', 'assistant', 'user']);
	assert.equal(msgs[1].content, 'first question');
	assert.match(msgs[2].content, /user=first question/);
	assert.equal(msgs[3].content, 'second question');
}));

test('a summary is made every summaryAfterTurns turns and told to later calls', w(async () => {
	await useModel('sum', 'echo', { summaryAfterTurns: 2 });
	const chatId = `oai-sum-${++n}`;
	const before = fx.requests.length;
	await ask('sum', 'my order 42 is late', chatId);
	const summaryKey = `${stack.prefix}ai-summary:{demo}:${chatId}`;
	const sum = await waitUntil(async () => (await stack.redis('GET', summaryKey)).trim(), 5000, 'the summary');
	assert.equal(sum, 'The customer asked: my order 42 is late.');
	assert.equal(fx.requests[before + 1].body.stream, false, 'a plain completion');
	await sendJob(nng, { chatId, configId: 'sum', email: 'oai@example.com', text: 'any news?' });
	await waitUntil(() => endedStreams(s, chatId).length === 2, 10000, 'the second answer');
	const sys = fx.requests.filter((r) => r.body && r.body.stream).at(-1).body.messages[0].content;
	assert.match(sys, /Summary of the conversation so far: The customer asked: my order 42 is late\./);
	// Staff read it over REST (queue-svc's context export includes it).
	const got = await rest(stack, admin, 'GET', `/chat/ai/summaries/${chatId}`);
	assert.deepEqual(got.body, { chatId, summary: (await stack.redis('GET', summaryKey)).trim() });
	assert.match(got.body.summary, /^The customer asked: my order 42 is late/);
	assert.equal((await rest(stack, admin, 'GET', '/chat/ai/summaries/none-yet')).body.summary, null);
	const cust = await stack.token({ role: 'customer', email: 'oai@example.com' });
	assert.equal((await rest(stack, cust, 'GET', `/chat/ai/summaries/${chatId}`)).status, 403);
}));

test('a transfer_chat_to_agent call split across chunks hands off with its reason', w(async () => {
	await useModel('t1', 'transfer');
	const { st, jobId } = await ask('t1', 'I was charged twice!');
	assert.equal(chunkText(st), 'Let me get a colleague.');
	const use = st.events.find((e) => e.event === 'tool-use');
	assert.deepEqual(use.data, { id: 'call_t1', name: 'transfer_chat_to_agent', arguments: { reason: 'billing dispute' } });
	const res = st.events.find((e) => e.event === 'tool-result');
	assert.deepEqual(res.data, { id: 'call_t1', name: 'transfer_chat_to_agent', result: { transferred: true } });
	assert.equal(st.end.handoff, true);
	assert.equal(st.end.reason, 'billing dispute');
	const h = await waitUntil(async () => { const x = await resultOf(stack, jobId); return x.json && x; }, 5000, 'the result');
	assert.equal(h.result.handoff, true);
	assert.equal(h.result.reason, 'billing dispute');
	assert.equal(h.result.text, 'Let me get a colleague.');
}));

test('through the socket: the model calling transfer_chat_to_agent queues the conversation for a real agent', w(async () => {
	await useModel('t-sock', 'transfer');
	const agentToken = await stack.token({ role: 'agent', email: 'oai-agent@example.com', name: 'Agent O' });
	const agent = await stack.connect({ token: agentToken, orgId: 'demo' });
	const notified = [];
	agent.on('queue-notification', (x) => notified.push(x));
	await waitUntil(async () => (await rest(stack, agentToken, 'GET', '/chat/queue/agents')).body.agents?.some((a) => a.email === 'oai-agent@example.com'),
	    5000, 'the agent online in queue-svc');
	const token = await stack.token({ role: 'customer', email: 'oai-sock@example.com', name: 'Sock' });
	const c = recordStreams(await stack.connect({ auth: { token, orgId: 'demo', context: { configId: 't-sock' } } }));
	const msgs = [];
	c.on('chat-message', (m) => msgs.push(m));
	const ack = await c.timeout(5000).emitWithAck('chat-message', { text: 'I was charged twice!', clientMsgId: 'sock-1' });
	assert.equal(ack.ok, true, JSON.stringify(ack));
	const chatId = ack.message.chatId;
	const st = await waitStream(c, chatId, 15000);
	assert.equal(st.end.handoff, true);
	await waitUntil(() => notified.some((x) => x.chatId === chatId), 8000, 'the queue-notification');
	const ai = await waitUntil(() => msgs.find((m) => m.from.role === 'ai'), 5000, 'the stored answer');
	assert.equal(ai.text, 'Let me get a colleague.');
	const sys = await waitUntil(() => msgs.find((m) => m.from.role === 'system'), 5000, 'the hand-off message');
	assert.equal(sys.text, 'Handed over to a person: billing dispute');
	assert.ok(sys.seq > ai.seq, 'the answer, then the hand-off');
	const picked = await agent.timeout(5000).emitWithAck('pick-next', {});
	assert.equal(picked.chat.chatId, chatId, JSON.stringify(picked));
	agent.close();
	c.close();
}));

test('search_faq: the bridge answers the tool from the FAQ, then the model answers', w(async () => {
	await useModel('f1', 'faq');
	const before = fx.requests.length;
	const { st } = await ask('f1', 'how do refunds work');
	const use = st.events.find((e) => e.event === 'tool-use');
	assert.deepEqual(use.data.arguments, { query: 'refund' });
	const res = st.events.find((e) => e.event === 'tool-result');
	assert.equal(res.data.result.entries[0].entry.id, 'refund');
	assert.equal(st.end.text, 'From our FAQ: Refunds take 5 days.');
	const second = fx.requests[before + 1].body.messages;
	const call = second.find((m) => m.role === 'assistant' && m.tool_calls);
	assert.equal(call.tool_calls[0].function.arguments, '{"query":"refund"}');
	assert.equal(second.find((m) => m.role === 'tool').tool_call_id, 'call_f1');
}));

test('an error status, an error in the stream, a truncated stream: the run fails and hands off', w(async () => {
	await useModel('e1', 'error');
	let { st, jobId } = await ask('e1', 'hello');
	assert.equal(st.end.error, 'HTTP 401: Incorrect API key provided');
	assert.equal(st.end.handoff, true);
	assert.equal(st.end.reason, 'The assistant is not available right now');
	const h = await waitUntil(async () => { const x = await resultOf(stack, jobId); return x.json && x; }, 5000, 'the result');
	assert.equal(h.result.error, 'HTTP 401: Incorrect API key provided');
	assert.equal(h.result.text, '');
	await useModel('e2', 'stream-error');
	({ st } = await ask('e2', 'hello'));
	assert.match(st.end.error, /^the model server reported: The server had an error/);
	assert.equal(st.end.text, '', 'no half answer');
	await useModel('e3', 'truncated');
	({ st } = await ask('e3', 'hello'));
	assert.match(st.end.error, /ended before \[DONE\]|closed before the response ended/);
	await useModel('e4', 'content', {}, 'http://127.0.0.1:1');
	({ st } = await ask('e4', 'hello'));
	assert.match(st.end.error, /connect 127.0.0.1:1/);
}));

test('a stalled stream ends at the deadline with a timeout', w(async () => {
	await useModel('stall', 'stall', { timeoutMs: 1500 });
	const t0 = Date.now();
	const { st } = await ask('stall', 'hello');
	assert.equal(st.end.error, 'timeout');
	assert.equal(st.end.handoff, true);
	assert.ok(Date.now() - t0 < 4000, `ended in ${Date.now() - t0} ms`);
}));

test('a takeover stops a streaming model answer', w(async () => {
	await useModel('slow', 'slow');
	const chatId = `oai-slow-${++n}`;
	await sendJob(nng, { chatId, configId: 'slow', email: 'oai@example.com', text: 'go slowly' });
	await waitUntil(() => [...s.streams.values()].some((x) => x.chatId === chatId && x.events.some((e) => e.event === 'chunk')), 5000, 'a chunk');
	await cancelJobs(nng, { chatId });
	const st = await waitUntil(() => endedStreams(s, chatId)[0], 5000, 'the end');
	assert.equal(st.end.cancelled, true);
	assert.ok(st.events.filter((e) => e.event === 'chunk').length < 10);
}));

test('the API key may come from a file in ai_key_dir; baseUrl may end in /v1', w(async () => {
	const r = await rest(stack, admin, 'PUT', '/chat/config/kf', { assistant: { backend: 'openai', baseUrl: `${fx.url}/v1/`, model: 'content', apiKeyFile: 'fixture.key' } });
	assert.equal(r.status, 201, JSON.stringify(r.body));
	const before = fx.requests.length;
	const { st } = await ask('kf', 'hello');
	assert.equal(st.end.text, 'Hello there, how can I help?');
	assert.equal(fx.requests[before].headers.authorization, 'Bearer sk-from-file');
	assert.equal(fx.requests[before].url, '/v1/chat/completions');
}));

test('HTTPS: a server whose CA is in ai_tls_ca_file answers; an unknown one is refused', w(async () => {
	await useModel('tls', 'content', {}, fxTls.url);
	let { st } = await ask('tls', 'hello over tls');
	assert.equal(st.end.text, 'Hello there, how can I help?');
	assert.equal(fxTls.requests.at(-1).headers.authorization, 'Bearer sk-test');
	await useModel('tls-bad', 'content', {}, fxUntrusted.url);
	({ st } = await ask('tls-bad', 'hello'));
	assert.match(st.end.error, /tls handshake: .*(self.signed|unable to get local issuer|verify)/i);
	assert.equal(fxUntrusted.requests.length, 0);
}));
