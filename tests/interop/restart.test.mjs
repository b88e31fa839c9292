// Failures: queue-svc SIGKILLed and restarted is used again without
// restarting the gateway; a gateway worker SIGKILLed is respawned by the
// master and its clients reconnect and keep working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Stack, waitUntil, whenConnected, workerSlot, sleep } from './harness.mjs';

let stack;
let token;
const EMAIL = 'restart@example.com';

before(async () => {
	stack = await Stack.start({ name: 'restart' });
	token = await stack.token({ role: 'customer', email: EMAIL });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

/**
 * Sends a chat-message, retrying with the same clientMsgId while the ack
 * is SERVICE_UNAVAILABLE or does not come; returns the final ack and
 * the list of intermediate outcomes.
 */
async function sendWithRetries(socket, data, { tries = 10, ackMs = 5000 } = {}) {
	const seen = [];
	for (let i = 0; i < tries; i++) {
		let ack;
		try {
			ack = await socket.timeout(ackMs).emitWithAck('chat-message', data);
		} catch (e) {
			seen.push(`no ack: ${e.message}`);
			await sleep(200);
			continue;
		}
		if (ack && ack.ok === false && ack.error && ack.error.code === 'SERVICE_UNAVAILABLE') {
			seen.push(`SERVICE_UNAVAILABLE: ${ack.error.message}`);
			await sleep(200);
			continue;
		}
		return { ack, seen };
	}
	throw new Error(`no successful ack in ${tries} tries: ${seen.join('; ')}`);
}

test('queue-svc down: chat-message gets SERVICE_UNAVAILABLE in bounded time; restarted, it is used again', w(async () => {
	const s = await stack.connect({ token, orgId: 'demo' });
	const ack0 = await s.timeout(5000).emitWithAck('chat-message', { text: 'before', clientMsgId: 'r-0' });
	assert.equal(ack0.ok, true, `ack ${JSON.stringify(ack0)}`);
	const key = stack.historyKey(ack0.message.chatId);
	assert.equal(await stack.xlen(key), 1);

	await stack.kill('queue', 'SIGKILL');

	// While it is down: an error ack within nng_timeout_ms (3 s) and a
	// margin, never a hang.
	const t0 = Date.now();
	const down = await s.timeout(8000).emitWithAck('chat-message', { text: 'while down', clientMsgId: 'r-down' });
	const took = Date.now() - t0;
	assert.equal(down.ok, false, `ack while queue-svc is down: ${JSON.stringify(down)}`);
	assert.equal(down.error?.code, 'SERVICE_UNAVAILABLE', `ack ${JSON.stringify(down)}`);
	assert.ok(took < 6000, `error ack took ${took} ms`);
	assert.ok(s.connected, 'the socket stays connected');

	await stack.startService('queue');
	const { ack, seen } = await sendWithRetries(s, { text: 'after restart', clientMsgId: 'r-1' });
	assert.equal(ack.ok, true, `ack ${JSON.stringify(ack)} after ${JSON.stringify(seen)}`);
	assert.equal(ack.message.chatId, ack0.message.chatId);
	assert.ok(ack.message.seq > ack0.message.seq);
	// Once more with the same id: the same message.
	const again = await s.timeout(5000).emitWithAck('chat-message', { text: 'after restart', clientMsgId: 'r-1' });
	assert.equal(again.ok, true);
	assert.equal(again.message.id, ack.message.id);
	// Stored once ("while down" never reached queue-svc).
	await sleep(200);
	assert.equal(await stack.xlen(key), 2, `XLEN ${key}`);
	s.close();
}));

test('a gateway worker killed with SIGKILL is respawned and its clients reconnect', w(async () => {
	const before = await stack.workerPids();
	assert.equal(before.length, 2, `workers ${before}`);

	// Sockets on both workers (bounded attempts).
	const sockets = [];
	for (let i = 0; i < 30; i++) {
		const s = await stack.connect({ token, orgId: 'demo' });
		s.disconnects = [];
		s.connects = 1;
		s.got = [];
		s.on('connect', () => s.connects++);
		s.on('disconnect', (reason) => s.disconnects.push(reason));
		s.on('chat-message', (m) => s.got.push(m));
		sockets.push(s);
		const slots = new Set(sockets.map(workerSlot));
		if (slots.size === 2 && sockets.length >= 4) break;
	}
	const slots = new Set(sockets.map(workerSlot));
	assert.equal(slots.size, 2, `all ${sockets.length} sockets on worker(s) ${[...slots]}: ${sockets.map((s) => s.io.engine.id).join(' ')}`);

	const victim = before[0];
	process.kill(victim, 'SIGKILL');

	// The master respawns it: two workers again, one of them new.
	const after = await waitUntil(async () => {
		const now = await stack.workerPids();
		return now.length === 2 && !now.includes(victim) ? now : null;
	}, 8000, `the master to respawn worker ${victim}`);
	assert.ok(after.includes(before[1]), `the other worker ${before[1]} lived on: ${after}`);

	// The sockets that were on the victim saw a disconnect; all of them
	// are connected again (socket.io-client reconnects by itself).
	await waitUntil(() => sockets.some((s) => s.disconnects.length > 0), 5000, 'a client of the killed worker to notice');
	const hit = sockets.filter((s) => s.disconnects.length > 0);
	const spared = sockets.filter((s) => s.disconnects.length === 0);
	assert.ok(hit.length >= 1 && spared.length >= 1, `hit ${hit.length}, spared ${spared.length}`);
	await Promise.all(hit.map((s) => whenConnected(s, 8000)));
	await waitUntil(() => hit.every((s) => s.connects >= 2), 8000, "'connect' again on every client of the killed worker");
	for (const s of spared) assert.equal(s.connects, 1, 'a client of the other worker was not disturbed');
	for (const s of hit)
		assert.ok(['transport close', 'transport error', 'ping timeout'].includes(s.disconnects[0]), `disconnect reason ${s.disconnects[0]}`);

	// Every socket can send with an ack; the messages reach the other sockets.
	let n = 0;
	for (const s of sockets) {
		const others = sockets.filter((o) => o !== s);
		const ack = await s.timeout(5000).emitWithAck('chat-message', { text: `after respawn ${n}`, clientMsgId: `respawn-${n}` });
		assert.equal(ack.ok, true, `socket ${n} (${s.io.engine.id}) ack ${JSON.stringify(ack)}`);
		await waitUntil(() => others.every((o) => o.got.some((m) => m.id === ack.message.id)), 5000,
		    `message ${ack.message.id} at every other socket of the customer`);
		n++;
	}
	for (const s of sockets) s.close();
}));

test('after the respawn both workers take new connections', w(async () => {
	const slots = new Set();
	for (let i = 0; i < 30 && slots.size < 2; i++) {
		const s = await stack.connect({ token, orgId: 'demo' });
		slots.add(workerSlot(s));
		s.close();
	}
	assert.equal(slots.size, 2, `connections landed only on ${[...slots]}`);
}));

// Debian's NNG 1.5.2 stops accepting on a listener after one peer hangs
// up during the SP handshake (nanomsg/nng#1518).  A bare connect+close
// to queue-svc's socket, then a gateway that dials afresh: the service's
// listener watchdog must notice and restart the listener, so the
// gateway gets through within a few seconds instead of never.
test('a peer that hangs up mid-handshake does not leave queue-svc deaf', w(async () => {
	await stack.kill('gateway', 'SIGTERM');
	const sock = stack.config.queue_address.replace(/^ipc:\/\//, '');
	for (let i = 0; i < 3; i++) {
		await new Promise((resolve, reject) => {
			const c = net.createConnection(sock, () => { c.destroy(); resolve(); });
			c.on('error', reject);
		});
	}
	await stack.startService('gateway');
	const s = await stack.connect({ token, orgId: 'demo' });
	const t0 = Date.now();
	const { ack, seen } = await sendWithRetries(s, { text: 'after a half-open peer', clientMsgId: 'r-half' },
	    { tries: 8, ackMs: 2000 });
	assert.equal(ack.ok, true, `ack ${JSON.stringify(ack)} after ${JSON.stringify(seen)}`);
	assert.ok(Date.now() - t0 < 15000, `took ${Date.now() - t0} ms`);
	s.close();
}));
