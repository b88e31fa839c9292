// Webhooks (seed 003): POST/GET /chat/webhooks, DELETE /chat/webhooks/{id},
// GET /chat/webhooks/{id}/deliveries, and their delivery: the eight
// events of a conversation's life reach a local receiver signed with
// HMAC-SHA256 of the body under the webhook's secret; a receiver that
// fails is retried with the same delivery id; a webhook hears only its
// own events, of its own org.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { Stack, sleep, waitUntil } from './harness.mjs';
import { emit, ok, api, who } from './queue-helpers.mjs';

let stack;
let server;
let base;
const got = [];			// { path, headers, raw, body }
const failFirst = new Map();	// path -> how many deliveries of each id to answer 500
const seenIds = new Map();	// path|id -> count

before(async () => {
	server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			let body = null;
			try { body = JSON.parse(raw); } catch { /* recorded as is */ }
			got.push({ path: req.url, method: req.method, headers: req.headers, raw, body });
			const k = `${req.url}|${req.headers['x-confab-delivery']}`;
			const n = (seenIds.get(k) ?? 0) + 1;
			seenIds.set(k, n);
			res.statusCode = n <= (failFirst.get(req.url) ?? 0) ? 500 : 200;
			res.end('ok');
		});
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${server.address().port}`;
	stack = await Stack.start({ name: 'queue-webhooks', config: {
		rate_limit_chat_per_minute: 0, rate_limit_events_per_minute: 0,
	} });
});
after(async () => {
	for (const s of stack?.sockets ?? []) s.close();
	await sleep(300);
	await stack?.stop();
	await new Promise((r) => server?.close(r) ?? r());
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const ALL = ['chat.created', 'chat.queued', 'chat.assigned', 'chat.transferred', 'chat.closed', 'chat.rated',
	'message.created', 'agent.status'];

const sign = (secret, raw) => `sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`;
const at = (p) => got.filter((g) => g.path === p);

/** Waits for the request at path p whose event is ev and that matches pred. */
async function hit(p, ev, pred = () => true, ms = 8000) {
	return waitUntil(() => at(p).find((g) => g.body && g.body.event === ev && pred(g.body.data)), ms,
	    `${ev} at ${p} (got: ${at(p).map((g) => g.body && g.body.event).join(', ')})`);
}

function checkSigned(g, secret, org) {
	assert.equal(g.method, 'POST');
	assert.equal(g.headers['content-type'], 'application/json');
	assert.equal(g.headers['x-confab-signature'], sign(secret, g.raw), `signature of ${g.raw}`);
	assert.equal(g.headers['x-confab-event'], g.body.event);
	assert.equal(g.headers['x-confab-delivery'], g.body.id);
	assert.equal(g.body.org, org);
	assert.equal(typeof g.body.ts, 'number');
	assert.ok(g.body.data && typeof g.body.data === 'object');
}

test('the eight events of a conversation reach the webhooks that asked for them, signed', w(async () => {
	const org = 'hooks';
	const admin = await who(stack, { org, role: 'admin', email: 'boss@hooks.example' });
	const ann = await who(stack, { org, role: 'agent', email: 'ann@hooks.example' });
	const bob = await who(stack, { org, role: 'agent', email: 'bob@hooks.example' });
	const cust = await who(stack, { org, role: 'customer', email: 'cu@hooks.example' });

	// Validation and roles.
	for (const bad of [{ url: 'ftp://x.example/', events: ['chat.closed'] }, { url: 'http://x.example/' },
		{ url: 'http://x.example/', events: [] }, { url: 'http://x.example/', events: ['chat.exploded'] },
		{ url: `http://x.example/${'a'.repeat(520)}`, events: ['chat.closed'] },
		{ url: 'http://x.example/', events: ['chat.closed', 'chat.closed'] },
		{ url: 'http://x.example/', events: ['chat.closed'], secret: '' }])
		assert.equal((await api(stack, admin.token, 'POST', '/chat/webhooks', bad)).status, 400, JSON.stringify(bad));
	assert.equal((await api(stack, ann.token, 'POST', '/chat/webhooks', { url: `${base}/x`, events: ['chat.closed'] })).status, 403);
	assert.equal((await api(stack, cust.token, 'GET', '/chat/webhooks')).status, 403);

	const secret = 'a shared secret';
	const all = await api(stack, admin.token, 'POST', '/chat/webhooks', { url: `${base}/all`, events: ALL, secret });
	assert.equal(all.status, 201, JSON.stringify(all.body));
	assert.equal(all.body.webhook.secret, secret);
	assert.deepEqual(all.body.webhook.events, ALL);
	assert.equal(typeof all.body.webhook.createdAt, 'number');
	const closedOnly = await api(stack, admin.token, 'POST', '/chat/webhooks', { url: `${base}/closed`, events: ['chat.closed'] });
	assert.equal(closedOnly.status, 201, JSON.stringify(closedOnly.body));
	const secret2 = closedOnly.body.webhook.secret;
	assert.match(secret2, /^[0-9a-f]{32}$/, 'a generated secret');

	// Staff read the list; no secrets in it.
	const list = await api(stack, ann.token, 'GET', '/chat/webhooks');
	assert.equal(list.status, 200);
	assert.deepEqual(list.body.webhooks.map((h) => h.id).sort(), [all.body.webhook.id, closedOnly.body.webhook.id].sort());
	assert.ok(list.body.webhooks.every((h) => !('secret' in h) && h.url && h.events && h.createdAt), JSON.stringify(list.body));
	assert.ok(!JSON.stringify(list.body).includes(secret2));

	// Another org's webhook, which must hear nothing of this one.
	const otherAdmin = await who(stack, { org: 'hooks-b', role: 'admin', email: 'boss@b.example' });
	assert.equal((await api(stack, otherAdmin.token, 'POST', '/chat/webhooks', { url: `${base}/other`, events: ALL })).status, 201);
	assert.deepEqual((await api(stack, otherAdmin.token, 'GET', '/chat/webhooks')).body.webhooks.map((h) => h.url), [`${base}/other`]);

	// A customer's first message: chat.created, chat.queued, message.created.
	const chatId = ok(await emit(cust, 'chat-message', { text: 'where is my parcel?', clientMsgId: 'h1' }), 'open').message.chatId;
	const created = await hit('/all', 'chat.created', (d) => d.chatId === chatId);
	checkSigned(created, secret, org);
	assert.equal(created.body.data.customer.email, 'cu@hooks.example');
	const queued = await hit('/all', 'chat.queued', (d) => d.chatId === chatId);
	checkSigned(queued, secret, org);
	assert.equal(queued.body.data.customer.email, 'cu@hooks.example');
	const msg = await hit('/all', 'message.created', (d) => d.chatId === chatId);
	checkSigned(msg, secret, org);
	assert.equal(msg.body.data.text, 'where is my parcel?');
	assert.equal(msg.body.data.from.role, 'customer');

	// pick-next: chat.assigned; an agent's message; a transfer; a close.
	assert.equal(ok(await emit(ann, 'pick-next', {}), 'pick').chat.chatId, chatId);
	const assigned = await hit('/all', 'chat.assigned', (d) => d.chat.chatId === chatId);
	checkSigned(assigned, secret, org);
	assert.equal(assigned.body.data.agent.email, 'ann@hooks.example');
	assert.equal(assigned.body.data.how, 'pick');
	assert.equal(assigned.body.data.chat.status, 'active');
	ok(await emit(ann, 'chat-message', { chatId, text: 'let me look', clientMsgId: 'a1' }), 'agent says');
	const said = await hit('/all', 'message.created', (d) => d.text === 'let me look');
	checkSigned(said, secret, org);
	assert.equal(said.body.data.from.role, 'agent');
	ok(await emit(ann, 'transfer-chat', { chatId, toAgent: 'bob@hooks.example', note: 'billing' }), 'transfer');
	const moved = await hit('/all', 'chat.transferred', (d) => d.chatId === chatId);
	checkSigned(moved, secret, org);
	assert.equal(moved.body.data.from.email, 'ann@hooks.example');
	assert.equal(moved.body.data.to.agent.email, 'bob@hooks.example');
	ok(await emit(bob, 'close-chat', { chatId, reason: 'resolved' }), 'close');
	const closed = await hit('/all', 'chat.closed', (d) => d.chat.chatId === chatId);
	checkSigned(closed, secret, org);
	assert.equal(closed.body.data.reason, 'resolved');
	assert.equal(closed.body.data.by.email, 'bob@hooks.example');
	assert.equal(closed.body.data.chat.status, 'closed');
	ok(await emit(cust, 'rate-chat', { chatId, rating: 5, feedback: 'great' }), 'rate');
	const rated = await hit('/all', 'chat.rated', (d) => d.chatId === chatId);
	checkSigned(rated, secret, org);
	assert.equal(rated.body.data.rating, 5);
	assert.equal(rated.body.data.feedback, 'great');

	// set-status over presence-svc: agent.status.
	ok(await emit(ann, 'set-status', { status: 'busy' }), 'status');
	const status = await hit('/all', 'agent.status', (d) => d.status === 'busy');
	checkSigned(status, secret, org);
	assert.equal(status.body.data.agent.email, 'ann@hooks.example');

	// System messages ("has joined", "closed by") are no message.created.
	assert.ok(at('/all').every((g) => g.body.event !== 'message.created' || g.body.data.from.role !== 'system'));
	// The chat.closed-only webhook got that one event, signed with its secret.
	await sleep(500);
	const mine = at('/closed');
	assert.deepEqual(mine.map((g) => g.body.event), ['chat.closed'], JSON.stringify(mine.map((g) => g.body)));
	checkSigned(mine[0], secret2, org);
	assert.equal(mine[0].body.data.chat.chatId, chatId);
	// Each delivery once (the receiver answered 200).
	const ids = at('/all').map((g) => g.body.id);
	assert.equal(new Set(ids).size, ids.length, 'no delivery twice');
	// Org isolation.
	assert.deepEqual(at('/other'), [], 'another org hears nothing');

	// The delivery log; staff may read it.
	const log = await api(stack, ann.token, 'GET', `/chat/webhooks/${all.body.webhook.id}/deliveries`);
	assert.equal(log.status, 200, JSON.stringify(log.body));
	assert.ok(log.body.deliveries.length >= 9, JSON.stringify(log.body));
	const last = log.body.deliveries[0];
	assert.equal(last.status, 200);
	assert.equal(last.attempt, 1);
	assert.equal(typeof last.at, 'number');
	assert.equal(typeof last.durationMs, 'number');
	assert.ok(ids.includes(last.deliveryId));
	assert.ok(ALL.includes(last.event));
	assert.equal((await api(stack, otherAdmin.token, 'GET', `/chat/webhooks/${all.body.webhook.id}/deliveries`)).status, 404,
	    'another org does not see it');
	assert.equal((await api(stack, otherAdmin.token, 'DELETE', `/chat/webhooks/${all.body.webhook.id}`)).status, 404);

	// Deleting: admins only; then it hears nothing more.
	assert.equal((await api(stack, ann.token, 'DELETE', `/chat/webhooks/${all.body.webhook.id}`)).status, 403);
	assert.equal((await api(stack, admin.token, 'DELETE', `/chat/webhooks/${all.body.webhook.id}`)).status, 200);
	assert.equal((await api(stack, admin.token, 'DELETE', `/chat/webhooks/${all.body.webhook.id}`)).status, 404);
	assert.equal((await api(stack, admin.token, 'GET', `/chat/webhooks/${all.body.webhook.id}/deliveries`)).status, 404);
	assert.deepEqual((await api(stack, admin.token, 'GET', '/chat/webhooks')).body.webhooks.map((h) => h.id), [closedOnly.body.webhook.id]);
	const before = at('/all').length;
	ok(await emit(ann, 'set-status', { status: 'available' }), 'status 2');
	await sleep(800);
	assert.equal(at('/all').length, before, 'a deleted webhook hears nothing');
}));

