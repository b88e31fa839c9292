// The reference server of the benchmark: a Socket.IO 4.8 chat server
// doing confab's job for the benchmark's workload, written the way a
// production Socket.IO chat on Node would be.
//
//  - namespace /chat, WebSocket transport only (as confab), the same
//    Engine.IO ping settings as confab's defaults;
//  - CONNECT: the JWT in auth.token is verified (HS256, jsonwebtoken),
//    auth.orgId must match the token's org; the socket joins its
//    conversation's room: a customer its own conversation (as confab
//    today: a customer's messages go to one conversation, delivered to
//    every socket of that customer), an agent the conversations listed
//    in auth.chats (stands in for confab's assignment, issue 4);
//  - "chat-message" { text, clientMsgId } (an agent adds chatId): the
//    message is stored in the conversation's Redis stream (XADD, with a
//    per-conversation sequence number from HINCRBY, one MULTI round
//    trip) before the ack, then emitted to the conversation's room
//    through @socket.io/redis-adapter (which PUBLISHes it for the other
//    nodes), then acked { ok, message: { id, chatId, seq, ts } }; the
//    delivered event is { id, chatId, seq, ts, text, from }, as confab's.
//
// It does less than confab: no idempotency check on clientMsgId, no
// presence rows, no socket registry in Redis.
//
// Without REDIS (no Redis at all) it keeps the sequence in memory, stores
// nothing and uses the in-memory adapter: a lower bound for Socket.IO.
//
//	PORT=N SECRET=S [REDIS=/path/redis.sock] [ORG=demo] node server.mjs
//
// Prints "listening PORT" on stdout when ready.
import http from 'node:http';
import { Server } from 'socket.io';
import jwt from 'jsonwebtoken';

const port = Number(process.env.PORT || 3000);
const secret = process.env.SECRET;
const redisPath = process.env.REDIS || '';
const prefix = process.env.KEY_PREFIX || 'peer:';
const pingInterval = Number(process.env.PING_INTERVAL_MS || 25000);
const pingTimeout = Number(process.env.PING_TIMEOUT_MS || 20000);
if (!secret) {
	console.error('peer: SECRET is required');
	process.exit(64);
}

const httpServer = http.createServer((req, res) => {
	res.writeHead(404).end();
});
const io = new Server(httpServer, {
	transports: ['websocket'],
	serveClient: false,
	pingInterval,
	pingTimeout,
	maxHttpBufferSize: 1e6,
	perMessageDeflate: false,
});

let store = null;
if (redisPath) {
	const { createClient } = await import('redis');
	const { createAdapter } = await import('@socket.io/redis-adapter');
	const pub = createClient({ socket: { path: redisPath } });
	const sub = pub.duplicate();
	store = pub.duplicate();
	for (const c of [pub, sub, store])
		c.on('error', (e) => console.error(`peer: redis: ${e.message}`));
	await Promise.all([pub.connect(), sub.connect(), store.connect()]);
	io.adapter(createAdapter(pub, sub, { key: `${prefix}socket.io` }));
}

const seqs = new Map();		// no-Redis mode: chatId -> seq
let memId = 0;

async function save(org, chatId, from, text, clientMsgId, ts) {
	if (!store) {
		const seq = (seqs.get(chatId) || 0) + 1;
		seqs.set(chatId, seq);
		return { id: `${ts}-${++memId}`, seq };
	}
	const [seq, id] = await store.multi()
		.hIncrBy(`${prefix}chat-conv:{${org}}:${chatId}`, 'seq', 1)
		.xAdd(`${prefix}chat-history:{${org}}:${chatId}`, '*', {
			ts: String(ts), role: from.role, email: from.email,
			name: from.name, text, clientMsgId, kind: 'user',
		})
		.exec();
	return { id, seq };
}

const chat = io.of('/chat');

chat.use((socket, next) => {
	const auth = socket.handshake.auth || {};
	let claims;
	try {
		claims = jwt.verify(String(auth.token || ''), secret, { algorithms: ['HS256'] });
	} catch (e) {
		const err = new Error(`unauthorized: ${e.message}`);
		err.data = { code: 'UNAUTHORIZED', message: e.message };
		return next(err);
	}
	if (auth.orgId !== undefined && auth.orgId !== claims.org) {
		const err = new Error('unauthorized: orgId does not match the token');
		err.data = { code: 'UNAUTHORIZED', message: 'orgId does not match the token' };
		return next(err);
	}
	socket.data.user = {
		org: claims.org,
		role: claims.role,
		email: claims.email || claims.sub,
		name: claims.name || '',
	};
	next();
});

chat.on('connection', (socket) => {
	const user = socket.data.user;
	const auth = socket.handshake.auth || {};
	const room = (chatId) => `chat:${user.org}:${chatId}`;
	if (user.role === 'customer')
		socket.join(room(user.email));
	else if (Array.isArray(auth.chats))
		for (const c of auth.chats.slice(0, 100))
			if (typeof c === 'string') socket.join(room(c));

	socket.on('chat-message', async (data, ack) => {
		if (typeof ack !== 'function') ack = () => {};
		const text = data && data.text;
		const clientMsgId = data && data.clientMsgId;
		if (typeof text !== 'string' || !text || typeof clientMsgId !== 'string' || !clientMsgId)
			return ack({ ok: false, error: { code: 'BAD_REQUEST', message: 'text and clientMsgId are required' } });
		const chatId = user.role === 'customer' ? user.email : data.chatId;
		if (typeof chatId !== 'string' || !socket.rooms.has(room(chatId)))
			return ack({ ok: false, error: { code: 'FORBIDDEN', message: 'not a member of this conversation' } });
		const ts = Date.now();
		const from = { role: user.role, email: user.email, name: user.name };
		let saved;
		try {
			saved = await save(user.org, chatId, from, text, clientMsgId, ts);
		} catch (e) {
			return ack({ ok: false, error: { code: 'SERVICE_UNAVAILABLE', message: e.message } });
		}
		const message = { id: saved.id, chatId, seq: saved.seq, ts };
		chat.to(room(chatId)).emit('chat-message', { ...message, text, from });
		ack({ ok: true, message });
	});
});

httpServer.listen(port, '127.0.0.1', () => {
	console.log(`listening ${port}`);
});

for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => {
		io.close();
		if (store) store.quit().catch(() => {});
		setTimeout(() => process.exit(0), 200).unref();
	});
