// Tenant isolation.  Org A ("demo") builds real state through the real
// flow: conversations (active with messages, tags and notes; queued;
// closed and rated), an agent who picked them, its status and skills, a
// watch, a room with members and metadata, a visitor's page views, chat
// configs, FAQ entries and AI settings.  Then an admin, an agent and a
// customer of org B ("other") walk every REST endpoint (the route tables
// of the gateway and of each service, parsed from the C sources, must
// all be in the tables below) and every socket event against org A's
// ids.  Each answer must be a refusal (404/403, an error ack) that is the
// same as for an id that exists nowhere, or, for org-wide lists and for
// writes that create org B's own object under the same name, an answer
// about org B only; and no answer or event may carry anything of org A.
// A token of org B with an `orgid: demo` header is 403, a socket with
// auth.orgId "demo" is UNAUTHORIZED, and org A's state is the same
// afterwards, seen over its own REST API and in its Redis keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Stack, ROOT, waitUntil, whenConnected, whenRefused, sleep } from './harness.mjs';

let stack;
const w = (fn) => (t) => stack.wrap(fn)(t);
const rnd = (n = 6) => crypto.randomBytes(n).toString('base64url').replace(/[-_]/g, 'x').slice(0, n);

// Every piece of org A's content carries this word; org B never sends it.
const MARK_A = 'orchid';
const MARK_B = 'tulip';

// ---- org A's and org B's people ----

const A = {
	org: 'demo',
	admin: { role: 'admin', email: 'alice.admin@tenant-a.example', name: `Alice ${MARK_A}` },
	agent: { role: 'agent', email: 'andy.agent@tenant-a.example', name: `Andy ${MARK_A}` },
	cust1: { role: 'customer', email: 'carla.one@tenant-a.example', name: `Carla ${MARK_A}` },
	cust2: { role: 'customer', email: 'cyril.two@tenant-a.example', name: `Cyril ${MARK_A}` },
	cust3: { role: 'customer', email: 'cora.three@tenant-a.example', name: `Cora ${MARK_A}` },
	skill: `askill${rnd(4).toLowerCase()}`,
	roomId: `aroom-${rnd(8)}`,
	tag: `atag-${rnd(6).toLowerCase()}`,
	cfgId: `acfg-${rnd(6)}`,
	url: `https://a-shop.example/${MARK_A}/checkout`,
	texts: [`my ${MARK_A} parcel zebrafish is late`, `sorry about your ${MARK_A} parcel`, `thanks ${MARK_A}`],
	searchWord: 'zebrafish',
};
const B = {
	org: 'other',
	admin: { role: 'admin', email: 'bob.admin@tenant-b.example', name: `Bob ${MARK_B}` },
	agent: { role: 'agent', email: 'bea.agent@tenant-b.example', name: `Bea ${MARK_B}` },
	customer: { role: 'customer', email: 'ben.cust@tenant-b.example', name: `Ben ${MARK_B}` },
};
const ROLES_B = ['admin', 'agent', 'customer'];
const A_KEYS = ['a_admin', 'a_agent', 'a_cust1', 'a_cust2', 'a_cust3'];

// Filled by before(): chatActive, chatQueued, chatClosed, noteId, faqId...
// GHOST has the same shape with ids that exist in no org.
let GHOST;
let aiUp = false;
const sock = {};	// key -> socket (A: a_admin, a_agent, a_cust1..3; B: admin, agent, customer)
const tok = {};

// Every string org B sends, to tell an echo of its own request from a leak.
let sentByB = '';

// ---- helpers ----

function record(s) {
	s.events = [];
	s.onAny((ev, arg) => s.events.push({ ev, arg }));
	return s;
}

const emit = (s, ev, arg, ms = 8000) => s.timeout(ms).emitWithAck(ev, arg);

async function api(token, method, p, body, headers = {}) {
	const h = { authorization: `Bearer ${token}`, ...headers };
	if (body !== undefined) h['content-type'] = 'application/json';
	let res, text;
	try {
		res = await fetch(stack.url + p, { method, headers: h, body: body !== undefined ? JSON.stringify(body) : undefined });
		text = await res.text();
	} catch (e) {
		throw new Error(`${method} ${p} ${JSON.stringify(headers)}: ${e.message} (${e.cause?.code ?? ''} ${e.cause?.message ?? ''})`);
	}
	let json;
	try { json = JSON.parse(text); } catch { json = text; }
	return { status: res.status, body: json, text };
}

/* The same on a connection of its own (node:http, no keep-alive pool). */
function apiFresh(token, method, p, body, headers = {}) {
	const h = { authorization: `Bearer ${token}`, ...headers };
	const data = body !== undefined ? JSON.stringify(body) : undefined;
	if (data !== undefined) Object.assign(h, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
	return new Promise((resolve, reject) => {
		const req = http.request(stack.url + p, { method, headers: h, agent: false }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { text += d; });
			res.on('end', () => {
				let json;
				try { json = JSON.parse(text); } catch { json = text; }
				resolve({ status: res.statusCode, body: json, text, headers: res.headers });
			});
		});
		req.on('error', (e) => reject(new Error(`${method} ${p}: ${e.message}`)));
		req.end(data);
	});
}

/*
 * Two requests written on one TCP connection, the second once the first
 * is answered; resolves with what came back and whether the server
 * closed the connection.
 */
function twoOnOneConnection(first, second, ms = 3000) {
	return new Promise((resolve) => {
		const c = net.connect(stack.port, '127.0.0.1');
		let got = '';
		let sent = false;
		const done = (closed) => { clearTimeout(timer); c.destroy(); resolve({ got, closed }); };
		const timer = setTimeout(() => done(false), ms);
		c.on('connect', () => c.write(first));
		c.on('data', (d) => {
			got += d.toString('latin1');
			if (!sent && /\r\n\r\n[^]*\}$/.test(got)) {
				sent = true;
				setTimeout(() => c.write(second), 50);
			}
			if (sent && (got.match(/^HTTP\/1\.1 /gm) || []).length >= 2 && got.endsWith('}')) done(false);
		});
		c.on('close', () => done(true));
		c.on('error', () => done(true));
	});
}

function ok(ack, what) {
	assert.equal(ack && ack.ok, true, `${what}: ${JSON.stringify(ack)}`);
	return ack;
}

