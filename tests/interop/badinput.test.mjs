// Bad input gets an error, not a crash: malformed Socket.IO packets,
// non-JSON payloads, unknown events, a frame over maxPayload, garbage
// HTTP.  Afterwards the same workers still serve everyone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Stack, sleep } from './harness.mjs';

let stack;
let token;
let workersAtStart;
let bystander;	// a socket.io-client socket connected the whole time

before(async () => {
	stack = await Stack.start({ name: 'badinput' });
	token = await stack.token({ role: 'customer', email: 'bad@example.com' });
	workersAtStart = await stack.workerPids();
	const bt = await stack.token({ role: 'customer', email: 'bystander@example.com' });
	bystander = await stack.connect({ token: bt, orgId: 'demo' });
	bystander.on('disconnect', (reason) => { bystander.lostWith = reason; });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

/** A raw client connected to /chat (CONNECT acknowledged). */
async function rawChat() {
	const c = await stack.raw();
	assert.equal(typeof c.open.sid, 'string');
	c.send(`40/chat,${JSON.stringify({ token, orgId: 'demo' })}`);
	const reply = await c.next((m) => m.startsWith('40/chat,') || m.startsWith('44/chat,'), 5000, 'the CONNECT reply');
	assert.match(reply, /^40\/chat,\{/, `CONNECT reply ${reply}`);
	assert.equal(typeof JSON.parse(reply.slice('40/chat,'.length)).sid, 'string');
	return c;
}

/** Parses an ACK packet "43/chat,ID[...]" for ack id; returns its first argument. */
async function ackOf(c, id, ms = 5000) {
	const prefix = `43/chat,${id}[`;
	const pkt = await c.next((m) => m.startsWith(prefix), ms, `ack ${id}`);
	const args = JSON.parse(pkt.slice(prefix.length - 1));
	assert.ok(Array.isArray(args) && args.length >= 1, `ack packet ${pkt}`);
	return args[0];
}

/** Waits for a protocol-error event (any namespace) and returns its argument. */
async function protocolError(c, ms = 5000) {
	const re = /^42(\/[^,\[]*,)?\["protocol-error"/;
	const pkt = await c.next((m) => re.test(m), ms, 'a protocol-error event');
	const args = JSON.parse(pkt.slice(pkt.indexOf('[')));
	return { pkt, data: args[1] };
}

function assertErrorAck(ack, code) {
	assert.ok(ack && typeof ack === 'object', `ack ${JSON.stringify(ack)}`);
	assert.equal(ack.ok, false, `ack ${JSON.stringify(ack)}`);
	assert.ok(ack.error && typeof ack.error === 'object', `ack ${JSON.stringify(ack)}`);
	assert.equal(ack.error.code, code, `ack ${JSON.stringify(ack)}`);
	assert.equal(typeof ack.error.message, 'string');
}

test('the open packet carries the configured Engine.IO parameters', w(async () => {
	const c = await stack.raw();
	assert.match(c.open.sid, /^[A-Za-z0-9_-]{20}\.\d+$/, `sid ${c.open.sid}`);
	assert.deepEqual(c.open.upgrades, []);
	assert.equal(c.open.pingInterval, 1000);
	assert.equal(c.open.pingTimeout, 1000);
	assert.equal(c.open.maxPayload, stack.maxPayload);
	c.terminate();
}));

test('malformed Socket.IO packets get protocol-error; the connection stays', w(async () => {
	const c = await rawChat();
	// Not a Socket.IO packet at all: BAD_PACKET (confab-protocol(7)).
	for (const bad of ['4garbage', '4', '47/chat,']) {
		c.send(bad);
		const { pkt, data } = await protocolError(c);
		assert.ok(data && data.code === 'BAD_PACKET', `after ${JSON.stringify(bad)}: ${pkt}`);
		assert.equal(typeof data.message, 'string');
		assert.ok(c.isOpen, `still open after ${JSON.stringify(bad)}`);
	}
	// An EVENT whose payload is not [name, ...] JSON.  The code is
	// BAD_PACKET or BAD_REQUEST (the non-JSON-with-ack case is BAD_REQUEST).
	for (const bad of ['42/chat,[', '42/chat,{"not":"an array"}', '42/chat,[]']) {
		c.send(bad);
		const { pkt, data } = await protocolError(c);
		assert.ok(data && ['BAD_PACKET', 'BAD_REQUEST'].includes(data.code), `after ${JSON.stringify(bad)}: ${pkt}`);
		assert.equal(typeof data.message, 'string');
		assert.ok(c.isOpen, `still open after ${JSON.stringify(bad)}`);
	}
	// Still a working /chat connection.
	c.send('42/chat,1["chat-message",{"text":"still here","clientMsgId":"raw-1"}]');
	const ack = await ackOf(c, 1);
	assert.equal(ack.ok, true, `ack ${JSON.stringify(ack)}`);
	c.terminate();
}));

test('non-JSON payload with an ack id gets BAD_REQUEST', w(async () => {
	const c = await rawChat();
	c.send('42/chat,7not-json');
	assertErrorAck(await ackOf(c, 7), 'BAD_REQUEST');
	// chat-message with a payload that is JSON but not a message
	c.send('42/chat,8["chat-message","just a string"]');
	assertErrorAck(await ackOf(c, 8), 'BAD_REQUEST');
	c.send('42/chat,9["chat-message",{"clientMsgId":"no-text"}]');
	assertErrorAck(await ackOf(c, 9), 'BAD_REQUEST');
	assert.ok(c.isOpen);
	c.terminate();
}));

test('an unknown event with an ack id gets UNKNOWN_EVENT', w(async () => {
	const c = await rawChat();
	c.send('42/chat,12["no-such-event",{"a":1}]');
	assertErrorAck(await ackOf(c, 12), 'UNKNOWN_EVENT');
	c.send('42/chat,13["chat-message",{"text":"after unknown","clientMsgId":"raw-13"}]');
	assert.equal((await ackOf(c, 13)).ok, true);
	c.terminate();
}));

test('a frame over maxPayload closes the connection with 1009', w(async () => {
	const c = await rawChat();
	const big = `42/chat,["chat-message",{"text":"${'x'.repeat(stack.maxPayload + 1000)}","clientMsgId":"big"}]`;
	c.send(big);
	const closed = await c.whenClosed(5000);
	assert.equal(closed.code, 1009, `close ${JSON.stringify(closed)}`);
}));

/** Sends bytes over plain TCP; resolves with everything read until close or ms. */
function rawHttp(bytes, ms = 5000) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		const sock = net.connect(stack.port, '127.0.0.1', () => sock.write(bytes));
		const timer = setTimeout(() => {
			sock.destroy();
			resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false });
		}, ms);
		sock.on('data', (d) => {
			chunks.push(d);
			const text = Buffer.concat(chunks).toString('latin1');
			const head = text.indexOf('\r\n\r\n');
			const len = /\r\ncontent-length:\s*(\d+)/i.exec(text);
			if (head >= 0 && len && text.length >= head + 4 + Number(len[1])) {
				clearTimeout(timer);
				sock.destroy();
				resolve({ text, closed: false });
			}
		});
		sock.on('end', () => {
			clearTimeout(timer);
			resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true });
		});
		sock.on('error', (e) => {
			clearTimeout(timer);
			if (chunks.length) resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true });
			else reject(e);
		});
	});
}

