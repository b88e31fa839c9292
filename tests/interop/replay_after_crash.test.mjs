// Offline delivery across a gateway worker crash.  A worker SIGKILLed
// never sends SOCKET_CLOSE for its sockets; presence-svc drops them (at
// the respawned worker's first heartbeat, or by its sweeper) and passes
// each on to queue-svc as the close the gateway would have sent.  So
// queue-svc marks the agent away at once, and the agent's next socket
// gets what the customer said meanwhile, replayed, long before
// queue-svc's own 20 s ghost sweep (which would not help anyway: the
// reconnected socket subscribes the identity channel again).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, waitEvent, whenConnected, workerSlot, sleep } from './harness.mjs';

const GHOST_SWEEP_MS = 20000;	// queue-svc's backstop (queue-svc/timer.c)
let stack;
const tok = {};

before(async () => {
	stack = await Stack.start({ name: 'crash' });
	tok.cust = await stack.token({ role: 'customer', email: 'crash-cust@example.com', name: 'Crash Customer' });
	tok.agent = await stack.token({ role: 'agent', email: 'crash-agent@example.com', name: 'Crash Agent' });
});
after(async () => {
	for (const s of stack?.sockets ?? []) s.close();
	await sleep(500);
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const emit = (s, ev, arg) => s.timeout(5000).emitWithAck(ev, arg);

function ok(ack, what) {
	assert.equal(ack && ack.ok, true, `${what}: ${JSON.stringify(ack)}`);
	return ack;
}

/** Records every event of a socket, from before it connects. */
function recording(s) {
	s.events = [];
	s.onAny((ev, arg) => s.events.push({ ev, arg, at: Date.now() }));
	return s;
}

/** A socket without reconnection that records every event. */
async function open(token) {
	const s = recording(stack.socket({ token, orgId: 'demo', reconnection: false }));
	await whenConnected(s);
	return s;
}

/** Waits for (and removes) the first recorded `ev` matching pred. */
async function take(s, ev, pred, ms = 5000) {
	const hit = await waitUntil(() => {
		const i = s.events.findIndex((e) => e.ev === ev && pred(e.arg));
		return i >= 0 ? s.events.splice(i, 1)[0] : null;
	}, ms, `'${ev}' (recent: ${JSON.stringify(s.events.slice(-4))})`, 20);
	return hit;
}

/** A recording socket of token on worker slot; no reconnection. */
const openOn = (token, slot) => stack.connectOn(slot, { token, orgId: 'demo', reconnection: false }, recording);
const workerPid = (slot) => stack.workerPidOf(slot);

async function agentsOnline() {
	const res = await fetch(`${stack.url}/chat/queue/agents`, { headers: { authorization: `Bearer ${tok.agent}` } });
	const body = await res.json();
	return (body.agents || []).map((a) => a.email);
}

test('a message sent while the agent\'s worker was dead is replayed on reconnect, well within the ghost sweep', w(async (t) => {
	const agent = await open(tok.agent);
	await waitUntil(async () => (await agentsOnline()).includes('crash-agent@example.com'), 5000, 'the agent online in queue-svc');
	const victim = workerSlot(agent);
	const cust = await openOn(tok.cust, 1 - victim);	// survives the crash

	const first = ok(await emit(cust, 'chat-message', { text: 'help please', clientMsgId: 'crash-1' }), 'first message');
	const chatId = first.message.chatId;
	const pick = ok(await emit(agent, 'pick-next', {}), 'pick-next');
	assert.equal(pick.chat.chatId, chatId);
	await take(agent, 'chat-message', (m) => m.chatId === chatId && m.from.role === 'system');
	await take(cust, 'chat-message', (m) => m.chatId === chatId && m.from.role === 'system');

	const pid = await workerPid(victim);
	const ident = `${stack.prefix}chat-identity:{demo}:agent:crash-agent@example.com`;
	assert.equal((await stack.redis('EXISTS', ident)).trim(), '1');
	const gone = waitEvent(agent, 'disconnect', 5000);
	const t0 = Date.now();
	process.kill(pid, 'SIGKILL');
	await gone;

	// The agent is disconnected; the customer, on the other worker, writes.
	const missed = ok(await emit(cust, 'chat-message', { text: 'are you still there?', clientMsgId: 'crash-2' }),
	    'message while the agent is away').message;
	assert.equal(missed.chatId, chatId);

	// presence-svc drops the dead worker's sockets: README, "No ghost
	// users" (respawned worker: at its first heartbeat, 0.26 s measured).
	await waitUntil(async () => (await stack.redis('EXISTS', ident)).trim() === '0', 5000,
	    'presence-svc to drop the dead worker\'s agent socket');
	t.diagnostic(`presence dropped the socket ${Date.now() - t0} ms after the kill`);

	const tReconnect = Date.now();
	const again = await open(tok.agent);
	assert.ok(tReconnect - t0 < GHOST_SWEEP_MS, `reconnected ${tReconnect - t0} ms after the kill`);
	const got = await take(again, 'chat-message', (m) => m.id === missed.id, 10000);
	t.diagnostic(`replayed ${got.at - tReconnect} ms after the reconnect, ${got.at - t0} ms after the kill`);
	assert.equal(got.arg.replayed, true, JSON.stringify(got.arg));
	assert.equal(got.arg.text, 'are you still there?');
	assert.equal(got.arg.from.email, 'crash-cust@example.com');
	assert.ok(got.at - tReconnect < 10000);
	assert.ok(got.at - t0 < GHOST_SWEEP_MS, `replayed ${got.at - t0} ms after the kill`);
	assert.match(stack.logText('presence'), /msg="queue-svc told of dropped sockets" worker=it-crash:\d+ told=1\b/);

	for (const s of [cust, again]) s.close();
}));

test('an agent back on another worker before presence-svc drops its frozen one still gets what it missed, replayed', w(async (t) => {
	const agent = await open(tok.agent);
	const victim = workerSlot(agent);
	const cust = await openOn(tok.cust, 1 - victim);
	const chatId = ok(await emit(cust, 'chat-message', { text: 'frozen 1', clientMsgId: 'frozen-1' }), 'first').message.chatId;
	ok(await emit(agent, 'takeover-chat', { chatId }), 'the agent holds it');	// whether or not the first test ran
	ok(await emit(cust, 'chat-message', { text: 'frozen 2', clientMsgId: 'frozen-1b' }), 'second');
	await take(agent, 'chat-message', (m) => m.chatId === chatId && m.text === 'frozen 2');

	// A stopped worker neither delivers nor beats: the client gives up on
	// it after the ping timeout and comes back on the other worker, while
	// presence-svc drops the stopped one's sockets only after
	// presence_worker_timeout_ms (with "since": its last heartbeat).
	const pid = await workerPid(victim);
	const t0 = Date.now();
	process.kill(pid, 'SIGSTOP');
	try {
		const missed = ok(await emit(cust, 'chat-message', { text: 'while frozen', clientMsgId: 'frozen-2' }), 'send').message;
		await waitEvent(agent, 'disconnect', 8000);
		const again = await openOn(tok.agent, 1 - victim);
		t.diagnostic(`back ${Date.now() - t0} ms after the stop`);
		const got = await take(again, 'chat-message', (m) => m.id === missed.id, 15000);
		t.diagnostic(`replayed ${got.at - t0} ms after the stop`);
		assert.equal(got.arg.replayed, true, JSON.stringify(got.arg));
		assert.ok(got.at - t0 < GHOST_SWEEP_MS, `replayed ${got.at - t0} ms after the stop`);
		assert.match(stack.logText('presence'), /msg="queue-svc told of dropped sockets" worker=it-crash:\d+/);
		for (const s of [cust, again]) s.close();
	} finally {
		process.kill(pid, 'SIGKILL');	// the master starts a new one
	}
}));