function okRest(r, what) {
	assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text}`);
	return r.body;
}

async function connect(key, who, org, context) {
	tok[key] = await stack.token({ org, role: who.role, email: who.email, name: who.name });
	const s = record(stack.socket({ auth: { token: tok[key], orgId: org, ...(context ? { context } : {}) } }));
	await whenConnected(s);
	s.token = tok[key];
	s.who = who;
	sock[key] = s;
	if (who.role !== 'customer')
		await waitUntil(async () => {
			const { body } = await api(tok[key], 'GET', '/chat/queue/agents');
			return body.agents && body.agents.some((a) => a.email === who.email);
		}, 5000, `${who.email} online in queue-svc`);
	return s;
}

/** The secrets of org A: every id, email and the content marker. */
function secretsA() {
	const s = [MARK_A, A.admin.email, A.agent.email, A.cust1.email, A.cust2.email, A.cust3.email,
	    A.chatActive, A.chatQueued, A.chatClosed, A.roomId, A.tag, A.cfgId, A.skill, A.searchWord];
	if (A.faqId) s.push(A.faqId);
	return s.filter(Boolean);
}

/** The secrets of A in `text` that org B did not itself send in `request`. */
function leaksIn(text, request) {
	return secretsA().filter((x) => text.includes(x) && !request.includes(x));
}

const REFUSAL_CODES = new Set(['NOT_FOUND', 'FORBIDDEN', 'NOT_MEMBER']);

// ---- the tables ----
//
// REST: route is "METHOD pattern" with {} for a path parameter, as in
// the C route tables; path(X) and body(X) build the request from org A's
// ids (X = A) or from ids that exist nowhere (X = GHOST).  expect:
//   refuse  every B role gets 404 or 403, the same status and code as
//           for the ghost ids;
//   scoped  an org-wide read or a write into B's own namespace: 2xx
//           about org B only (check(res, role) may say more), or 403/404;
// creates: the request may create B's own object under A's name, so it
// runs after every refusal (which would otherwise find B's object).

const CHATS = ['chatActive', 'chatQueued', 'chatClosed'];
const enc = encodeURIComponent;
const conv = (X, k) => `/chat/conversations/${X[k]}`;

const REST = [
	// presence-svc
	{ route: 'GET /chat/agents/online', path: () => '/chat/agents/online', expect: 'scoped',
	    check: (r) => assert.ok(r.body.agents.every((a) => a.email.endsWith('@tenant-b.example'))) },
	{ route: 'GET /chat/agents/online', path: (X) => `/chat/agents/online?skill=${X.skill}`, expect: 'scoped',
	    check: (r) => assert.deepEqual(r.body.agents, []) },
	{ route: 'GET /chat/agents/{}/presence', path: (X) => `/chat/agents/${enc(X.agent.email)}/presence`, expect: 'refuse' },
	{ route: 'GET /chat/agents/{}/presence', path: (X) => `/chat/agents/${enc(X.admin.email)}/presence`, expect: 'refuse' },
	{ route: 'POST /chat/agents/{}/status', path: (X) => `/chat/agents/${enc(X.agent.email)}/status`, body: () => ({ status: 'away' }), expect: 'refuse' },
	{ route: 'GET /chat/customers/online', path: () => '/chat/customers/online', expect: 'scoped',
	    check: (r) => assert.ok(r.body.customers.every((c) => c.email.endsWith('@tenant-b.example'))) },
	{ route: 'GET /chat/customers/{}/journey', path: (X) => `/chat/customers/${enc(X.cust1.email)}/journey`, expect: 'refuse' },
	{ route: 'GET /chat/presence/stats', path: () => '/chat/presence/stats', expect: 'scoped',
	    check: (r) => {
		assert.equal(r.body.agents.online, 2, 'org B has 2 staff online');
		assert.equal(r.body.customers.online, 1, 'org B has 1 customer online');
		assert.equal(r.body.sockets, 3, 'org B has 3 sockets');
	    } },
	{ route: 'GET /chat/sessions', path: () => '/chat/sessions', expect: 'scoped',
	    check: (r) => assert.equal(r.body.sessions.length, 3, 'org B has 3 sockets') },
	{ route: 'GET /chat/rooms/{}', path: (X) => `/chat/rooms/${X.roomId}`, expect: 'refuse' },
	{ route: 'GET /chat/rooms/{}/members', path: (X) => `/chat/rooms/${X.roomId}/members`, expect: 'refuse' },
	{ route: 'GET /chat/rooms/{}/history', path: (X) => `/chat/rooms/${X.roomId}/history`, expect: 'refuse' },
	{ route: 'POST /chat/rooms/{}/presence', path: (X) => `/chat/rooms/${X.roomId}/presence`, body: () => ({ presence: { typing: true } }), expect: 'refuse' },
	{ route: 'POST /chat/rooms/{}/leave', path: (X) => `/chat/rooms/${X.roomId}/leave`, body: () => ({}), expect: 'refuse' },
	{ route: 'POST /chat/rooms/{}/destroy', path: (X) => `/chat/rooms/${X.roomId}/destroy`, body: () => ({ deleteHistory: true, deleteSnapshots: true }), expect: 'refuse' },
	{ route: 'POST /chat/rooms/{}/join', path: (X) => `/chat/rooms/${X.roomId}/join`, body: () => ({ metadata: { via: 'rest' } }), expect: 'scoped', creates: true,
	    check: (r, role) => assert.equal(r.body.members, ROLES_B.indexOf(role) + 1, 'a room of org B of that name, with B\'s members only') },
	{ route: 'POST /chat/rooms/{}/metadata', path: (X) => `/chat/rooms/${X.roomId}/metadata`, body: () => ({ metadata: { status: 'hijacked' } }), expect: 'scoped', creates: true,
	    check: (r) => assert.deepEqual(r.body.metadata, { status: 'hijacked' }, 'only what B set') },

	// queue-svc
	{ route: 'GET /chat/conversations', path: () => '/chat/conversations', expect: 'scoped',
	    check: (r) => assert.ok(r.body.conversations.every((c) => c.chatId === B.chat)) },
	{ route: 'GET /chat/conversations', path: (X) => `/chat/conversations?customer=${enc(X.cust1.email)}`, expect: 'scoped',
	    check: (r) => assert.deepEqual(r.body.conversations, []) },
	{ route: 'GET /chat/conversations', path: (X) => `/chat/conversations?agent=${enc(X.agent.email)}&status=active`, expect: 'scoped',
	    check: (r) => assert.deepEqual(r.body.conversations, [], 'agent= names the conversations that agent was in (for a customer too)') },
	{ route: 'GET /chat/conversations', path: () => '/chat/conversations?status=queued', expect: 'scoped',
	    check: (r) => assert.deepEqual(r.body.conversations, []) },
	...CHATS.flatMap((k) => [
		{ route: 'GET /chat/conversations/{}', path: (X) => conv(X, k), expect: 'refuse' },
		{ route: 'PATCH /chat/conversations/{}', path: (X) => conv(X, k), body: () => ({ priority: 9 }), expect: 'refuse' },
		{ route: 'POST /chat/conversations/{}/close', path: (X) => `${conv(X, k)}/close`, body: () => ({ reason: 'hijacked' }), expect: 'refuse' },
		{ route: 'POST /chat/conversations/{}/transfer', path: (X) => `${conv(X, k)}/transfer`, body: () => ({ skill: 'default' }), expect: 'refuse' },
		{ route: 'POST /chat/conversations/{}/transfer', path: (X) => `${conv(X, k)}/transfer`, body: () => ({ toAgent: B.agent.email }), expect: 'refuse' },
		{ route: 'POST /chat/conversations/{}/takeover', path: (X) => `${conv(X, k)}/takeover`, body: () => ({}), expect: 'refuse' },
		{ route: 'GET /chat/conversations/{}/messages', path: (X) => `${conv(X, k)}/messages`, expect: 'refuse' },
		{ route: 'POST /chat/conversations/{}/messages', path: (X) => `${conv(X, k)}/messages`, body: () => ({ text: 'injected', clientMsgId: `inj-${k}` }), expect: 'refuse' },
		{ route: 'PATCH /chat/conversations/{}/messages/{}', path: (X) => `${conv(X, k)}/messages/1`, body: () => ({ text: 'rewritten' }), expect: 'refuse' },
		{ route: 'DELETE /chat/conversations/{}/messages/{}', path: (X) => `${conv(X, k)}/messages/1`, expect: 'refuse' },
		...['json', 'text', 'csv'].map((f) =>
			({ route: 'GET /chat/conversations/{}/transcript', path: (X) => `${conv(X, k)}/transcript?format=${f}`, expect: 'refuse' })),
		{ route: 'GET /chat/conversations/{}/context', path: (X) => `${conv(X, k)}/context`, expect: 'refuse' },
		{ route: 'GET /chat/conversations/{}/labels', path: (X) => `${conv(X, k)}/labels`, expect: 'refuse' },
		{ route: 'PUT /chat/conversations/{}/labels', path: (X) => `${conv(X, k)}/labels`, body: () => ({ label: 'bad' }), expect: 'refuse' },
		{ route: 'GET /chat/conversations/{}/tags', path: (X) => `${conv(X, k)}/tags`, expect: 'refuse' },
		{ route: 'POST /chat/conversations/{}/tags', path: (X) => `${conv(X, k)}/tags`, body: () => ({ tag: 'hijacked' }), expect: 'refuse' },
		{ route: 'DELETE /chat/conversations/{}/tags/{}', path: (X) => `${conv(X, k)}/tags/${X.tag}`, expect: 'refuse' },
		{ route: 'GET /chat/conversations/{}/notes', path: (X) => `${conv(X, k)}/notes`, expect: 'refuse' },
		{ route: 'POST /chat/conversations/{}/notes', path: (X) => `${conv(X, k)}/notes`, body: () => ({ text: 'hijacked' }), expect: 'refuse' },
		{ route: 'DELETE /chat/conversations/{}/notes/{}', path: (X) => `${conv(X, k)}/notes/${X.noteId}`, expect: 'refuse' },
		{ route: 'POST /chat/conversations/{}/rating', path: (X) => `${conv(X, k)}/rating`, body: () => ({ rating: 1, feedback: 'hijacked' }), expect: 'refuse' },
	]),
	{ route: 'GET /chat/ice-servers', path: () => '/chat/ice-servers', expect: 'scoped',
	    check: (r) => assert.ok(r.status !== 200 || Array.isArray(r.body.iceServers)) },
	{ route: 'GET /chat/business-hours', path: () => '/chat/business-hours', expect: 'scoped',
	    check: (r) => assert.ok(!JSON.stringify(r.body).includes(MARK_A), `org B's hours only: ${JSON.stringify(r.body)}`) },
	{ route: 'GET /chat/teams', path: () => '/chat/teams', expect: 'scoped',
	    check: (r) => assert.ok(!JSON.stringify(r.body).includes(MARK_A), `org B's teams only: ${JSON.stringify(r.body)}`) },
	{ route: 'GET /chat/teams/tree', path: () => '/chat/teams/tree', expect: 'scoped',
	    check: (r) => assert.ok(!JSON.stringify(r.body).includes(MARK_A), `org B's teams only: ${JSON.stringify(r.body)}`) },
	{ route: 'PUT /chat/teams/{}', path: (X) => `/chat/teams/${X.teamId}`, body: () => ({ name: `B team ${MARK_B}` }), expect: 'scoped', creates: true,
	    check: (r) => assert.ok(!JSON.stringify(r.body).includes(MARK_A)) },
	{ route: 'DELETE /chat/teams/{}', path: (X) => `/chat/teams/${X.teamId}-gone`, expect: 'refuse' },
	{ route: 'GET /chat/canned', path: () => '/chat/canned', expect: 'scoped',
	    check: (r) => assert.ok(r.status !== 200 || r.body.canned.every((c) => !c.title.includes(MARK_A)), `org B's canned responses only: ${JSON.stringify(r.body)}`) },
	{ route: 'POST /chat/canned', path: () => '/chat/canned', body: () => ({ title: `B canned ${MARK_B}`, text: 'B' }), expect: 'scoped', creates: true },
	{ route: 'GET /chat/canned/{}', path: (X) => `/chat/canned/${X.cannedId}`, expect: 'refuse' },
	{ route: 'PUT /chat/canned/{}', path: (X) => `/chat/canned/${X.cannedId}`, body: () => ({ title: 'hijacked', text: 'hijacked' }), expect: 'refuse' },
	{ route: 'DELETE /chat/canned/{}', path: (X) => `/chat/canned/${X.cannedId}`, expect: 'refuse' },
	{ route: 'GET /chat/webhooks', path: () => '/chat/webhooks', expect: 'scoped',
	    check: (r) => assert.ok(r.status !== 200 || r.body.webhooks.every((h) => !h.url.includes(MARK_A) && !('secret' in h)), `org B's webhooks only: ${JSON.stringify(r.body)}`) },
	{ route: 'POST /chat/webhooks', path: () => '/chat/webhooks', body: () => ({ url: `http://127.0.0.1:9/${MARK_B}`, events: ['chat.rated'] }), expect: 'scoped', creates: true },
	{ route: 'GET /chat/webhooks/{}/deliveries', path: (X) => `/chat/webhooks/${X.webhookId}/deliveries`, expect: 'refuse' },
	{ route: 'DELETE /chat/webhooks/{}', path: (X) => `/chat/webhooks/${X.webhookId}`, expect: 'refuse' },
	{ route: 'GET /chat/labels', path: () => '/chat/labels?limit=200', expect: 'scoped',
	    check: (r) => assert.ok(r.status !== 200 || r.body.labels.every((l) => l.chatId === B.chat), `org B's labels only: ${JSON.stringify(r.body)}`) },
	{ route: 'GET /chat/search', path: (X) => `/chat/search?q=${X.searchWord}`, expect: 'scoped',
	    check: (r) => assert.deepEqual(r.body.results, []) },
	{ route: 'GET /chat/queue', path: () => '/chat/queue', expect: 'scoped',
	    check: (r) => assert.deepEqual(r.body.queue, []) },
	{ route: 'GET /chat/queue/stats', path: () => '/chat/queue/stats', expect: 'scoped',
	    check: (r) => {
		assert.equal(r.body.waiting, 0, 'org B has nothing waiting');
		assert.equal(r.body.active, 1, 'org B has one active conversation');
		assert.equal(r.body.resolvedToday, 0, 'org B closed nothing');
	    } },
	{ route: 'GET /chat/queue/agents', path: () => '/chat/queue/agents', expect: 'scoped',
	    check: (r) => assert.deepEqual(r.body.agents.map((a) => a.email).sort(), [B.admin.email, B.agent.email].sort()) },
	{ route: 'GET /chat/queue/settings', path: () => '/chat/queue/settings', expect: 'scoped' },
	{ route: 'PUT /chat/queue/agents/{}', path: (X) => `/chat/queue/agents/${enc(X.agent.email)}`, body: () => ({ maxChats: 1, skills: ['hijacked'] }), expect: 'scoped', creates: true,
	    check: (r) => assert.equal(r.body.agent.online, false, 'A\'s agent is not online in org B') },
	{ route: 'PUT /chat/queue/settings', path: () => '/chat/queue/settings', body: () => ({ autoAssign: true }), expect: 'scoped', creates: true },

	// confab-ai
	{ route: 'GET /chat/config', path: () => '/chat/config', expect: 'scoped', ai: true },
	{ route: 'GET /chat/config/{}', path: (X) => `/chat/config/${X.cfgId}`, expect: 'refuse', ai: true },
	{ route: 'DELETE /chat/config/{}', path: (X) => `/chat/config/${X.cfgId}`, expect: 'refuse', ai: true },
	{ route: 'PUT /chat/config/{}', path: (X) => `/chat/config/${X.cfgId}`, body: () => ({ greeting: `hello from ${MARK_B}` }), expect: 'scoped', creates: true, ai: true },
	{ route: 'GET /chat/faq', path: () => '/chat/faq', expect: 'scoped', ai: true },
	{ route: 'GET /chat/faq/categories', path: () => '/chat/faq/categories', expect: 'scoped', ai: true },
	{ route: 'GET /chat/faq/search', path: (X) => `/chat/faq/search?q=${X.searchWord}`, expect: 'scoped', ai: true },
	{ route: 'GET /chat/faq/{}', path: (X) => `/chat/faq/${X.faqId}`, expect: 'refuse', ai: true },
	{ route: 'PUT /chat/faq/{}', path: (X) => `/chat/faq/${X.faqId}`, body: () => ({ answer: 'hijacked' }), expect: 'refuse', ai: true },
	{ route: 'PATCH /chat/faq/{}', path: (X) => `/chat/faq/${X.faqId}`, body: () => ({ enabled: false }), expect: 'refuse', ai: true },
	{ route: 'DELETE /chat/faq/{}', path: (X) => `/chat/faq/${X.faqId}`, expect: 'refuse', ai: true },
	{ route: 'POST /chat/faq/reorder', path: () => '/chat/faq/reorder', body: (X) => ({ ids: [X.faqId] }), expect: 'refuse', statuses: [400, 403], ai: true },
	{ route: 'POST /chat/faq', path: () => '/chat/faq', body: () => ({ question: `B question ${MARK_B}`, answer: `B answer ${MARK_B}` }), expect: 'scoped', creates: true, ai: true },
	{ route: 'POST /chat/faq/import', path: () => '/chat/faq/import', body: (X) => ({ replace: true, entries: [{ id: X.faqId, question: 'B imported', answer: 'B imported' }] }), expect: 'scoped', creates: true, ai: true },
	{ route: 'GET /chat/ai/settings', path: () => '/chat/ai/settings', expect: 'scoped', ai: true },
	{ route: 'GET /chat/ai/summaries/{}', path: (X) => `/chat/ai/summaries/${X.chatActive}`, expect: 'scoped', ai: true,
	    check: (r) => assert.ok(r.status !== 200 || r.body.summary === null, `no summary of org A's: ${JSON.stringify(r.body)}`) },
	{ route: 'GET /chat/ai/agents/{}', path: (X) => `/chat/ai/agents/${enc(X.agent.email)}`, expect: 'scoped', ai: true },
	{ route: 'PUT /chat/ai/settings', path: () => '/chat/ai/settings', body: () => ({ mode: 'manual', character: { name: `B bot ${MARK_B}` } }), expect: 'scoped', creates: true, ai: true },
	{ route: 'PUT /chat/ai/agents/{}', path: (X) => `/chat/ai/agents/${enc(X.agent.email)}`, body: () => ({ aiEnabled: false, character: { name: 'hijacked' } }), expect: 'scoped', creates: true, ai: true },
];

