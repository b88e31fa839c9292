// Operations: health and readiness of every process, confabctl health,
// Prometheus metrics (format and families), SIGHUP reload under live
// socket.io-client connections, an invalid config refused on reload,
// and the shipped example config.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { Stack, BIN, ROOT, freePort, waitUntil, sleep } from './harness.mjs';

let stack;
let token;
const ports = {};

before(async () => {
	for (const s of ['presence', 'queue', 'ai']) ports[s] = await freePort();
	stack = await Stack.start({
		name: 'ops',
		config: Object.fromEntries(Object.entries(ports).map(([s, p]) => [`${s}_http_listen`, `127.0.0.1:${p}`])),
	});
	token = await stack.token({ role: 'customer', email: 'ops@example.com' });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

function run(file, args, env = {}) {
	return new Promise((resolve) => {
		execFile(file, args, { env: { ...process.env, ...env }, timeout: 10000 },
		    (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
	});
}
const ctl = (...args) => run(path.join(BIN, 'confabctl'), ['-c', stack.confPath, ...args]);

async function get(url) {
	const res = await fetch(url);
	return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/**
 * Parses Prometheus text format 0.0.4 strictly enough to catch what a
 * scraper would reject: HELP/TYPE before samples, one family's samples
 * together, valid names, _total counters, cumulative histograms whose
 * +Inf bucket equals _count.  Returns Map(family -> {type, samples}).
 */
function parseProm(text) {
	assert.ok(text.endsWith('\n'), 'ends with a newline');
	const fams = new Map();
	let cur = null;
	for (const line of text.split('\n').slice(0, -1)) {
		let m;
		if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line))) {
			assert.ok(!fams.has(m[1]), `family ${m[1]} declared twice`);
			cur = { name: m[1], type: null, samples: [] };
			fams.set(m[1], cur);
		} else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
			assert.equal(m[1], cur?.name, `TYPE ${m[1]} right after its HELP`);
			cur.type = m[2];
		} else {
			m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+|NaN|\+Inf)$/.exec(line);
			assert.ok(m, `sample line: ${JSON.stringify(line)}`);
			assert.ok(cur && m[1].startsWith(cur.name), `sample ${m[1]} inside its family ${cur?.name}`);
			cur.samples.push({ name: m[1], labels: m[2] || '', value: Number(m[3]) });
		}
	}
	for (const f of fams.values()) {
		assert.ok(f.type, `${f.name} has a TYPE`);
		if (f.type === 'counter') assert.ok(f.name.endsWith('_total'), `counter ${f.name} ends in _total`);
		if (f.type !== 'histogram') continue;
		const series = new Map();
		for (const s of f.samples) {
			// {le="x"} alone leaves "{}", the same series as no labels.
			const key = s.labels.replace(/,?le="[^"]*"/, '').replace(/^\{,/, '{').replace(/^\{\}$/, '');
			if (!series.has(key)) series.set(key, { buckets: [], count: null });
			if (s.name.endsWith('_bucket')) series.get(key).buckets.push(s.value);
			if (s.name.endsWith('_count')) series.get(key).count = s.value;
		}
		for (const [k, v] of series) {
			for (let i = 1; i < v.buckets.length; i++)
				assert.ok(v.buckets[i] >= v.buckets[i - 1], `${f.name}${k} buckets cumulative`);
			assert.equal(v.buckets.at(-1), v.count, `${f.name}${k} +Inf bucket equals _count`);
		}
	}
	return fams;
}

