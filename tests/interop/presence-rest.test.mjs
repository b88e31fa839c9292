// The presence REST API (seed 000) through the gateway: every endpoint,
// its filters, and its errors (401 without a token, 403 for a foreign
// orgid or a role that may not, 400 for bad values, 404 for another
// org's agent), all as JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil } from './harness.mjs';

let stack;
const tok = {};

before(async () => {
	stack = await Stack.start({ name: 'presrest' });
	const mk = (name, role, email, org = 'demo') => stack.token({ org, role, email, name }).then((t) => { tok[name] = t; });
	await Promise.all([
		mk('Ann', 'agent', 'ann@example.com'),
		mk('Bob', 'agent', 'bob@example.com'),
		mk('Ada', 'admin', 'ada@example.com'),
		mk('Cy', 'customer', 'cy@example.com'),
		mk('Di', 'customer', 'di@example.com'),
		mk('Olaf', 'agent', 'olaf@example.com', 'other'),
		mk('Oona', 'admin', 'oona@example.com', 'other'),
	]);
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

async function rest(token, method, path, body, headers = {}) {
	const h = { 'content-type': 'application/json', ...headers };
	if (token) h.authorization = `Bearer ${token}`;
	const res = await fetch(stack.url + path, {
		method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
	});
	assert.match(res.headers.get('content-type') || '', /json/, `${method} ${path}: JSON`);
	return { status: res.status, body: await res.json() };
}

const connect = (name, org = 'demo', context) => stack.connect({ auth: { token: tok[name], orgId: org, context } });

function assertError(r, status, code) {
	assert.equal(r.status, status, JSON.stringify(r.body));
	assert.equal(r.body.error?.code, code, JSON.stringify(r.body));
	assert.equal(typeof r.body.error.message, 'string');
}

test('without a token 401, with another orgid 403, unknown paths 404, wrong method 405', w(async () => {
	assertError(await rest(null, 'GET', '/chat/agents/online'), 401, 'UNAUTHORIZED');
	assertError(await rest('not.a.token', 'GET', '/chat/presence/stats'), 401, 'UNAUTHORIZED');
	assertError(await rest(tok.Ann, 'GET', '/chat/agents/online', undefined, { orgid: 'other' }), 403, 'FORBIDDEN');
	assertError(await rest(tok.Ann, 'GET', '/chat/agents/x@example.com/whatever'), 404, 'NOT_FOUND');
	assertError(await rest(tok.Ann, 'GET', '/chat/agents/ann@example.com/status'), 405, 'METHOD_NOT_ALLOWED');
	assertError(await rest(tok.Cy, 'GET', '/chat/agents/online'), 403, 'FORBIDDEN');
	assertError(await rest(tok.Cy, 'GET', '/chat/presence/stats'), 403, 'FORBIDDEN');
}));

test('GET /chat/agents/online filters by status and skill; GET /chat/presence/stats counts', w(async () => {
	const ann = await connect('Ann', 'demo', { skills: ['billing', 'en'] });
	const bob = await connect('Bob', 'demo', { skills: ['tech'] });
	const ada = await connect('Ada', 'demo', { skills: ['billing'] });
	const ann2 = await connect('Ann');	// a second tab
	const cy = await connect('Cy');
	const olaf = await connect('Olaf', 'other');
	assert.equal((await bob.timeout(5000).emitWithAck('set-status', { status: 'busy' })).ok, true);
	assert.equal((await ada.timeout(5000).emitWithAck('set-status', { status: 'away' })).ok, true);
	const emails = (r) => r.body.agents.map((a) => a.email).sort();

	const all = await waitUntil(async () => {
		const r = await rest(tok.Ann, 'GET', '/chat/agents/online');
		return r.body.count === 3 ? r : null;
	}, 5000, 'three online staff');
	assert.deepEqual(emails(all), ['ada@example.com', 'ann@example.com', 'bob@example.com'], 'org-scoped: no olaf');
	const a = all.body.agents.find((x) => x.email === 'ann@example.com');
	assert.equal(a.name, 'Ann');
	assert.equal(a.role, 'agent');
	assert.equal(a.status, 'available');
	assert.equal(a.sockets, 2);
	assert.deepEqual(a.skills, ['billing', 'en']);
	assert.equal(typeof a.onlineSince, 'number');
	assert.equal(typeof a.lastActivity, 'number');
	assert.equal(all.body.agents.find((x) => x.email === 'ada@example.com').role, 'admin');

	assert.deepEqual(emails(await rest(tok.Ann, 'GET', '/chat/agents/online?status=busy')), ['bob@example.com']);
	assert.deepEqual(emails(await rest(tok.Ann, 'GET', '/chat/agents/online?skill=billing')), ['ada@example.com', 'ann@example.com']);
	assert.deepEqual(emails(await rest(tok.Ann, 'GET', '/chat/agents/online?status=available&skill=billing')), ['ann@example.com']);
	assert.deepEqual(emails(await rest(tok.Ann, 'GET', '/chat/agents/online?skill=nope')), []);
	assertError(await rest(tok.Ann, 'GET', '/chat/agents/online?status=sleeping'), 400, 'BAD_REQUEST');

	const stats = await rest(tok.Ada, 'GET', '/chat/presence/stats');
	assert.equal(stats.status, 200);
	assert.deepEqual(stats.body.agents, { online: 3, available: 1, busy: 1, away: 1 });
	assert.deepEqual(stats.body.customers, { online: 1 });
	assert.equal(stats.body.sockets, 5);
	const other = await rest(tok.Olaf, 'GET', '/chat/presence/stats', undefined, { orgid: 'other' });
	assert.deepEqual(other.body.agents, { online: 1, available: 1, busy: 0, away: 0 });
	for (const s of [ann, ann2, bob, ada, cy, olaf]) s.close();
}));

test('GET /chat/agents/{email}/presence: online, offline with its status, unknown and another org\'s agent 404', w(async () => {
	const bob = await connect('Bob');
	await waitUntil(async () => (await rest(tok.Ann, 'GET', '/chat/agents/bob@example.com/presence')).body.online, 5000, 'bob online');
	const on = await rest(tok.Ann, 'GET', '/chat/agents/bob@example.com/presence');
	assert.equal(on.status, 200);
	assert.equal(on.body.email, 'bob@example.com');
	assert.equal(on.body.sockets, 1);
	bob.close();
	const off = await waitUntil(async () => {
		const r = await rest(tok.Ann, 'GET', '/chat/agents/bob@example.com/presence');
		return r.body.online === false ? r : null;
	}, 5000, 'bob offline');
	assert.equal(off.body.status, 'busy', 'status kept from the previous test');
	assert.equal(typeof off.body.lastSeen, 'number');
	assert.equal(off.body.sockets, 0);
	// URL-encoded path parameter.
	assert.equal((await rest(tok.Ann, 'GET', '/chat/agents/bob%40example.com/presence')).status, 200);
	assertError(await rest(tok.Ann, 'GET', '/chat/agents/nobody@example.com/presence'), 404, 'NOT_FOUND');
	// Olaf is an agent of org "other", online right now: not in demo.
	const olaf = await connect('Olaf', 'other');
	await waitUntil(async () => (await rest(tok.Oona, 'GET', '/chat/agents/olaf@example.com/presence', undefined, { orgid: 'other' })).body.online, 5000, 'olaf online in other');
	assertError(await rest(tok.Ann, 'GET', '/chat/agents/olaf@example.com/presence'), 404, 'NOT_FOUND');
	assertError(await rest(tok.Cy, 'GET', '/chat/agents/bob@example.com/presence'), 403, 'FORBIDDEN');
	olaf.close();
}));

test('POST /chat/agents/{email}/status: own status, admin override, and every refusal', w(async () => {
	const ann = await connect('Ann');
	const bob = await connect('Bob');
	const seen = [];
	bob.on('presence-change', (e) => seen.push(e));
	await waitUntil(async () => (await rest(tok.Ann, 'GET', '/chat/agents/online')).body.count === 2, 5000, 'two online');

	const own = await rest(tok.Ann, 'POST', '/chat/agents/ann@example.com/status', { status: 'away' });
	assert.equal(own.status, 200, JSON.stringify(own.body));
	assert.equal(own.body.status, 'away');
	await waitUntil(() => seen.some((e) => e.email === 'ann@example.com' && e.status === 'away'), 5000, 'away seen by bob');

	assertError(await rest(tok.Ann, 'POST', '/chat/agents/bob@example.com/status', { status: 'away' }), 403, 'FORBIDDEN');
	const admin = await rest(tok.Ada, 'POST', '/chat/agents/ann@example.com/status', { status: 'available' });
	assert.equal(admin.status, 200);
	assert.equal(admin.body.previous, 'away');
	await waitUntil(() => seen.some((e) => e.email === 'ann@example.com' && e.status === 'available'), 5000, 'admin override seen');
	assert.equal((await stack.redis('HGET', `${stack.prefix}chat-status:{demo}:ann@example.com`, 'statusBy')).trim(), 'admin:ada@example.com');

	assertError(await rest(tok.Ada, 'POST', '/chat/agents/ann@example.com/status', { status: 'napping' }), 400, 'BAD_REQUEST');
	assertError(await rest(tok.Ada, 'POST', '/chat/agents/ann@example.com/status', {}), 400, 'BAD_REQUEST');
	assertError(await rest(tok.Ada, 'POST', '/chat/agents/ann@example.com/status', [1]), 400, 'BAD_REQUEST');
	assertError(await rest(tok.Ada, 'POST', '/chat/agents/nobody@example.com/status', { status: 'busy' }), 404, 'NOT_FOUND');
	assertError(await rest(tok.Ada, 'POST', '/chat/agents/olaf@example.com/status', { status: 'busy' }), 404, 'NOT_FOUND');
	assertError(await rest(tok.Cy, 'POST', '/chat/agents/ann@example.com/status', { status: 'busy' }), 403, 'FORBIDDEN');
	// Olaf's status in his own org was not touched.
	assert.equal((await stack.redis('HGET', `${stack.prefix}chat-status:{other}:olaf@example.com`, 'status')).trim(), 'available');
	ann.close();
	bob.close();
}));

test('GET /chat/customers/online and /chat/customers/{email}/journey with page-view rows', w(async () => {
	const cy = await connect('Cy', 'demo', { url: 'https://shop.example/' });
	const di = await connect('Di');
	for (let i = 1; i <= 3; i++) {
		const ack = await cy.timeout(5000).emitWithAck('page-view', { url: `https://shop.example/p/${i}`, title: `P${i}`, referrer: 'https://search.example/' });
		assert.deepEqual(ack, { ok: true, visits: i });
	}
	const bad = await cy.timeout(5000).emitWithAck('page-view', { title: 'no url' });
	assert.equal(bad.error.code, 'BAD_REQUEST');
	const ann = await connect('Ann');
	assert.equal((await ann.timeout(5000).emitWithAck('page-view', { url: 'https://x/' })).error.code, 'FORBIDDEN');

	const list = await waitUntil(async () => {
		const r = await rest(tok.Ann, 'GET', '/chat/customers/online');
		return r.body.count === 2 ? r : null;
	}, 5000, 'two customers online');
	const c = list.body.customers.find((x) => x.email === 'cy@example.com');
	assert.equal(c.name, 'Cy');
	assert.equal(c.online, true);
	assert.equal(c.state, 'online');
	assert.equal(c.currentUrl, 'https://shop.example/p/3');
	const one = await rest(tok.Ann, 'GET', '/chat/customers/online?limit=1');
	assert.equal(one.body.count, 1);
	assert.equal(one.body.total, 2);
	assertError(await rest(tok.Ann, 'GET', '/chat/customers/online?limit=0'), 400, 'BAD_REQUEST');
	assertError(await rest(tok.Cy, 'GET', '/chat/customers/online'), 403, 'FORBIDDEN');

	const j = await rest(tok.Ann, 'GET', '/chat/customers/cy@example.com/journey?limit=2');
	assert.equal(j.status, 200);
	assert.equal(j.body.presence.online, true);
	assert.deepEqual(j.body.visits.map((v) => v.url), ['https://shop.example/p/3', 'https://shop.example/p/2'], 'newest first, limited');
	assert.equal(j.body.visits[0].title, 'P3');
	assert.equal(j.body.visits[0].referrer, 'https://search.example/');
	assert.equal(typeof j.body.visits[0].ts, 'number');
	assert.equal((await rest(tok.Ann, 'GET', '/chat/customers/cy@example.com/journey')).body.visits.length, 3, 'default limit 50');
	assertError(await rest(tok.Ann, 'GET', '/chat/customers/cy@example.com/journey?limit=500'), 400, 'BAD_REQUEST');
	assertError(await rest(tok.Ann, 'GET', '/chat/customers/nobody@example.com/journey'), 404, 'NOT_FOUND');
	assertError(await rest(tok.Oona, 'GET', '/chat/customers/cy@example.com/journey', undefined, { orgid: 'other' }), 404, 'NOT_FOUND');
	assertError(await rest(tok.Cy, 'GET', '/chat/customers/cy@example.com/journey'), 403, 'FORBIDDEN');

	cy.close();
	const off = await waitUntil(async () => {
		const r = await rest(tok.Ann, 'GET', '/chat/customers/cy@example.com/journey');
		return r.body.presence.online === false ? r : null;
	}, 5000, 'cy offline in the journey');
	assert.equal(off.body.presence.state, 'offline');
	assert.equal(typeof off.body.presence.lastSeen, 'number');
	assert.equal(off.body.visits.length, 3, 'visits outlive the visit');
	di.close();
	ann.close();
}));

test('GET /chat/sessions lists every live socket of the org, for admins only', w(async () => {
	const cy = await connect('Cy', 'demo', { url: 'https://shop.example/s' });
	const ann = await connect('Ann');
	const olaf = await connect('Olaf', 'other');
	const r = await waitUntil(async () => {
		const x = await rest(tok.Ada, 'GET', '/chat/sessions');
		return x.body.count === 2 ? x : null;
	}, 5000, 'two sessions in demo');
	const s = r.body.sessions.find((x) => x.sid === cy.id);
	assert.ok(s, JSON.stringify(r.body));
	assert.equal(s.email, 'cy@example.com');
	assert.equal(s.role, 'customer');
	assert.equal(s.currentUrl, 'https://shop.example/s');
	assert.equal(s.ipAddress, '127.0.0.1');
	assert.equal(typeof s.userAgent, 'string');
	assert.equal(typeof s.connectedAt, 'number');
	assert.equal(s.gateway, `it-${stack.name}`);
	assert.ok(s.worker === 0 || s.worker === 1);
	assert.ok(!r.body.sessions.some((x) => x.email === 'olaf@example.com'));
	assert.equal((await rest(tok.Ada, 'GET', '/chat/sessions?limit=1')).body.count, 1);
	assertError(await rest(tok.Ann, 'GET', '/chat/sessions'), 403, 'FORBIDDEN');
	assertError(await rest(tok.Ada, 'GET', '/chat/sessions?limit=x'), 400, 'BAD_REQUEST');
	cy.close();
	ann.close();
	olaf.close();
}));