// Socket events: data(X) from org A's ids or the ghost's; expect as above
// ("refuse": an error ack with a refusal code, as for the ghost ids).
const EVENTS = [
	...CHATS.flatMap((k) => [
		{ event: 'chat-message', data: (X) => ({ chatId: X[k], text: 'injected', clientMsgId: `inj-ev-${k}` }), expect: 'refuse' },
		{ event: 'transfer-chat', data: (X) => ({ chatId: X[k], skill: 'default' }), expect: 'refuse' },
		{ event: 'transfer-chat', data: (X) => ({ chatId: X[k], toAgent: B.agent.email }), expect: 'refuse' },
		{ event: 'takeover-chat', data: (X) => ({ chatId: X[k] }), expect: 'refuse' },
		{ event: 'resume-ai', data: (X) => ({ chatId: X[k] }), expect: 'refuse' },
		{ event: 'close-chat', data: (X) => ({ chatId: X[k], reason: 'hijacked' }), expect: 'refuse' },
		{ event: 'typing', data: (X) => ({ chatId: X[k], typing: true }), expect: 'refuse' },
		{ event: 'edit-message', data: (X) => ({ chatId: X[k], seq: 1, text: 'rewritten' }), expect: 'refuse' },
		{ event: 'delete-message', data: (X) => ({ chatId: X[k], seq: 1 }), expect: 'refuse' },
		{ event: 'rate-chat', data: (X) => ({ chatId: X[k], rating: 1, feedback: 'hijacked' }), expect: 'refuse' },
		{ event: 'tag-chat', data: (X) => ({ chatId: X[k], op: 'add', tag: 'hijacked' }), expect: 'refuse' },
		{ event: 'label-chat', data: (X) => ({ chatId: X[k], label: 'bad' }), expect: 'refuse' },
		{ event: 'webrtc-signal', data: (X) => ({ chatId: X[k], type: 'offer', data: { sdp: 'v=0' } }), expect: 'refuse' },
		{ event: 'escalate-chat', data: (X) => ({ chatId: X[k] }), expect: 'refuse' },
		{ event: 'send-ai-message', data: (X) => ({ chatId: X[k], prompt: 'summarise' }), expect: 'refuse', ai: true },
	]),
	// Org B's own conversation handed to org A's agent: that agent is not online in org B.
	{ event: 'transfer-chat', data: (X) => ({ chatId: B.chat, toAgent: X.agent.email }), roles: ['admin'], expect: 'refuse',
	    codes: ['AGENT_UNAVAILABLE'] },
	{ event: 'set-status', data: (X) => ({ status: 'away', email: X.agent.email }), roles: ['admin'], expect: 'refuse' },
	{ event: 'room-presence', data: (X) => ({ roomId: X.roomId, presence: { typing: true } }), expect: 'refuse' },
	{ event: 'room-leave', data: (X) => ({ roomId: X.roomId }), expect: 'refuse' },
	{ event: 'room-members', data: (X) => ({ roomId: X.roomId }), expect: 'refuse' },
	{ event: 'room-destroy', data: (X) => ({ roomId: X.roomId, deleteHistory: true }), expect: 'refuse' },
	{ event: 'room-join', data: (X) => ({ roomId: X.roomId }), roles: ['customer'], expect: 'refuse' },
	{ event: 'room-metadata', data: (X) => ({ roomId: X.roomId, metadata: { status: 'x' } }), roles: ['customer'], expect: 'refuse' },
	{ event: 'pick-next', data: () => ({}), roles: ['admin', 'agent'], expect: 'scoped',
	    check: (a) => assert.equal(a.chat, null, 'org A\'s queued conversation is not org B\'s') },
	{ event: 'pick-next', data: (X) => ({ skills: ['default', X.skill] }), roles: ['admin', 'agent'], expect: 'scoped',
	    check: (a) => assert.equal(a.chat, null) },
	{ event: 'heartbeat', data: () => ({}), roles: ['customer'], expect: 'scoped' },
	{ event: 'support-persons', data: () => ({}), expect: 'scoped',
	    check: (a) => assert.ok(!a.ok || a.agents.every((x) => x.email.endsWith('@tenant-b.example')), `org B's agents only: ${JSON.stringify(a)}`) },
	{ event: 'set-preferred-agent', data: (X) => ({ email: X.agent.email }), roles: ['customer'], expect: 'refuse',
	    codes: ['AGENT_UNAVAILABLE'] },
	{ event: 'page-view', data: () => ({ url: 'https://b-shop.example/' }), roles: ['customer'], expect: 'scoped' },
	{ event: 'visitor-state', data: () => ({ state: 'online' }), roles: ['customer'], expect: 'scoped' },
	{ event: 'watch-chat', data: (X) => ({ chatId: X.chatActive, customer: X.cust1.email, watching: true }), roles: ['admin', 'agent'], expect: 'scoped',
	    check: (a, role) => assert.ok(!a.ok || a.watchers === ['admin', 'agent'].indexOf(role) + 1, `org A's watcher is not counted: ${JSON.stringify(a)}`) },
	{ event: 'room-join', data: (X) => ({ roomId: X.roomId, metadata: { via: 'socket' } }), roles: ['agent'], expect: 'scoped', creates: true,
	    check: (a) => assert.ok(!a.ok || a.members === ROLES_B.length, `org B's members only (all of them joined over REST): ${JSON.stringify(a)}`) },
	{ event: 'room-metadata', data: (X) => ({ roomId: X.roomId, metadata: { ticketId: 'B-1' } }), roles: ['agent'], expect: 'scoped', creates: true,
	    check: (a) => a.ok && assert.deepEqual(a.metadata, { status: 'hijacked', ticketId: 'B-1' }, 'only what org B set') },
	{ event: 'room-members', data: (X) => ({ roomId: X.roomId }), roles: ['agent'], expect: 'scoped', creates: true,
	    check: (a) => assert.ok(!a.ok || a.members.every((m) => m.email.endsWith('@tenant-b.example'))) },
];