function assertHttp400Json(res, what) {
	assert.match(res.text, /^HTTP\/1\.[01] 400 /, `${what}: response ${JSON.stringify(res.text.slice(0, 300))}`);
	const body = res.text.slice(res.text.indexOf('\r\n\r\n') + 4);
	assert.match(res.text, /\r\ncontent-type:\s*application\/json/i, `${what}: ${JSON.stringify(res.text.slice(0, 300))}`);
	let parsed;
	assert.doesNotThrow(() => { parsed = JSON.parse(body); }, `${what}: body ${JSON.stringify(body)}`);
	assert.ok(parsed && typeof parsed === 'object');
}

test('garbage HTTP gets 400 with a JSON body', w(async () => {
	assertHttp400Json(await rawHttp('GARBAGE\r\n\r\n'), 'GARBAGE');
	assertHttp400Json(await rawHttp('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n'), 'bad Content-Length');
	assertHttp400Json(await rawHttp('GET /socket.io/?EIO=3&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'), 'EIO=3');
	assertHttp400Json(await rawHttp('GET /socket.io/?EIO=4&transport=carrier-pigeon HTTP/1.1\r\nHost: x\r\n\r\n'), 'unknown transport');
	// Binary junk: any answer or a close is fine, as long as nothing crashes.
	await rawHttp(Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]), 2000);
}));

test('afterwards the same workers serve a fresh socket.io-client, and the bystander never noticed', w(async () => {
	const s = await stack.connect({ token, orgId: 'demo' });
	const ack = await s.timeout(5000).emitWithAck('chat-message', { text: 'after the abuse', clientMsgId: 'fresh-1' });
	assert.equal(ack.ok, true, `ack ${JSON.stringify(ack)}`);
	s.close();
	assert.ok(bystander.connected, `bystander disconnected: ${bystander.lostWith}`);
	assert.equal(bystander.lostWith, undefined);
	const back = await bystander.timeout(5000).emitWithAck('chat-message', { text: 'bystander', clientMsgId: 'by-1' });
	assert.equal(back.ok, true, `ack ${JSON.stringify(back)}`);
	await sleep(100);
	assert.deepEqual(await stack.workerPids(), workersAtStart, 'no worker died and was respawned');
}));
