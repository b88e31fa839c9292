// Soak under chaos: customers (two tabs each) send acknowledged chat
// messages, retrying with the same clientMsgId, while a driver SIGKILLs
// gateway workers, the whole gateway, presence-svc, queue-svc and
// ai-bridge at random moments and restarts Redis (AOF on).  At the end
// it compares what was acknowledged with what the history holds and
// what the other tab received, and prints one line per figure.
//
//	node tests/soak/soak.mjs [SECONDS] [CUSTOMERS]
//
// Exits 1 when a message acknowledged was lost or stored twice, or when
// presence rows outlive their sockets past the documented bound.
import { Stack, sleep, waitUntil } from '../interop/harness.mjs';

const seconds = Number(process.argv[2] || 120);
const ncustomers = Number(process.argv[3] || 16);
const SEND_EVERY_MS = 250;
const ACK_MS = 3000;
const PRESENCE_BOUND_MS = 15000;	// worker timeout + sweep, see README

const rand = (n) => Math.floor(Math.random() * n);
const chaosLog = [];
const log = (...a) => console.log('soak:', ...a);

const stack = await Stack.start({
	name: 'soak',
	redisAof: true,
	config: {
		log_level: 'notice', nng_timeout_ms: 2000, nng_resend_ms: 500,
		rate_limit_chat_per_minute: 0, rate_limit_events_per_minute: 0,
		ping_interval_ms: 2000, ping_timeout_ms: 2000,
	},
});
const figures = {};
let failed = false;
try {
	await run();
} catch (e) {
	console.error('soak: error:', e.stack || e.message);
	failed = true;
} finally {
	await stack.stop({ quiet: true });
}
for (const [k, v] of Object.entries(figures))
	console.log(`soak: ${k}: ${v}`);
process.exit(failed ? 1 : 0);

async function run() {
	const customers = [];
	for (let i = 0; i < ncustomers; i++) {
		const email = `soak${i}@example.com`;
		const token = await stack.token({ role: 'customer', email });
		const tabs = [0, 1].map(() => openTab(token));
		customers.push({ email, token, tabs, acked: new Map(), seq: 0, chatId: null });
	}
	await waitUntil(() => customers.every((c) => c.tabs.every((t) => t.connected)), 20000, 'every tab connected');

	let stop = false;
	const senders = customers.map((c) => sender(c, () => stop));
	const chaos = chaosDriver(() => stop);
	await sleep(seconds * 1000);
	stop = true;
	await Promise.all([...senders, chaos]);
	log('chaos over; settling');
	await sleep(2000);

	let acked = 0, lost = 0, twice = 0, live = 0, missed = 0;
	for (const c of customers) {
		acked += c.acked.size;
		if (!c.chatId) continue;
		const seen = new Map();
		for (const clientMsgId of await historyIds(c.chatId))
			seen.set(clientMsgId, (seen.get(clientMsgId) || 0) + 1);
		for (const [id, m] of c.acked) {
			if (!seen.has(id)) lost++;
			const other = c.tabs[1 - m.tab];
			if (other.received.has(m.id)) live++;
			else missed++;
		}
		for (const n of seen.values()) if (n > 1) twice++;
	}
	figures['messages acked'] = acked;
	figures['lost (must be 0)'] = lost;
	figures['stored twice (must be 0)'] = twice;
	figures['delivered live to the other tab'] = live;
	figures['not delivered to the other tab (it was reconnecting; stored, in the history)'] = missed;

	for (const c of customers) for (const t of c.tabs) t.close();
	const t0 = Date.now();
	let left = -1;
	await waitUntil(async () => (left = await countKeys('chat-socket:*')) === 0, PRESENCE_BOUND_MS, 'presence rows to go')
	    .catch(() => {});
	figures['presence rows left for sockets that no longer exist (must be 0)'] = left;
	figures['  ... gone after (ms)'] = Date.now() - t0;
	figures['timers lost'] = 'n/a (no inactivity timers in this flow yet)';
	figures['chaos actions'] = chaosLog.join(', ');
	failed = lost > 0 || twice > 0 || left !== 0 || acked === 0;
}

function openTab(token) {
	const s = stack.socket({ token, orgId: 'demo', reconnectionDelay: 200, reconnectionDelayMax: 1000 });
	s.received = new Set();
	s.on('chat-message', (m) => s.received.add(m.id));
	// A refusal by the server (Redis down) is not retried by the client.
	s.on('connect_error', () => setTimeout(() => { if (!s.connected) s.connect(); }, 500));
	return s;
}

async function sender(c, stopped) {
	while (!stopped()) {
		const tab = rand(2);
		const clientMsgId = `${c.email}-${c.seq++}`;
		const text = `m ${clientMsgId}`;
		for (let attempt = 0; ; attempt++) {
			const s = c.tabs[tab];
			if (!s.connected) {
				await sleep(100);
				if (attempt > 600) throw new Error(`${c.email}: tab never reconnected`);
				continue;
			}
			let ack;
			try {
				ack = await s.timeout(ACK_MS).emitWithAck('chat-message', { text, clientMsgId });
			} catch {
				continue;		/* no ack: retry, same id */
			}
			if (ack?.ok) {
				c.acked.set(clientMsgId, { id: ack.message.id, tab });
				c.chatId = ack.message.chatId;
				break;
			}
			if (ack?.error?.code !== 'SERVICE_UNAVAILABLE' && ack?.error?.code !== 'INTERNAL')
				throw new Error(`${c.email}: ack ${JSON.stringify(ack)}`);
			await sleep(200);
		}
		await sleep(SEND_EVERY_MS);
	}
}

async function chaosDriver(stopped) {
	const actions = [
		['worker', async () => {
			const pids = await stack.workerPids();
			if (pids.length) process.kill(pids[rand(pids.length)], 'SIGKILL');
		}],
		['gateway', () => stack.restart('gateway', 'SIGKILL')],
		['presence', () => stack.restart('presence', 'SIGKILL')],
		['queue', () => stack.restart('queue', 'SIGKILL')],
		['ai', () => stack.restart('ai', 'SIGKILL')],
		['redis', () => stack.restartRedis()],
	];
	while (!stopped()) {
		await sleep(2000 + rand(3000));
		if (stopped()) break;
		const [name, act] = actions[rand(actions.length)];
		chaosLog.push(name);
		log(`kill ${name}`);
		await act();
	}
}

async function historyIds(chatId) {
	const out = await stack.redis('XRANGE', stack.historyKey(chatId), '-', '+');
	const ids = [];
	const lines = out.split('\n');
	for (let i = 0; i < lines.length; i++)
		if (lines[i] === 'clientMsgId') ids.push(lines[i + 1]);
	return ids;
}

async function countKeys(pattern) {
	const out = (await stack.redis('--scan', '--pattern', `${stack.prefix}${pattern}`)).trim();
	return out === '' ? 0 : out.split('\n').length;
}