// ---- the C route tables, for coverage ----

function cRestRoutes() {
	const out = [];
	for (const dir of ['presence-svc', 'queue-svc', 'ai-bridge']) {
		for (const f of fs.readdirSync(path.join(ROOT, dir)).filter((n) => n.endsWith('.c'))) {
			const src = fs.readFileSync(path.join(ROOT, dir, f), 'utf8');
			const defs = {};
			for (const m of src.matchAll(/#define\s+(\w+)\s+"([^"]*)"/g)) defs[m[1]] = m[2];
			for (const t of src.matchAll(/cm_rest_route\s+\w+\s*\[\s*\]\s*=\s*\{([\s\S]*?)\n\};/g)) {
				for (const e of t[1].matchAll(/\{\s*"([A-Z]+)",\s*((?:"[^"]*"|[A-Z_]\w*)(?:\s+(?:"[^"]*"|[A-Z_]\w*))*)\s*,/g)) {
					const pattern = [...e[2].matchAll(/"([^"]*)"|(\w+)/g)].map((p) => p[1] ?? defs[p[2]] ?? `?${p[2]}`).join('');
					out.push(`${e[1]} ${pattern}`);
				}
			}
		}
	}
	return [...new Set(out)];
}

function cEvents() {
	const src = fs.readFileSync(path.join(ROOT, 'gateway/session.c'), 'utf8');
	const t = /event_routes\[\]\s*=\s*\{([\s\S]*?)\n\};/.exec(src);
	return [...t[1].matchAll(/\{\s*"([^"]+)",\s*GW_SVC_\w+\s*\}/g)].map((m) => m[1]);
}

function cPrefixes() {
	const src = fs.readFileSync(path.join(ROOT, 'gateway/rest.c'), 'utf8');
	const t = /rest_routes\[\]\s*=\s*\{([\s\S]*?)\n\};/.exec(src);
	return [...t[1].matchAll(/\{\s*"([^"]+)",\s*GW_SVC_\w+\s*\}/g)].map((m) => m[1]);
}

// ---- org A's state, and its snapshot ----

before(async () => {
	stack = await Stack.start({ name: 'tenant', config: {
		rate_limit_chat_per_minute: 0, rate_limit_events_per_minute: 0,
	} });
	await connect('a_admin', A.admin, 'demo');
	await connect('a_agent', A.agent, 'demo', { skills: [A.skill], location: `Lab ${MARK_A}` });
	for (const k of ['cust1', 'cust2', 'cust3'])
		await connect(`a_${k}`, A[k], 'demo', { url: A.url });
	const admin = tok.a_admin;
	const agent = sock.a_agent;

	const allDay = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]));
	okRest(await api(admin, 'PUT', '/chat/queue/settings', { autoAssign: false, labelingEnabled: true,
	    businessHours: { timezone: 'UTC', days: allDay, outsideHours: 'message', message: `A is closed ${MARK_A}` } }), 'A settings');
	A.cannedId = okRest(await api(admin, 'POST', '/chat/canned', { title: `A canned ${MARK_A}`, text: `A reply ${MARK_A}` }), 'A canned').canned.id;
	A.teamId = 'a-team';
	okRest(await api(admin, 'PUT', `/chat/teams/${A.teamId}`, { name: `A team ${MARK_A}`, members: [A.agent.email] }), 'A team');
	okRest(await api(admin, 'PUT', `/chat/teams/${A.teamId}-gone`, { name: `A team 2 ${MARK_A}` }), 'A team 2');
	okRest(await api(admin, 'PUT', `/chat/queue/agents/${enc(A.agent.email)}`, { maxChats: 7, skills: [A.skill] }), 'A agent limit');
	ok(await emit(agent, 'set-status', { status: 'busy' }), 'A status');
	ok(await emit(sock.a_cust1, 'page-view', { url: A.url, title: `Checkout ${MARK_A}`, referrer: 'https://search.example/' }), 'A page-view');

	// The active conversation: messages both ways, a tag, a note, a watch.
	A.chatActive = ok(await emit(sock.a_cust1, 'chat-message', { text: A.texts[0], clientMsgId: 'a1-1' }), 'A open').message.chatId;
	assert.equal(ok(await emit(agent, 'pick-next', {}), 'A pick').chat.chatId, A.chatActive);
	ok(await emit(agent, 'label-chat', { chatId: A.chatActive, label: 'good' }), 'A label');
	ok(await emit(agent, 'chat-message', { chatId: A.chatActive, text: A.texts[1], clientMsgId: 'aa-1' }), 'A agent says');
	ok(await emit(sock.a_cust1, 'chat-message', { text: A.texts[2], clientMsgId: 'a1-2' }), 'A reply');
	okRest(await api(admin, 'POST', `${conv(A, 'chatActive')}/tags`, { tag: A.tag }), 'A tag');
	A.noteId = okRest(await api(admin, 'POST', `${conv(A, 'chatActive')}/notes`, { text: `note ${MARK_A}` }), 'A note').note.id;
	ok(await emit(agent, 'watch-chat', { chatId: A.chatActive, customer: A.cust1.email, watching: true }), 'A watch');

	// A closed, rated conversation.
	A.chatClosed = ok(await emit(sock.a_cust3, 'chat-message', { text: `closing ${MARK_A}`, clientMsgId: 'a3-1' }), 'A open 3').message.chatId;
	assert.equal(ok(await emit(agent, 'pick-next', {}), 'A pick 3').chat.chatId, A.chatClosed);
	ok(await emit(agent, 'close-chat', { chatId: A.chatClosed, reason: 'resolved' }), 'A close');
	ok(await emit(sock.a_cust3, 'rate-chat', { chatId: A.chatClosed, rating: 5, feedback: `lovely ${MARK_A}` }), 'A rating');

	// A queued one (auto-assignment is off).
	A.chatQueued = ok(await emit(sock.a_cust2, 'chat-message', { text: `waiting ${MARK_A}`, clientMsgId: 'a2-1', skill: A.skill }), 'A open 2').message.chatId;

	// A room with two members and metadata.
	ok(await emit(agent, 'room-join', { roomId: A.roomId, metadata: { who: `agent ${MARK_A}` } }), 'A room join');
	ok(await emit(agent, 'room-metadata', { roomId: A.roomId, metadata: { ticketId: `T-${MARK_A}`, status: 'open' } }), 'A room metadata');
	ok(await emit(sock.a_cust1, 'room-join', { roomId: A.roomId, metadata: { who: `customer ${MARK_A}` } }), 'A room join 2');

	// The assistant's side, if confab-ai answers.
	const cfg = await api(admin, 'PUT', `/chat/config/${A.cfgId}`, { greeting: `Welcome ${MARK_A}` });
	aiUp = cfg.status >= 200 && cfg.status < 300;
	if (aiUp) {
		A.faqId = okRest(await api(admin, 'POST', '/chat/faq', { question: `Where is my ${MARK_A} zebrafish?`, answer: `In the ${MARK_A} tank`, category: `cat-${MARK_A}` }), 'A faq').id;
		okRest(await api(admin, 'PUT', '/chat/ai/settings', { mode: 'agent-wise', allowPerAgentMode: true, character: { name: `Bot ${MARK_A}` } }), 'A ai settings');
		okRest(await api(admin, 'PUT', `/chat/ai/agents/${enc(A.agent.email)}`, { aiEnabled: true, character: { name: `Andy bot ${MARK_A}` } }), 'A ai agent');
	} else {
		console.log(`# confab-ai did not store a config (${cfg.status} ${cfg.text}): AI endpoints are walked for refusals only`);
	}

	GHOST = {
		...A,
		admin: { ...A.admin, email: `ghost-${rnd()}@tenant-a.example` },
		agent: { ...A.agent, email: `ghost-${rnd()}@tenant-a.example` },
		cust1: { ...A.cust1, email: `ghost-${rnd()}@tenant-a.example` },
		chatActive: rnd(20), chatQueued: rnd(20), chatClosed: rnd(20),
		noteId: typeof A.noteId === 'number' ? A.noteId + 100000 : `${String(A.noteId).replace(/./g, 'x')}`, roomId: `groom-${rnd(8)}`, tag: `gtag-${rnd(6)}`,
		cfgId: `gcfg-${rnd(6)}`, faqId: `g${rnd(11)}`, webhookId: `w${rnd(12)}`, skill: `gskill${rnd(4)}`, searchWord: 'nosuchwordanywhere',
	};

	// A webhook, last, for an event nothing sends after this (its keys stay put).
	A.webhookId = okRest(await api(admin, 'POST', '/chat/webhooks', { url: `http://127.0.0.1:9/${MARK_A}`, events: ['chat.rated'], secret: `s-${MARK_A}` }), 'A webhook').webhook.id;
	A.snapshot = await snapshotA();
	await sleep(500);	// org A's own last events (stats-update is throttled)
	A.marks = Object.fromEntries(A_KEYS.map((k) => [k, sock[k].events.length]));

	// Org B: an admin, an agent, a customer with a conversation of its own.
	await connect('admin', B.admin, 'other');
	await connect('agent', B.agent, 'other');
	await connect('customer', B.customer, 'other');
	B.chat = ok(await emit(sock.customer, 'chat-message', { text: `hello ${MARK_B}`, clientMsgId: 'b-1' }), 'B open').message.chatId;
	assert.equal(ok(await emit(sock.agent, 'pick-next', {}), 'B pick').chat.chatId, B.chat);
	// Visitors of org B may choose agents: of org B only.
	okRest(await api(tok.admin, 'PUT', '/chat/queue/settings', { visitorAgentSelection: true }), 'B settings');
});

after(async () => {
	for (const s of stack?.sockets ?? []) s.close();
	await sleep(500);
	await stack?.stop();
});

// Fields that move by themselves (clocks, TTLs, counters of time).
const VOLATILE = new Set(['lastActivity', 'lastSeen', 'expiresAt', 'waiting', 'timestamp', 'ts', 'etaSeconds',
	'expiresInMs', 'avgHandleTimeSeconds']);

function stable(v) {
	if (Array.isArray(v)) return v.map(stable);
	if (v && typeof v === 'object')
		return Object.fromEntries(Object.entries(v).filter(([k]) => !VOLATILE.has(k)).map(([k, x]) => [k, stable(x)]));
	return v;
}

async function snapshotA() {
	const admin = tok.a_admin;
	const paths = [
		'/chat/conversations?limit=100', '/chat/queue', '/chat/queue/settings', '/chat/queue/agents',
		`/chat/agents/${enc(A.agent.email)}/presence`, `/chat/customers/${enc(A.cust1.email)}/journey`,
		`/chat/rooms/${A.roomId}`, `/chat/rooms/${A.roomId}/members`, `/chat/rooms/${A.roomId}/history`,
		...CHATS.flatMap((k) => ['', '/messages?limit=200', '/tags', '/notes', '/transcript?format=json'].map((s) => conv(A, k) + s)),
	];
	if (aiUp)
		paths.push('/chat/config', `/chat/config/${A.cfgId}`, '/chat/faq', `/chat/faq/${A.faqId}`, '/chat/ai/settings',
		    `/chat/ai/agents/${enc(A.agent.email)}`);
	const snap = {};
	for (const p of paths) {
		const r = await api(admin, 'GET', p);
		assert.equal(r.status, 200, `A's own ${p}: ${r.status} ${r.text}`);
		snap[p] = stable(r.body);
	}
	// Org A's keys in Redis, but for those that live and die with sockets and clocks.
	const keys = (await stack.redis('--scan', '--pattern', `${stack.prefix}*{demo}*`)).trim().split('\n').filter(Boolean)
		.map((k) => k.slice(stack.prefix.length))
		.filter((k) => !/^chat-(socket|closed|dirty|timers|typing|room-due|worker)[:]/.test(k));
	snap.redisKeys = keys.sort();
	return snap;
}

// ---- the walks ----

async function callRest(e, role, X, headers = {}, fresh = false) {
	const p = e.path(X);
	const body = e.body ? e.body(X) : undefined;
	const request = `${e.route.split(' ')[0]} ${p} ${decodeURIComponent(p)} ${body !== undefined ? JSON.stringify(body) : ''}`;
	if (X === A) sentByB += `\n${request}`;
	const r = await (fresh ? apiFresh : api)(tok[role], e.route.split(' ')[0], p, body, headers);
	return { r, request, what: `${role} of org B: ${e.route.split(' ')[0]} ${p} ${body !== undefined ? JSON.stringify(body) : ''} -> ${r.status} ${r.text.slice(0, 300)}` };
}

const VERBOSE = Boolean(process.env.CONFAB_TENANT_VERBOSE);

function judgeRest(e, role, res, ghost) {
	const { r, request, what } = res;
	if (VERBOSE) console.log(`# ${what}`);
	const leaks = leaksIn(r.text, request);
	assert.deepEqual(leaks, [], `org A's data in the answer to ${what}`);
	if (e.expect === 'refuse') {
		assert.ok((e.statuses || [403, 404]).includes(r.status), `not refused: ${what}`);
		assert.equal(typeof r.body?.error?.code, 'string', `no error code: ${what}`);
		assert.equal(`${r.status} ${r.body.error.code}`, `${ghost.r.status} ${ghost.r.body?.error?.code}`,
		    `org A's id answers otherwise than an id that exists nowhere (its existence leaks): ${what}; ghost: ${ghost.what}`);
	} else {
		assert.ok((r.status >= 200 && r.status < 300) || r.status === 403 || r.status === 404, `unexpected: ${what}`);
		if (r.status < 300 && e.check) {
			try {
				e.check(r, role);
			} catch (err) {
				err.message = `${what}: ${err.message}`;
				throw err;
			}
		}
	}
}

async function walkRest(phase) {
	const failures = [];
	let n = 0;
	for (const e of REST) {
		if (Boolean(e.creates) !== (phase === 2) || (e.ai && !aiUp && e.expect !== 'refuse')) continue;
		for (const role of e.roles || ROLES_B) {
			n++;
			try {
				// The ghost first: a creating request must not find A's name taken by B.
				const ghost = e.expect === 'refuse' ? await callRest(e, role, GHOST) : null;
				judgeRest(e, role, await callRest(e, role, A), ghost);
			} catch (err) {
				failures.push(err.message);
			}
		}
	}
	return { n, failures };
}

function judgeEvent(e, role, got, ghost) {
	const { ack, request, what } = got;
	if (VERBOSE) console.log(`# ${what}`);
	const text = JSON.stringify(ack ?? null);
	assert.deepEqual(leaksIn(text, request), [], `org A's data in the ack of ${what}`);
	if (e.expect === 'refuse') {
		assert.equal(ack?.ok, false, `not refused: ${what}`);
		const codes = e.codes ? new Set(e.codes) : REFUSAL_CODES;
		assert.ok(codes.has(ack.error?.code), `not a refusal code (${[...codes]}): ${what}`);
		if (ghost)
			assert.equal(ack.error.code, ghost.ack?.error?.code,
			    `org A's id answers otherwise than an id that exists nowhere: ${what}; ghost: ${ghost.what}`);
	} else {
		assert.ok(ack && (ack.ok === true || REFUSAL_CODES.has(ack.error?.code)), `unexpected: ${what}`);
		if (e.check) {
			try {
				e.check(ack, role);
			} catch (err) {
				err.message = `${what}: ${err.message}`;
				throw err;
			}
		}
	}
}

async function callEvent(e, role, X) {
	const data = e.data(X);
	const request = `${e.event} ${JSON.stringify(data)}`;
	if (X === A) sentByB += `\n${request}`;
	let ack;
	try {
		ack = await emit(sock[role], e.event, data);
	} catch (err) {
		ack = { timeout: err.message };
	}
	return { ack, request, what: `${role} of org B: ${request} -> ${JSON.stringify(ack).slice(0, 300)}` };
}

async function walkEvents(phase) {
	const failures = [];
	let n = 0;
	for (const e of EVENTS) {
		if (Boolean(e.creates) !== (phase === 2) || (e.ai && !aiUp && e.expect !== 'refuse')) continue;
		for (const role of e.roles || ROLES_B) {
			n++;
			try {
				const ghost = e.expect === 'refuse' && !e.codes ? await callEvent(e, role, GHOST) : null;
				judgeEvent(e, role, await callEvent(e, role, A), ghost);
			} catch (err) {
				failures.push(err.message);
			}
		}
	}
	return { n, failures };
}

function report(name, { n, failures }) {
	assert.ok(n > 0, `${name}: nothing walked`);
	assert.equal(failures.length, 0, `${name}: ${failures.length} of ${n} answers wrong:\n  ${failures.join('\n  ')}`);
}

// ---- the tests ----

test('the tables cover every route of the gateway and the services, and every event', () => {
	const routes = new Set(REST.map((e) => e.route));
	const missing = cRestRoutes().filter((r) => !routes.has(r));
	assert.deepEqual(missing, [], 'REST routes in the C route tables that the walk does not visit');
	const events = new Set(EVENTS.map((e) => e.event));
	assert.deepEqual(cEvents().filter((e) => !events.has(e)), [], 'events of gateway/session.c the walk does not send');
	for (const p of cPrefixes())
		assert.ok([...routes].some((r) => r.split(' ')[1] === p || r.split(' ')[1].startsWith(`${p}/`)),
		    `gateway prefix ${p} has no endpoint in the walk`);
	// And every endpoint the man page lists (".It Li METHOD ... /chat/...").
	const man = fs.readFileSync(path.join(ROOT, 'man/confab-protocol.7'), 'utf8');
	const patterns = new Set([...routes].map((r) => r.split(' ')[1]));
	for (const line of man.split('\n').filter((l) => /^\.It Li (GET|POST|PUT|PATCH|DELETE)\b/.test(l))) {
		for (const m of line.matchAll(/(\/chat\/[\w/{}.-]*)(\s+Ns\s+Ar\s+\w+)?/g)) {
			const pat = (m[1] + (m[2] ? '{}' : '')).replace(/\{\w+\}/g, '{}');
			assert.ok(patterns.has(pat), `the man page's ${pat} (${line}) is not walked`);
		}
	}
});

test('org A\'s state exists as built', w(async () => {
	const s = A.snapshot;
	assert.equal(s[conv(A, 'chatActive')].chat.status, 'active');
	assert.equal(s[conv(A, 'chatQueued')].chat.status, 'queued');
	assert.equal(s[conv(A, 'chatClosed')].chat.status, 'closed');
	assert.equal(s[conv(A, 'chatClosed')].chat.rating, 5);
	assert.deepEqual(s[`${conv(A, 'chatActive')}/tags`].tags, [A.tag]);
	assert.equal(s[`${conv(A, 'chatActive')}/notes`].notes.length, 1);
	assert.deepEqual(s[`${conv(A, 'chatActive')}/messages?limit=200`].messages.map((m) => m.text).filter((t) => A.texts.includes(t)), A.texts);
	assert.equal(s[`/chat/rooms/${A.roomId}/members`].members.length, 2);
	assert.equal(s[`/chat/agents/${enc(A.agent.email)}/presence`].status, 'busy');
	assert.ok(s[`/chat/customers/${enc(A.cust1.email)}/journey`].visits.length >= 1);
	assert.equal(s['/chat/queue/settings'].autoAssign, false);
	if (aiUp) assert.ok(s['/chat/faq'].entries.some((e) => e.id === A.faqId));
}));

test('a token of org B with an `orgid: demo` header is 403 on every endpoint', w(async () => {
	const failures = [];
	const seen = new Set();
	for (const e of REST) {
		const key = `${e.route} ${e.path(A)}`;
		if (seen.has(key)) continue;
		seen.add(key);
		for (const role of ROLES_B) {
			const { r, request, what } = await callRest(e, role, A, { orgid: 'demo' }, true);
			if (r.status !== 403 || r.body?.error?.code !== 'FORBIDDEN') failures.push(`expected 403 FORBIDDEN: ${what}`);
			else if (leaksIn(r.text, request).length) failures.push(`leak: ${what}`);
		}
	}
	assert.equal(failures.length, 0, failures.join('\n'));
}));

test('after the 403 for a wrong orgid header, the keep-alive connection it promises still serves', w(async () => {
	const head = (t, org) => `GET /chat/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t}\r\n${org ? `orgid: ${org}\r\n` : ''}\r\n`;
	const { got, closed } = await twoOnOneConnection(head(tok.admin, 'demo'), head(tok.admin));
	assert.match(got, /^HTTP\/1\.1 403 [^]*orgid does not match/, got);
	assert.match(got, /^HTTP\/1\.1 403 [^]*?\r\nConnection: keep-alive\r\n/i, 'the 403 says keep-alive');
	assert.equal((got.match(/HTTP\/1\.1 \d{3} /g) || []).length, 2,
	    `the next request on the connection is answered (server ${closed ? 'closed the connection' : 'stayed silent'}): ${JSON.stringify(got)}`);
}));

test('a socket with a token of org B and auth.orgId "demo" is refused UNAUTHORIZED', w(async () => {
	for (const role of ROLES_B) {
		const s = stack.socket({ auth: { token: tok[role], orgId: 'demo' }, reconnection: false });
		const err = await whenRefused(s);
		assert.equal(err.data?.code, 'UNAUTHORIZED', `${role}: ${JSON.stringify(err.data)}`);
		assert.match(err.data.message, /orgId/);
		s.close();
	}
}));

test('every REST endpoint, as each role of org B, against org A\'s ids: refused or about org B only', w(async () => {
	report('REST', await walkRest(1));
}));

test('every socket event, as each role of org B, against org A\'s ids: an error ack or about org B only', w(async () => {
	report('events', await walkEvents(1));
}));

test('writes that create org B\'s own objects under org A\'s names touch nothing of org A', w(async () => {
	report('REST writes', await walkRest(2));
	report('event writes', await walkEvents(2));
}));

test('no event org B received carries org A\'s data, and org A received nothing of org B', w(async () => {
	await sleep(600);	// events of the last requests (stats-update is throttled)
	const secretsB = [MARK_B, B.admin.email, B.agent.email, B.customer.email, B.chat, 'tenant-b.example'];
	assert.ok(!sentByB.includes(MARK_A), 'the test itself never sends org A\'s content marker');
	for (const role of ROLES_B) {
		const bad = sock[role].events.filter((e) => secretsA().some((x) => JSON.stringify(e).includes(x) && !sentByB.includes(x)));
		assert.deepEqual(bad, [], `${role} of org B received org A's data`);
	}
	for (const k of A_KEYS) {
		const bad = sock[k].events.filter((e) => secretsB.some((x) => JSON.stringify(e).includes(x)));
		assert.deepEqual(bad, [], `${k} of org A received org B's data`);
		// Nothing org B did may reach org A's people at all.
		const since = sock[k].events.slice(A.marks[k]);
		assert.deepEqual(since, [], `${k} of org A received events while only org B acted`);
	}
}));

test('org A\'s state is unchanged', w(async () => {
	const now = await snapshotA();
	const diffs = [];
	for (const k of new Set([...Object.keys(A.snapshot), ...Object.keys(now)]))
		if (JSON.stringify(A.snapshot[k]) !== JSON.stringify(now[k]))
			diffs.push(`${k}:\n    before ${JSON.stringify(A.snapshot[k])}\n    after  ${JSON.stringify(now[k])}`);
	assert.equal(diffs.length, 0, `org A changed:\n  ${diffs.join('\n  ')}`);
}));
