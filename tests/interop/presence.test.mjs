// Presence of sockets and identities (seed 000): socket rows and TTLs,
// tabs as one identity, presence-change online/offline, agent status
// over the socket (set-status) seen by a second agent and surviving the
// agent going offline, and the TTL of every presence key family.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, waitEvent } from './harness.mjs';

let stack;
let customer;
let agentToken;
const EMAIL = 'tabs@example.com';

before(async () => {
	stack = await Stack.start({ name: 'presence', config: { presence_room_ttl_s: 45 } });
	customer = await stack.token({ role: 'customer', email: EMAIL, name: 'Tabby' });
	agentToken = await stack.token({ role: 'agent', email: 'watcher@example.com', name: 'Watcher' });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const key = (family, rest) => `${stack.prefix}${family}:{demo}:${rest}`;
const ttl = async (k) => Number((await stack.redis('TTL', k)).trim());

async function rest(token, method, path, body) {
	const res = await fetch(stack.url + path, {
		method,
		headers: { authorization: `Bearer ${token}`, orgid: 'demo', 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: res.status, body: await res.json() };
}

async function hgetall(k) {
	const lines = (await stack.redis('HGETALL', k)).trim().split('\n');
	const h = {};
	for (let i = 0; i + 1 < lines.length; i += 2) h[lines[i]] = lines[i + 1];
	return h;
}

test('two tabs are one identity with two socket rows; the last close removes it', w(async () => {
	const agent = await stack.connect({ token: agentToken, orgId: 'demo' });
	const changes = [];
	agent.on('presence-change', (e) => changes.push(e));

	const tab1 = await stack.connect({ auth: { token: customer, orgId: 'demo', context: { url: 'https://shop.example/cart' } } });
	const tab2 = await stack.connect({ token: customer, orgId: 'demo' });
	const identity = key('chat-identity', `customer:${EMAIL}`);
	await waitUntil(async () => (await stack.redis('SCARD', identity)).trim() === '2', 5000, 'two sockets in the identity set');

	const row = key('chat-socket', tab1.id);
	const h = await hgetall(row);
	assert.equal(h.email, EMAIL);
	assert.equal(h.role, 'customer');
	assert.equal(h.currentUrl, 'https://shop.example/cart');
	assert.equal(h.gateway, `it-${stack.name}`);
	const rowTtl = await ttl(row);
	assert.ok(rowTtl > 100 && rowTtl <= 120, `chat-socket TTL ${rowTtl}`);
	const idTtl = await ttl(identity);
	assert.ok(idTtl > 3500 && idTtl <= 3600, `identity TTL ${idTtl}`);
	assert.equal((await stack.redis('HGET', key('chat-presence', `customer:${EMAIL}`), 'status')).trim(), 'online');

	await waitUntil(() => changes.some((e) => e.email === EMAIL && e.status === 'online'), 5000, 'presence-change online');
	assert.equal(changes.filter((e) => e.email === EMAIL && e.status === 'online').length, 1, 'online once for two tabs');

	tab1.close();
	await waitUntil(async () => (await stack.redis('SCARD', identity)).trim() === '1', 5000, 'one socket left');
	assert.equal((await stack.redis('EXISTS', row)).trim(), '0', 'the closed tab\'s row is gone');
	assert.ok(!changes.some((e) => e.email === EMAIL && e.status === 'offline'), 'still online with one tab');

	const offline = waitEvent(agent, 'presence-change', 5000);
	tab2.close();
	const evt = await offline;
	assert.equal(evt.email, EMAIL);
	assert.equal(evt.status, 'offline');
	assert.equal(evt.role, 'customer');
	assert.equal(evt.name, 'Tabby');
	assert.equal(typeof evt.timestamp, 'number');
	assert.equal((await stack.redis('EXISTS', identity)).trim(), '0');
	assert.equal((await stack.redis('EXISTS', key('chat-presence', `customer:${EMAIL}`))).trim(), '0');
	assert.equal((await stack.redis('SISMEMBER', key('chat-online', 'customer'), EMAIL)).trim(), '0');
	agent.close();
}));

test('an agent in three tabs counts once; its status changes reach a second agent and survive going offline', w(async () => {
	const alice = await stack.token({ role: 'agent', email: 'alice@example.com', name: 'Alice' });
	const observer = await stack.connect({ token: agentToken, orgId: 'demo' });
	const seen = [];
	observer.on('presence-change', (e) => { if (e.email === 'alice@example.com') seen.push(e); });

	const tabs = [];
	for (let i = 0; i < 3; i++) tabs.push(await stack.connect({ token: alice, orgId: 'demo' }));
	await waitUntil(() => seen.some((e) => e.status === 'online'), 5000, 'alice online');
	await waitUntil(async () => {
		const r = await rest(agentToken, 'GET', '/chat/agents/online');
		const a = r.body.agents.find((x) => x.email === 'alice@example.com');
		return a && a.sockets === 3 ? r : null;
	}, 5000, 'alice with three sockets');
	const online = await rest(agentToken, 'GET', '/chat/agents/online');
	assert.equal(online.body.agents.filter((x) => x.email === 'alice@example.com').length, 1, 'one entry for three tabs');
	const stats = await rest(agentToken, 'GET', '/chat/presence/stats');
	assert.equal(stats.body.agents.online, 2, `stats ${JSON.stringify(stats.body)}`);
	assert.equal(seen.filter((e) => e.status === 'online').length, 1, 'online once');

	const before = Date.now();
	const ack = await tabs[1].timeout(5000).emitWithAck('set-status', { status: 'busy' });
	assert.deepEqual(ack, { ok: true, email: 'alice@example.com', status: 'busy', previous: 'available', online: true });
	await waitUntil(() => seen.some((e) => e.status === 'busy'), 5000, 'presence-change busy at the observer');
	const busy = seen.find((e) => e.status === 'busy');
	assert.deepEqual(Object.keys(busy).sort(), ['email', 'name', 'role', 'status', 'timestamp']);
	assert.equal(busy.name, 'Alice');
	assert.equal(busy.role, 'agent');
	assert.ok(busy.timestamp >= before - 1000);
	// Per-agent last activity.
	const agentHash = await hgetall(key('chat-status', 'alice@example.com'));
	assert.equal(agentHash.status, 'busy');
	assert.ok(Number(agentHash.lastActivity) >= before - 1000, `lastActivity ${agentHash.lastActivity}`);
	// The same status again is no change: no event.
	const again = await tabs[0].timeout(5000).emitWithAck('set-status', { status: 'busy' });
	assert.equal(again.previous, 'busy');

	for (const t of tabs) t.close();
	await waitUntil(() => seen.some((e) => e.status === 'offline'), 5000, 'alice offline');
	assert.equal(seen.filter((e) => e.status === 'busy').length, 1, 'no event for an unchanged status');
	assert.equal((await stack.redis('HGET', key('chat-status', 'alice@example.com'), 'status')).trim(), 'busy',
	    'the status outlives the presence record');
	assert.ok(Number((await stack.redis('HGET', key('chat-status', 'alice@example.com'), 'lastSeen')).trim()) > 0);

	seen.length = 0;
	const back = await stack.connect({ token: alice, orgId: 'demo' });
	await waitUntil(() => seen.some((e) => e.status === 'busy'), 5000, 'online and busy again');
	assert.deepEqual(seen.map((e) => e.status), ['online', 'busy']);
	const p = await rest(agentToken, 'GET', '/chat/agents/alice@example.com/presence');
	assert.equal(p.status, 200);
	assert.equal(p.body.status, 'busy');
	assert.equal(p.body.online, true);
	back.close();
	observer.close();
}));

test('set-status: a bad status and a customer are refused in the ack', w(async () => {
	const agent = await stack.connect({ token: agentToken, orgId: 'demo' });
	const bad = await agent.timeout(5000).emitWithAck('set-status', { status: 'sleeping' });
	assert.equal(bad.ok, false);
	assert.equal(bad.error.code, 'BAD_REQUEST');
	const missing = await agent.timeout(5000).emitWithAck('set-status', {});
	assert.equal(missing.error.code, 'BAD_REQUEST');
	const other = await agent.timeout(5000).emitWithAck('set-status', { status: 'away', email: 'alice@example.com' });
	assert.equal(other.error.code, 'FORBIDDEN', 'an agent may change only its own status');
	const cust = await stack.connect({ token: customer, orgId: 'demo' });
	const c = await cust.timeout(5000).emitWithAck('set-status', { status: 'busy' });
	assert.equal(c.ok, false);
	assert.equal(c.error.code, 'FORBIDDEN');
	agent.close();
	cust.close();
}));

test('every presence key family carries the org hash tag and its TTL', w(async () => {
	const agent = await stack.connect({ token: agentToken, orgId: 'demo' });
	const cust = await stack.connect({ auth: { token: customer, orgId: 'demo', context: { url: 'https://shop.example/' } } });
	assert.equal((await cust.timeout(5000).emitWithAck('page-view', { url: 'https://shop.example/p/1', title: 'P1' })).ok, true);
	assert.equal((await agent.timeout(5000).emitWithAck('watch-chat', { chatId: 'c1', customer: EMAIL, watching: true })).ok, true);
	assert.equal((await agent.timeout(5000).emitWithAck('room-join', { roomId: 'ttl-room' })).ok, true);
	const sid = cust.id;
	const slot = (await hgetall(key('chat-socket', sid))).worker;

	const expect = [
		[key('chat-socket', sid), 100, 120],
		[key('chat-identity', `customer:${EMAIL}`), 3500, 3600],
		[key('chat-presence', `customer:${EMAIL}`), 3500, 3600],
		[key('chat-online', 'customer'), 3500, 3600],
		[`${stack.prefix}chat-live:{demo}`, 3500, 3600],
		[key('chat-worker', `it-${stack.name}:${slot}`), 3500, 3600],
		[`${stack.prefix}chat-gw:{#}:orgs:it-${stack.name}:${slot}`, 3500, 3600],
		[key('chat-status', 'watcher@example.com'), 30 * 86400 - 100, 30 * 86400],
		[key('chat-visitor', EMAIL), 30 * 86400 - 100, 30 * 86400],
		[key('chat-visits', EMAIL), 30 * 86400 - 100, 30 * 86400],
		// presence_watch_ttl_s (120) and 300 s for the sweeper to see it ran out
		[key('chat-watch', EMAIL), 400, 420],
		[key('chat-room', 'ttl-room'), 30 * 86400 - 100, 30 * 86400],
		[key('chat-room-members', 'ttl-room'), 30 * 86400 - 100, 30 * 86400],
		[key('chat-room-member', 'ttl-room:agent:watcher@example.com'), 40, 45],
		[key('chat-room-log', 'ttl-room'), 30 * 86400 - 100, 30 * 86400],
	];
	for (const [k, lo, hi] of expect) {
		const t = await ttl(k);
		assert.ok(t >= lo && t <= hi, `${k}: TTL ${t} not in [${lo}, ${hi}]`);
	}
	// The worker registry has no TTL: entries go when a worker dies.
	assert.equal(await ttl(`${stack.prefix}chat-gw:{#}:workers`), -1);
	assert.equal(await ttl(`${stack.prefix}chat-gw:{#}:beats`), -1);
	// Nor the watch schedule: the sweeper takes each customer off it.
	assert.equal(await ttl(`${stack.prefix}chat-watch-due:{#}`), -1);
	// Closed sockets are remembered for 120 s.
	cust.close();
	const closed = `${stack.prefix}chat-closed:{demo}`;
	await waitUntil(async () => (await stack.redis('ZSCORE', closed, sid)).trim() !== '', 5000, 'the close remembered');
	const pttl = Number((await stack.redis('PTTL', closed)).trim());
	assert.ok(pttl > 100000 && pttl <= 120000, `chat-closed PTTL ${pttl}`);
	agent.close();
}));