test('a failing receiver gets the same delivery again, with backoff, until it answers 2xx', w(async () => {
	const org = 'hooks-retry';
	const admin = await who(stack, { org, role: 'admin', email: 'boss@retry.example' });
	const cust = await who(stack, { org, role: 'customer', email: 'cu@retry.example' });
	failFirst.set('/flaky', 2);
	const h = await api(stack, admin.token, 'POST', '/chat/webhooks', { url: `${base}/flaky`, events: ['message.created'], secret: 'k' });
	assert.equal(h.status, 201, JSON.stringify(h.body));
	ok(await emit(cust, 'chat-message', { text: 'retry me', clientMsgId: 'r1' }), 'open');
	await waitUntil(() => at('/flaky').length >= 3, 15000, 'three attempts');
	await sleep(1500);
	const tries = at('/flaky');
	assert.equal(tries.length, 3, 'no fourth attempt after a 200');
	assert.equal(new Set(tries.map((g) => g.headers['x-confab-delivery'])).size, 1, 'one delivery id');
	for (const g of tries) checkSigned(g, 'k', org);
	assert.equal(new Set(tries.map((g) => g.raw)).size, 1, 'the same body each time');
	const log = (await api(stack, admin.token, 'GET', `/chat/webhooks/${h.body.webhook.id}/deliveries`)).body.deliveries;
	assert.deepEqual(log.map((d) => [d.attempt, d.status]), [[3, 200], [2, 500], [1, 500]]);
	assert.ok(log[0].at - log[1].at >= 1500 && log[1].at - log[2].at >= 700, `backoff: ${JSON.stringify(log)}`);
	assert.match(stack.logText('queue'), /webhook delivery failed; will retry/);
}));

