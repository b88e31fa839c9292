// The presence path of the foundation: a connected socket is recorded
// by presence-svc (socket row with its 120 s TTL, identity set, presence
// record), two tabs are one identity, the last disconnect removes the
// identity, and presence-change online/offline reaches the org.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, waitEvent } from './harness.mjs';

let stack;
let customer;
let agentToken;
const EMAIL = 'tabs@example.com';

before(async () => {
	stack = await Stack.start({ name: 'presence' });
	customer = await stack.token({ role: 'customer', email: EMAIL, name: 'Tabby' });
	agentToken = await stack.token({ role: 'agent', email: 'watcher@example.com' });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const key = (family, rest) => `${stack.prefix}${family}:{demo}:${rest}`;

test('two tabs are one identity with two socket rows; the last close removes it', w(async () => {
	const agent = await stack.connect({ token: agentToken, orgId: 'demo' });
	const changes = [];
	agent.on('presence-change', (e) => changes.push(e));

	const tab1 = await stack.connect({ auth: { token: customer, orgId: 'demo', context: { url: 'https://shop.example/cart' } } });
	const tab2 = await stack.connect({ token: customer, orgId: 'demo' });
	const identity = key('chat-identity', `customer:${EMAIL}`);
	await waitUntil(async () => (await stack.redis('SCARD', identity)).trim() === '2', 5000, 'two sockets in the identity set');

	const row = key('chat-socket', tab1.id);
	const fields = (await stack.redis('HGETALL', row)).trim().split('\n');
	const h = {};
	for (let i = 0; i + 1 < fields.length; i += 2) h[fields[i]] = fields[i + 1];
	assert.equal(h.email, EMAIL);
	assert.equal(h.role, 'customer');
	assert.equal(h.currentUrl, 'https://shop.example/cart');
	assert.equal(h.gateway, `it-${stack.name}`);
	const ttl = Number((await stack.redis('TTL', row)).trim());
	assert.ok(ttl > 100 && ttl <= 120, `chat-socket TTL ${ttl}`);
	const idTtl = Number((await stack.redis('TTL', identity)).trim());
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
	assert.equal(typeof evt.timestamp, 'number');
	assert.equal((await stack.redis('EXISTS', identity)).trim(), '0');
	assert.equal((await stack.redis('EXISTS', key('chat-presence', `customer:${EMAIL}`))).trim(), '0');
	agent.close();
}));
