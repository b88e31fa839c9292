// RFC 6455 details the gateway must get right with any client, not only
// socket.io-client: fragmented messages, ping/pong, the close handshake,
// UTF-8 validation of text frames; plus binary Socket.IO packets, which
// confab refuses cleanly, and the request-head deadline (slowloris).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Stack } from './harness.mjs';

let stack;
let token;

before(async () => {
	stack = await Stack.start({ name: 'websocket', config: { http_header_timeout_ms: 1000 } });
	token = await stack.token({ role: 'customer', email: 'ws@example.com' });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

async function rawChat() {
	const c = await stack.raw();
	c.send(`40/chat,${JSON.stringify({ token, orgId: 'demo' })}`);
	const reply = await c.next((m) => m.startsWith('40/chat,') || m.startsWith('44/chat,'), 5000, 'the CONNECT reply');
	assert.match(reply, /^40\/chat,\{/, `CONNECT reply ${reply}`);
	return c;
}

async function ackOf(c, id) {
	const prefix = `43/chat,${id}[`;
	const pkt = await c.next((m) => m.startsWith(prefix), 5000, `ack ${id}`);
	return JSON.parse(pkt.slice(prefix.length - 1))[0];
}

test('a message fragmented over three frames is reassembled', w(async () => {
	const c = await rawChat();
	const pkt = '42/chat,1["chat-message",{"text":"in pieces","clientMsgId":"frag-1"}]';
	c.ws.send(pkt.slice(0, 10), { fin: false });
	c.ws.send(pkt.slice(10, 30), { fin: false });
	c.ws.send(pkt.slice(30), { fin: true });
	const ack = await ackOf(c, 1);
	assert.equal(ack.ok, true, `ack ${JSON.stringify(ack)}`);
	c.terminate();
}));

test('a WebSocket ping gets a pong with the same payload', w(async () => {
	const c = await rawChat();
	const pong = new Promise((resolve) => c.ws.once('pong', (data) => resolve(data.toString())));
	c.ws.ping('are-you-there');
	assert.equal(await pong, 'are-you-there');
	c.terminate();
}));

test('a client close gets the closing handshake back', w(async () => {
	const c = await rawChat();
	c.ws.close(1000, 'bye');
	const closed = await c.whenClosed(5000);
	assert.equal(closed.code, 1000, `close ${JSON.stringify(closed)}`);
}));

test('invalid UTF-8 in a text frame closes with 1007', w(async () => {
	const c = await rawChat();
	c.ws.send(Buffer.from([0x34, 0x32, 0xc3, 0x28]), { binary: false });
	const closed = await c.whenClosed(5000);
	assert.equal(closed.code, 1007, `close ${JSON.stringify(closed)}`);
}));

test('a binary event is refused with an error ack and its attachment is dropped', w(async () => {
	const c = await rawChat();
	c.send('451-/chat,5["upload",{"_placeholder":true,"num":0}]');
	c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
	const ack = await ackOf(c, 5);
	assert.equal(ack.ok, false);
	assert.equal(ack.error.code, 'BAD_REQUEST');
	// The connection still works.
	c.send('42/chat,6["chat-message",{"text":"after binary","clientMsgId":"bin-1"}]');
	assert.equal((await ackOf(c, 6)).ok, true);
	c.terminate();
}));

test('a request head trickling in past http_header_timeout_ms gets 408 and a close', w(async () => {
	const res = await new Promise((resolve, reject) => {
		const chunks = [];
		const sock = net.connect(stack.port, '127.0.0.1', () => sock.write('GET /healthz HTTP/1.1\r\n'));
		// One header byte every 200 ms: never idle long, never complete.
		const drip = setInterval(() => sock.write('X'), 200);
		const limit = setTimeout(() => { clearInterval(drip); sock.destroy(); reject(new Error('not closed in 5 s')); }, 5000);
		const t0 = Date.now();
		sock.on('data', (d) => chunks.push(d));
		sock.on('close', () => {
			clearInterval(drip);
			clearTimeout(limit);
			resolve({ text: Buffer.concat(chunks).toString(), ms: Date.now() - t0 });
		});
		sock.on('error', () => {});
	});
	assert.match(res.text, /^HTTP\/1\.1 408 /, res.text);
	assert.ok(res.ms >= 900 && res.ms < 3000, `closed after ${res.ms} ms`);
}));