test('an unreachable receiver is retried, logged, and does not hold up other webhooks', w(async () => {
	const org = 'hooks-down';
	const admin = await who(stack, { org, role: 'admin', email: 'boss@down.example' });
	const cust = await who(stack, { org, role: 'customer', email: 'cu@down.example' });
	// A port nobody listens on.
	const dead = http.createServer();
	await new Promise((r) => dead.listen(0, '127.0.0.1', r));
	const port = dead.address().port;
	await new Promise((r) => dead.close(r));
	const d = await api(stack, admin.token, 'POST', '/chat/webhooks', { url: `http://127.0.0.1:${port}/`, events: ['chat.created'] });
	assert.equal(d.status, 201);
	assert.equal((await api(stack, admin.token, 'POST', '/chat/webhooks', { url: `${base}/live`, events: ['chat.created'] })).status, 201);
	ok(await emit(cust, 'chat-message', { text: 'hi', clientMsgId: 'd1' }), 'open');
	await hit('/live', 'chat.created', () => true, 5000);
	const log = await waitUntil(async () => {
		const l = (await api(stack, admin.token, 'GET', `/chat/webhooks/${d.body.webhook.id}/deliveries`)).body.deliveries;
		return l.length >= 2 ? l : null;
	}, 8000, 'two failed attempts');
	assert.equal(typeof log[0].status, 'string', JSON.stringify(log));
	assert.equal(log[0].deliveryId, log[1].deliveryId);
}));