test('every service answers /livez, /readyz and /metrics on its HTTP port', w(async () => {
	for (const [name, port] of Object.entries(ports)) {
		const base = `http://127.0.0.1:${port}`;
		assert.equal((await get(`${base}/livez`)).status, 200, `${name} livez`);
		await waitUntil(async () => (await get(`${base}/readyz`)).status === 200, 5000, `${name} ready`);
		const ready = JSON.parse((await get(`${base}/readyz`)).text);
		assert.equal(ready.redis, 'ok');
		const m = await get(`${base}/metrics`);
		assert.equal(m.status, 200);
		assert.match(m.type, /^text\/plain; version=0\.0\.4/);
		const fams = parseProm(m.text);
		for (const f of [`confab_${name}_requests_total`, `confab_${name}_request_duration_seconds`,
		    'confab_redis_errors_total', 'confab_redis_reconnects_total', 'confab_ready',
		    'process_resident_memory_bytes', 'process_cpu_seconds_total', 'process_open_fds'])
			assert.ok(fams.has(f), `${name} exposes ${f}`);
		const own = { queue: ['confab_queue_depth', 'confab_queue_wait_seconds', 'confab_queue_messages_stored_total'],
		    ai: ['confab_ai_job_duration_seconds'], presence: [] }[name];
		for (const f of own) assert.ok(fams.has(f), `${name} exposes ${f}`);
		const pings = fams.get(`confab_${name}_requests_total`).samples.find((s) => s.labels.includes('"ping"'));
		assert.ok(pings.value >= 1, `${name} counted its self PINGs`);
	}
}));

test('the gateway /metrics covers the whole gateway and follows the format', w(async () => {
	const s = await stack.connect({ token, orgId: 'demo' });
	const ack = await s.timeout(5000).emitWithAck('chat-message', { text: 'metrics', clientMsgId: 'ops-m1' });
	assert.equal(ack.ok, true);
	// Any worker answers; every scrape must see both workers' sockets.
	for (let i = 0; i < 4; i++) {
		const m = await get(`${stack.url}/metrics`);
		assert.equal(m.status, 200);
		const fams = parseProm(m.text);
		for (const f of ['confab_gateway_connections', 'confab_gateway_sockets', 'confab_gateway_sockets_total',
		    'confab_gateway_connect_errors_total', 'confab_gateway_engineio_packets_total',
		    'confab_gateway_socketio_packets_total', 'confab_gateway_nng_request_duration_seconds',
		    'confab_gateway_nng_errors_total', 'confab_gateway_worker_restarts_total',
		    'confab_redis_errors_total', 'confab_gateway_pubsub_channels', 'process_resident_memory_bytes'])
			assert.ok(fams.has(f), `gateway exposes ${f}`);
		const customers = fams.get('confab_gateway_sockets').samples.find((x) => x.labels === '{role="customer"}');
		assert.equal(customers.value, 1, 'one connected customer socket, whichever worker answers');
		const q = fams.get('confab_gateway_nng_request_duration_seconds').samples
		    .find((x) => x.name.endsWith('_count') && x.labels.includes('queue'));
		assert.ok(q.value >= 1, 'the chat-message request to queue-svc was timed');
	}
	s.close();
}));

test('confabctl health: 0 for a ready process, 1 with a reason for a stopped one', w(async () => {
	for (const what of ['gateway', 'presence', 'queue', 'ai']) {
		const r = await ctl('health', what);
		assert.equal(r.code, 0, `health ${what}: ${r.stdout}${r.stderr}`);
		assert.match(r.stdout, /^OK - /);
		assert.equal(r.stdout.trim().split('\n').length, 1, 'one line');
	}
	await stack.kill('ai', 'SIGTERM');
	const down = await ctl('health', 'ai');
	assert.equal(down.code, 1);
	assert.match(down.stdout, /^CRITICAL - ai: /);
	// The gateway is not ready without its link to confab-ai.
	await waitUntil(async () => (await ctl('health', 'gateway')).code === 1, 5000, 'gateway not ready');
	assert.match((await ctl('health', 'gateway')).stdout, /"ai":"down"/);
	await stack.startService('ai');
	await waitUntil(async () => (await ctl('health', 'gateway')).code === 0, 8000, 'gateway ready again');
	assert.equal((await ctl('health', 'nonsense')).code, 64);
}));

