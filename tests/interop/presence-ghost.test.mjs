// No ghost users: a gateway worker SIGKILLed (the master respawns it; the
// new process's first heartbeat drops the old one's sockets), a worker
// that stops beating (SIGSTOP; the sweeper drops its sockets after
// presence_worker_timeout_ms), and presence-svc itself SIGKILLed and
// restarted with nothing lost.  The measured times are printed as test
// diagnostics ("offline after N ms").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, workerSlot, sleep } from './harness.mjs';

const HEARTBEAT_MS = 500;
const TIMEOUT_MS = 2000;
let stack;
const tok = {};

before(async () => {
	stack = await Stack.start({
		name: 'ghost',
		// Notices to a presence-svc that is down are resent until
		// nng_timeout_ms: long enough for a restart under ASan.
		config: { worker_heartbeat_ms: HEARTBEAT_MS, presence_worker_timeout_ms: TIMEOUT_MS, nng_timeout_ms: 10000 },
	});
	const mk = (name, role) => stack.token({ role, email: `${name}@example.com`, name }).then((t) => { tok[name] = t; });
	await Promise.all([
		mk('obs', 'agent'), mk('k1', 'customer'), mk('k2', 'agent'), mk('k3', 'customer'),
		mk('s1', 'customer'), mk('s2', 'agent'), mk('r1', 'customer'), mk('r2', 'customer'),
		mk('r3', 'agent'), mk('r4', 'customer'),
	]);
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

async function rest(token, path) {
	const res = await fetch(stack.url + path, { headers: { authorization: `Bearer ${token}`, orgid: 'demo' } });
	return res.json();
}

/** A connected socket of name on worker slot; no reconnection. */
const connectOn = (name, slot) => stack.connectOn(slot, { token: tok[name], orgId: 'demo', reconnection: false });
const workerPid = (slot) => stack.workerPidOf(slot);

/** An observing agent on some worker, recording when each email went offline. */
async function observer() {
	const s = await stack.connect({ token: tok.obs, orgId: 'demo' });
	s.offlineAt = new Map();
	s.on('presence-change', (e) => {
		if (e.status === 'offline' && !s.offlineAt.has(e.email)) s.offlineAt.set(e.email, Date.now());
	});
	return s;
}

test('a SIGKILLed worker: its users go offline when the respawned worker first beats', w(async (t) => {
	const obs = await observer();
	const victim = 1 - workerSlot(obs);
	const k1a = await connectOn('k1', victim);
	const k1b = await connectOn('k1', victim);	// two tabs, both on the victim
	const k2 = await connectOn('k2', victim);
	const k3a = await connectOn('k3', victim);
	const k3b = await connectOn('k3', 1 - victim);	// a tab that survives
	await waitUntil(async () => (await rest(tok.obs, '/chat/presence/stats')).sockets === 6, 5000, 'six sockets');
	const pid = await workerPid(victim);

	obs.offlineAt.clear();	// connectOn's stray sockets came and went
	const t0 = Date.now();
	process.kill(pid, 'SIGKILL');
	await waitUntil(() => obs.offlineAt.has('k1@example.com') && obs.offlineAt.has('k2@example.com'), 5000,
	    'presence-change offline for the killed worker\'s users');
	const ms = Math.max(obs.offlineAt.get('k1@example.com'), obs.offlineAt.get('k2@example.com')) - t0;
	t.diagnostic(`offline after ${ms} ms (SIGKILL, respawn, first heartbeat)`);
	assert.ok(ms < 3000, `offline after ${ms} ms`);
	assert.ok(!obs.offlineAt.has('k3@example.com'), 'k3 still has a tab on the other worker');

	const stats = await rest(tok.obs, '/chat/presence/stats');
	assert.equal(stats.sockets, 2, JSON.stringify(stats));
	assert.equal(stats.customers.online, 1);
	assert.equal(stats.agents.online, 1);
	assert.equal((await stack.redis('EXISTS', `${stack.prefix}chat-identity:{demo}:customer:k1@example.com`)).trim(), '0');
	assert.equal((await stack.redis('SCARD', `${stack.prefix}chat-identity:{demo}:customer:k3@example.com`)).trim(), '1');
	assert.match(stack.logText('presence'), /worker replaced/);

	// The respawned worker's own sockets are kept.
	const fresh = await connectOn('k1', victim);
	await sleep(3 * HEARTBEAT_MS);
	const sessions = (await rest(tok.obs, '/chat/presence/stats')).sockets;
	assert.equal(sessions, 3, 'a socket of the new process stays');
	for (const s of [obs, k1a, k1b, k2, k3a, k3b, fresh]) s.close();
	await waitUntil(async () => (await rest(tok.obs, '/chat/presence/stats')).sockets === 0, 5000, 'all closed');
}));

test('a worker that stops beating: the sweeper drops its sockets after presence_worker_timeout_ms', w(async (t) => {
	const obs = await observer();
	const victim = 1 - workerSlot(obs);
	const s1 = await connectOn('s1', victim);
	const s2 = await connectOn('s2', victim);
	await waitUntil(async () => (await rest(tok.obs, '/chat/presence/stats')).sockets === 3, 5000, 'three sockets');
	const pid = await workerPid(victim);

	obs.offlineAt.clear();
	const t0 = Date.now();
	process.kill(pid, 'SIGSTOP');
	try {
		await waitUntil(() => obs.offlineAt.has('s1@example.com') && obs.offlineAt.has('s2@example.com'), 10000,
		    'presence-change offline for the silent worker\'s users');
	} finally {
		process.kill(pid, 'SIGCONT');
	}
	const ms = Math.max(obs.offlineAt.get('s1@example.com'), obs.offlineAt.get('s2@example.com')) - t0;
	t.diagnostic(`offline after ${ms} ms (worker stopped; timeout ${TIMEOUT_MS} ms)`);
	assert.ok(ms >= TIMEOUT_MS - HEARTBEAT_MS - 100, `not before the timeout: ${ms} ms`);
	// The bound: the timeout and one sweeper tick (a quarter of it),
	// with room for a loaded test machine.
	assert.ok(ms < TIMEOUT_MS + 3000, `offline after ${ms} ms`);
	assert.match(stack.logText('presence'), /worker silent, sockets dropped/);
	assert.equal((await rest(tok.obs, '/chat/presence/stats')).sockets, 1);
	// The worker lives on and beats again: it is registered anew.
	await waitUntil(async () => (await stack.redis('HEXISTS', `${stack.prefix}chat-gw:{#}:workers`, `it-${stack.name}:${victim}`)).trim() === '1',
	    5000, 'the worker registered again');
	for (const s of [obs, s1, s2]) s.close();
	await waitUntil(async () => (await rest(tok.obs, '/chat/presence/stats')).sockets === 0, 8000, 'all closed');
}));

test('presence-svc SIGKILLed and restarted: state intact, counts right, changes while down not lost', w(async () => {
	const obs = await observer();
	const r1 = await stack.connect({ token: tok.r1, orgId: 'demo' });
	const r2 = await stack.connect({ token: tok.r2, orgId: 'demo' });
	const r3 = await stack.connect({ token: tok.r3, orgId: 'demo' });
	assert.equal((await r3.timeout(5000).emitWithAck('set-status', { status: 'busy' })).ok, true);
	const want = { agents: { online: 2, available: 1, busy: 1, away: 0 }, customers: { online: 2 }, sockets: 4 };
	const counts = async () => {
		const s = await rest(tok.obs, '/chat/presence/stats');
		return { agents: s.agents, customers: s.customers, sockets: s.sockets };
	};
	await waitUntil(async () => JSON.stringify(await counts()) === JSON.stringify(want), 5000, 'counts before');

	await stack.kill('presence', 'SIGKILL');
	const logFrom = stack.logText('presence').length;
	// While it is down: one visitor leaves, another comes.  The gateway
	// resends both notices until nng_timeout_ms.
	r2.close();
	const r4 = await stack.connect({ token: tok.r4, orgId: 'demo' });
	await sleep(300);
	await stack.startService('presence');

	// The counts are the same as before (r2 out, r4 in), so wait for
	// the two notices themselves.
	const online = `${stack.prefix}chat-online:{demo}:customer`;
	await waitUntil(async () => (await stack.redis('SMEMBERS', online)).trim().split('\n').sort().join(' ') ===
	    'r1@example.com r4@example.com', 12000, 'r2 offline and r4 online after the restart');
	const after = { ...want, customers: { online: 2 } };
	assert.deepEqual(await counts(), after);
	const r3p = await rest(tok.obs, '/chat/agents/r3@example.com/presence');
	assert.equal(r3p.status, 'busy', 'status kept');
	// No live worker is taken for dead after the restart.
	await sleep(TIMEOUT_MS + 1500);
	assert.deepEqual(await counts(), after, 'still right after the sweeper\'s grace period');
	assert.doesNotMatch(stack.logText('presence').slice(logFrom), /worker silent/);
	// And it goes on working.
	r1.close();
	await waitUntil(() => obs.offlineAt.has('r1@example.com'), 5000, 'r1 offline announced');
	for (const s of [obs, r3, r4]) s.close();
}));
