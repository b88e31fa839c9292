// chat-message end to end: the ack after queue-svc stored the message,
// delivery to every socket of the customer (one on each gateway worker,
// through Redis pub/sub), idempotence by clientMsgId, increasing seq.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, workerSlot, sleep } from './harness.mjs';

let stack;
const EMAIL = 'chat-customer@example.com';
let token;
let s1;		// the sender
let s2;		// the same customer on the other gateway worker

before(async () => {
	stack = await Stack.start({ name: 'chat' });
	token = await stack.token({ role: 'customer', email: EMAIL, name: 'Chat Customer' });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

/** Connects sockets of the same identity until one lands on a worker other than `slot`. */
async function connectOnOtherWorker(slot, attempts = 30) {
	const seen = [];
	for (let i = 0; i < attempts; i++) {
		const s = await stack.connect({ token, orgId: 'demo' });
		const got = workerSlot(s);
		if (got !== slot) return s;
		seen.push(s.io.engine.id);
		s.close();
	}
	throw new Error(`${attempts} connections all landed on worker ${slot}: ${seen.join(' ')}`);
}

/** Records every chat-message a socket receives. */
function record(s) {
	s.got = [];
	s.on('chat-message', (m) => s.got.push(m));
	return s;
}

/** The chat-message with this id, once the socket has received it. */
function received(s, id, ms = 5000) {
	return waitUntil(() => s.got.find((m) => m && m.id === id), ms,
	    `chat-message ${id} at ${s.io.engine.id} (got ${JSON.stringify(s.got.slice(-3))})`);
}

function assertStored(ack, what) {
	assert.ok(ack && typeof ack === 'object', `${what}: ack ${JSON.stringify(ack)}`);
	assert.equal(ack.ok, true, `${what}: ack ${JSON.stringify(ack)}`);
	const m = ack.message;
	assert.ok(m && typeof m === 'object', `${what}: ack.message ${JSON.stringify(ack)}`);
	assert.equal(typeof m.id, 'string', `${what}: message.id ${JSON.stringify(m)}`);
	assert.ok(m.id.length > 0);
	assert.equal(typeof m.chatId, 'string', `${what}: message.chatId ${JSON.stringify(m)}`);
	assert.ok(m.chatId.length > 0);
	assert.equal(typeof m.seq, 'number', `${what}: message.seq ${JSON.stringify(m)}`);
	assert.ok(m.ts !== undefined && m.ts !== null, `${what}: message.ts ${JSON.stringify(m)}`);
	return m;
}

let first;	// the first stored message

test('two sockets of one customer on two different gateway workers', w(async () => {
	s1 = record(await stack.connect({ token, orgId: 'demo' }));
	s2 = record(await connectOnOtherWorker(workerSlot(s1)));
	assert.notEqual(workerSlot(s1), workerSlot(s2));
	assert.equal((await stack.workerPids()).length, 2);
}));

test('chat-message is acked once stored and reaches the other worker', w(async () => {
	assert.ok(s1 && s2, 'the sockets of the previous test');
	const ack = await s1.timeout(5000).emitWithAck('chat-message', { text: 'hello from tab 1', clientMsgId: 'cm-1' });
	first = assertStored(ack, 'first message');
	const ev = await received(s2, first.id);
	assert.equal(ev.id, first.id, `delivered ${JSON.stringify(ev)}`);
	assert.equal(ev.chatId, first.chatId);
	assert.equal(ev.seq, first.seq);
	assert.deepEqual(ev.ts, first.ts);
	assert.equal(ev.text, 'hello from tab 1');
	assert.ok(ev.from && typeof ev.from === 'object', `from: ${JSON.stringify(ev)}`);
	assert.equal(ev.from.role, 'customer');
	assert.equal(ev.from.email, EMAIL);
	assert.equal(await stack.xlen(stack.historyKey(first.chatId)), 1,
	    `XLEN ${stack.historyKey(first.chatId)}`);
}));

test('the same clientMsgId again returns the same message and stores nothing new', w(async () => {
	assert.ok(first, 'the message of the previous test');
	const again = await s1.timeout(5000).emitWithAck('chat-message', { text: 'hello from tab 1', clientMsgId: 'cm-1' });
	const m = assertStored(again, 'repeated message');
	assert.equal(m.id, first.id);
	assert.equal(m.chatId, first.chatId);
	assert.equal(m.seq, first.seq);
	// The same id from the other tab (the same identity) is the same message too.
	const fromTab2 = await s2.timeout(5000).emitWithAck('chat-message', { text: 'hello from tab 1', clientMsgId: 'cm-1' });
	assert.equal(assertStored(fromTab2, 'repeated from tab 2').id, first.id);
	await sleep(200);
	assert.equal(await stack.xlen(stack.historyKey(first.chatId)), 1);
}));

test('seq increases across distinct messages; each is delivered to the other tab', w(async () => {
	assert.ok(first, 'the message of the first test');
	let prev = first.seq;
	const ids = new Set([first.id]);
	for (let i = 2; i <= 4; i++) {
		const ack = await s1.timeout(5000).emitWithAck('chat-message', { text: `message ${i}`, clientMsgId: `cm-${i}` });
		const m = assertStored(ack, `message ${i}`);
		assert.equal(m.chatId, first.chatId, 'one conversation');
		assert.ok(m.seq > prev, `seq ${m.seq} after ${prev}`);
		assert.ok(!ids.has(m.id), `new id ${m.id}`);
		ids.add(m.id);
		prev = m.seq;
		const ev = await received(s2, m.id);
		assert.equal(ev.text, `message ${i}`);
		assert.equal(ev.seq, m.seq);
	}
	assert.equal(await stack.xlen(stack.historyKey(first.chatId)), 4);
}));

test('the other tab sends too, and the first tab receives it', w(async () => {
	const ack = await s2.timeout(5000).emitWithAck('chat-message', { text: 'from tab 2', clientMsgId: 'cm-tab2' });
	const m = assertStored(ack, 'tab 2 message');
	assert.equal(m.chatId, first.chatId);
	const ev = await received(s1, m.id);
	assert.equal(ev.text, 'from tab 2');
	assert.equal(ev.from.email, EMAIL);
	assert.equal(await stack.xlen(stack.historyKey(first.chatId)), 5);
}));

test('another customer does not receive it', w(async () => {
	const otherToken = await stack.token({ role: 'customer', email: 'someone-else@example.com' });
	const other = await stack.connect({ token: otherToken, orgId: 'demo' });
	let leaked = null;
	other.on('chat-message', (m) => { leaked = m; });
	const ack = await s1.timeout(5000).emitWithAck('chat-message', { text: 'private', clientMsgId: 'cm-private' });
	assertStored(ack, 'private message');
	await sleep(500);
	assert.equal(leaked, null, `another customer got ${JSON.stringify(leaked)}`);
	other.close();
}));