test('SIGHUP reloads under live clients: new workers, clients reconnect and lose nothing', w(async () => {
	const before = await stack.workerPids();
	const sockets = [];
	for (let i = 0; i < 6; i++) {
		const s = await stack.connect({ token, orgId: 'demo' });
		s.reconnects = 0;
		s.io.on('reconnect', () => s.reconnects++);
		sockets.push(s);
	}
	const acked = [];
	const first = await sockets[0].timeout(5000).emitWithAck('chat-message', { text: 'start', clientMsgId: 'hup-start' });
	const key = stack.historyKey(first.message.chatId);
	const stored = await stack.xlen(key);
	for (const [i, s] of sockets.entries()) {
		const a = await s.timeout(5000).emitWithAck('chat-message', { text: `before ${i}`, clientMsgId: `hup-b${i}` });
		assert.equal(a.ok, true);
		acked.push(a.message.id);
	}
	process.kill(stack.pid('gateway'), 'SIGHUP');
	const after = await waitUntil(async () => {
		const now = await stack.workerPids();
		return now.length === 2 && now.every((p) => !before.includes(p)) ? now : null;
	}, 15000, 'a new generation of workers, the old one gone');
	assert.ok(after.every((p) => !before.includes(p)));
	await waitUntil(() => sockets.every((s) => s.connected && s.reconnects >= 1), 10000, 'every client reconnected');
	for (const [i, s] of sockets.entries()) {
		// The same clientMsgId as before: already stored, nothing new.
		const again = await s.timeout(5000).emitWithAck('chat-message', { text: `before ${i}`, clientMsgId: `hup-b${i}` });
		assert.equal(again.message.id, acked[i]);
		const a = await s.timeout(5000).emitWithAck('chat-message', { text: `after ${i}`, clientMsgId: `hup-a${i}` });
		assert.equal(a.ok, true);
	}
	assert.equal(await stack.xlen(key), stored + 12, 'six before, six after; none lost or doubled');
	for (const s of sockets) s.close();
}));

test('an invalid config is refused on SIGHUP and the running one stays', w(async () => {
	const before = await stack.workerPids();
	const s = await stack.connect({ token, orgId: 'demo' });
	const good = fs.readFileSync(stack.confPath, 'utf8');
	fs.writeFileSync(stack.confPath, `${good}gateway_workers lots\n`);
	try {
		process.kill(stack.pid('gateway'), 'SIGHUP');
		await waitUntil(() => /reload refused/.test(stack.logText('gateway')), 5000, 'the refusal in the log');
		await sleep(300);
		assert.deepEqual(await stack.workerPids(), before, 'the same workers');
		assert.ok(s.connected, 'clients undisturbed');
		const a = await s.timeout(5000).emitWithAck('chat-message', { text: 'still here', clientMsgId: 'bad-cfg' });
		assert.equal(a.ok, true);
	} finally {
		fs.writeFileSync(stack.confPath, good);
	}
	s.close();
}));

test('the shipped example config is valid and names every key', async () => {
	const example = path.join(ROOT, 'deploy', 'confab.conf.example');
	const secret = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'confab-ex-')), 'jwt.secret');
	fs.writeFileSync(secret, 'an-example-secret-of-at-least-32-bytes!\n');
	const env = { CONFAB_JWT_SECRET_FILE: secret };
	const t = await run(path.join(BIN, 'confab-gateway'), ['-t', '-c', example], env);
	assert.equal(t.code, 0, t.stderr);
	const dump = await run(path.join(BIN, 'confab-gateway'), ['-T', '-c', example], env);
	const text = fs.readFileSync(example, 'utf8');
	const keys = dump.stdout.trim().split('\n').map((l) => l.split(' ')[0]);
	assert.ok(keys.length > 20);
	for (const k of keys)
		assert.match(text, new RegExp(`^#?${k} `, 'm'), `the example mentions ${k}`);
	for (const svc of ['confab-presence', 'confab-queue', 'confab-ai'])
		assert.equal((await run(path.join(BIN, svc), ['-t', '-c', example], env)).code, 0, `${svc} -t`);
});
