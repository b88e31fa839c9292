// A gateway worker that only stalls (SIGSTOP) for longer than
// presence_worker_timeout_ms is taken for dead: presence-svc's sweeper
// drops its sockets and passes each on to queue-svc as a SOCKET_CLOSE,
// so queue-svc takes its agents off routing.  When the worker resumes,
// its clients never left (the ping timeout here is long), and its next
// refresh restores the presence rows; presence-svc then sends queue-svc
// a SOCKET_OPEN for each restored socket, so the agent is online for
// routing again at once instead of until it reconnects.
//
// The refresh comes every 30 s (gateway/worker.c), so the worker is
// stopped for a little longer than that: the refresh that fell due while
// it was stopped runs as soon as it resumes.  The delays are printed as
// test diagnostics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, workerSlot, sleep } from './harness.mjs';

const TIMEOUT_MS = 1500;	// presence_worker_timeout_ms
const REFRESH_MS = 30000;	// the gateway worker's refresh period
let stack;
const tok = {};

before(async () => {
	stack = await Stack.start({
		name: 'stall',
		config: {
			worker_heartbeat_ms: 500, presence_worker_timeout_ms: TIMEOUT_MS,
			// The clients must not give up on the stopped worker.
			ping_interval_ms: 1000, ping_timeout_ms: 120000,
		},
	});
	tok.agent = await stack.token({ role: 'agent', email: 'stall-agent@example.com', name: 'Stall Agent' });
	tok.obs = await stack.token({ role: 'agent', email: 'stall-obs@example.com', name: 'Stall Observer' });
	tok.cust = await stack.token({ role: 'customer', email: 'stall-cust@example.com', name: 'Stall Customer' });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

/**
 * The agents queue-svc routes to.  Bounded: a connection the stopped
 * worker accepted never answers, and the next one may land on the other.
 */
async function agentsOnline() {
	const res = await fetch(`${stack.url}/chat/queue/agents`, {
		headers: { authorization: `Bearer ${tok.obs}` },
		signal: AbortSignal.timeout(1000),
	});
	const body = await res.json();
	return (body.agents || []).map((a) => a.email);
}

const emit = (s, ev, arg) => s.timeout(5000).emitWithAck(ev, arg);

/** A customer socket on worker slot; no reconnection. */
const customerOn = (slot) => stack.connectOn(slot, { token: tok.cust, orgId: 'demo', reconnection: false });
const workerPid = (slot) => stack.workerPidOf(slot);

test('an agent on a worker that stalled past the timeout is online for routing again as soon as the worker resumes', w(async (t) => {
	const agent = await stack.connect({ token: tok.agent, orgId: 'demo', reconnection: false });
	let disconnected = false;
	agent.on('disconnect', () => { disconnected = true; });
	agent.msgs = [];
	agent.on('chat-message', (m) => agent.msgs.push(m));
	const slot = workerSlot(agent);
	await waitUntil(async () => (await agentsOnline()).includes('stall-agent@example.com'), 5000, 'the agent online in queue-svc');
	// A conversation of the agent's, with a customer on the other worker.
	const cust = await customerOn(1 - slot);
	const first = await emit(cust, 'chat-message', { text: 'hello', clientMsgId: 'stall-1' });
	assert.equal(first.ok, true, JSON.stringify(first));
	const pick = await emit(agent, 'pick-next', {});
	assert.equal(pick.ok, true, JSON.stringify(pick));
	assert.equal(pick.chat.chatId, first.message.chatId);
	const ident = `${stack.prefix}chat-identity:{demo}:agent:stall-agent@example.com`;
	const pid = await workerPid(slot);

	const t0 = Date.now();
	process.kill(pid, 'SIGSTOP');
	let tCont, missed;
	try {
		await waitUntil(async () => (await stack.redis('EXISTS', ident)).trim() === '0', TIMEOUT_MS + 5000,
		    'presence-svc to drop the stopped worker\'s socket');
		await waitUntil(async () => !(await agentsOnline()).includes('stall-agent@example.com'), 5000,
		    'queue-svc to take the agent off routing');
		t.diagnostic(`dropped, and off routing, ${Date.now() - t0} ms after the stop`);
		// The customer writes while the agent's worker is stopped.
		const sent = await emit(cust, 'chat-message', { text: 'while stalled', clientMsgId: 'stall-2' });
		assert.equal(sent.ok, true, JSON.stringify(sent));
		missed = sent.message;
		// Past a refresh of the worker's, which then runs at the resume.
		await sleep(Math.max(0, t0 + REFRESH_MS + 1500 - Date.now()));
	} finally {
		tCont = Date.now();
		process.kill(pid, 'SIGCONT');
	}
	await waitUntil(async () => (await stack.redis('EXISTS', ident)).trim() === '1', 10000,
	    'the resumed worker\'s refresh to restore the socket in presence-svc');
	const tRestored = Date.now();
	await waitUntil(async () => (await agentsOnline()).includes('stall-agent@example.com'), 5000,
	    'the agent online for routing in queue-svc again');
	const tOnline = Date.now();
	t.diagnostic(`restored in presence ${tRestored - tCont} ms, online for routing ${tOnline - tCont} ms after the resume`);
	assert.ok(tOnline - tCont < 5000, `online for routing ${tOnline - tCont} ms after the resume`);
	assert.equal(disconnected, false, 'the client stayed connected throughout');
	assert.ok(agent.connected);
	const log = stack.logText('presence');
	assert.match(log, /msg="queue-svc told of dropped sockets" worker=it-stall:\d+ told=1\b/);
	assert.match(log, /msg="?refresh"? gateway=it-stall worker=\d+ refreshed=\d+ restored=1\b/);
	assert.match(log, /msg="queue-svc told of restored sockets" gateway=it-stall worker=\d+ told=1\b/);
	// What the customer said meanwhile reaches the agent: the resumed
	// worker delivers what it held, and queue-svc, told the identity is
	// back, replays it (so it may come twice, the copy marked replayed).
	await waitUntil(() => agent.msgs.some((m) => m.id === missed.id), 5000, 'the message sent during the stall');
	await sleep(500);
	const copies = agent.msgs.filter((m) => m.id === missed.id);
	t.diagnostic(`the message sent during the stall arrived ${copies.length}x (replayed: ${copies.map((m) => Boolean(m.replayed)).join(', ')})`);
	// The socket goes on working, and its close reaches both services.
	const st = await agent.timeout(5000).emitWithAck('set-status', { status: 'available' });
	assert.equal(st.ok, true, JSON.stringify(st));
	agent.close();
	cust.close();
	await waitUntil(async () => !(await agentsOnline()).includes('stall-agent@example.com'), 5000, 'off routing after the close');
	assert.equal((await stack.redis('EXISTS', ident)).trim(), '0');
}));
