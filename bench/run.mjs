// `make bench` and `make bench-smoke`: starts each server under test on
// loopback, drives it with bin/confab-bench, and prints one table.
//
//	node bench/run.mjs [--bin DIR] [--server-bin DIR] [--smoke] [--quick]
//	    [--only NAMES] [--workers N] [--json FILE]
//	node bench/run.mjs --serve confab|sio-redis|sio-mem [--workers N]
//	node bench/run.mjs --many N [--server-bin DIR]
//
// --bin: where confab-bench is (and confab's binaries, unless
// --server-bin names another build, e.g. of a given commit).
// Servers (each its own temp dir, free port, private redis-server on a
// unix socket, no persistence, the same for all):
//   confab          redis + confab-presence + confab-queue + confab-ai +
//                   confab-gateway (gateway_workers 1 unless --workers)
//   sio-redis       Socket.IO 4.8 peer (bench/peer) + redis: Redis
//                   adapter, every message XADDed before the ack
//   sio-mem         the peer without Redis: the lower bound
// Scenarios, each on a freshly started server: idle connections (1,000
// then 10,000 on the same run), 1,000 clients in conversations of 2 at
// 1,000 and 5,000 messages/s (after a 2 s warm-up), and a ramp of
// rates, 5 s each (stops at the first that loses anything, misses its
// rate or has p99 >= 50 ms twice in a row).
// Every server process (and its descendants) is counted, Redis included.
//
// --smoke: confab only, 8 connections, 2 s at 50 messages/s; prints one
// line and exits 1 if anything was lost, refused or failed.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv) {
	const a = { bin: 'bin', smoke: false, quick: false, only: null, workers: 1, json: null };
	for (let i = 0; i < argv.length; i++) {
		const k = argv[i];
		const v = () => {
			if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
			return argv[++i];
		};
		if (k === '--bin') a.bin = v();
		else if (k === '--server-bin') a.serverBin = v();
		else if (k === '--smoke') a.smoke = true;
		else if (k === '--quick') a.quick = true;
		else if (k === '--only') a.only = v().split(',');
		else if (k === '--workers') a.workers = Number(v());
		else if (k === '--json') a.json = v();
		else if (k === '--serve') a.serve = v();
		else if (k === '--many') a.many = Number(v());
		else throw new Error(`unknown argument ${k}`);
	}
	a.bin = path.resolve(ROOT, a.bin);
	a.serverBin = a.serverBin ? path.resolve(ROOT, a.serverBin) : a.bin;
	return a;
}

function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

function canConnect(port) {
	return new Promise((resolve) => {
		const c = net.connect(port, '127.0.0.1');
		const done = (ok) => { c.destroy(); resolve(ok); };
		c.setTimeout(1000, () => done(false));
		c.on('connect', () => done(true));
		c.on('error', () => done(false));
	});
}

async function waitFor(fn, ms, what) {
	const end = Date.now() + ms;
	for (;;) {
		if (await fn()) return;
		if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await sleep(50);
	}
}

/* A set of processes in one temp dir; stop() ends them all (bounded). */
class Stack {
	constructor(name) {
		this.name = name;
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `confab-bench-${name}-`));
		this.procs = [];
		this.secret = crypto.randomBytes(32).toString('hex');
	}

	spawn(name, file, args, env = {}) {
		const log = path.join(this.dir, `${name}.log`);
		const fd = fs.openSync(log, 'a');
		const child = spawn(file, args, {
			stdio: ['ignore', fd, fd],
			env: { ...process.env, ...env },
		});
		fs.closeSync(fd);
		const rec = { name, child, log, exit: null };
		child.on('exit', (code, signal) => { rec.exit = { code, signal }; });
		child.on('error', (e) => { rec.exit = { error: e.message }; });
		this.procs.push(rec);
		return rec;
	}

	get pids() {
		return this.procs.filter((p) => !p.exit).map((p) => p.child.pid);
	}

	alive(rec) {
		if (rec.exit) throw new Error(`${rec.name} exited (${JSON.stringify(rec.exit)}): ${this.tail(rec)}`);
		return true;
	}

	tail(rec) {
		try {
			return fs.readFileSync(rec.log, 'utf8').split('\n').slice(-15).join('\n');
		} catch {
			return '';
		}
	}

	async startRedis() {
		this.redisSock = path.join(this.dir, 'redis.sock');
		const rec = this.spawn('redis', 'redis-server', [
			'--port', '0', '--unixsocket', this.redisSock, '--unixsocketperm', '700',
			'--dir', this.dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no',
			'--loglevel', 'warning',
		]);
		await waitFor(() => this.alive(rec) && fs.existsSync(this.redisSock), 10000, 'redis-server');
		await sleep(100);
	}

	async stop() {
		// Children of our processes (the gateway's workers): checked
		// after their parents are gone.
		const kids = descendants(this.pids).filter((p) => !this.pids.includes(p));
		// Servers first, Redis last.
		const order = [...this.procs].reverse();
		for (const rec of order) {
			if (rec.exit) continue;
			rec.child.kill('SIGTERM');
			const end = Date.now() + 12000;
			while (!rec.exit && Date.now() < end) await sleep(50);
			if (!rec.exit) {
				rec.child.kill('SIGKILL');
				const end2 = Date.now() + 2000;
				while (!rec.exit && Date.now() < end2) await sleep(50);
			}
		}
		for (const pid of kids) {
			if (!alivePid(pid)) continue;
			await sleep(500);
			if (!alivePid(pid)) continue;
			console.error(`bench: ${this.name}: pid ${pid} outlived its parent; killed`);
			try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
		}
		if (!process.env.CONFAB_KEEP_TMP) fs.rmSync(this.dir, { recursive: true, force: true });
	}
}

async function startConfab(args) {
	const s = new Stack('confab');
	try {
		await s.startRedis();
		s.port = await freePort();
		s.conf = path.join(s.dir, 'confab.conf');
		const conf = {
			log_level: 'notice',
			redis_address: s.redisSock,
			key_prefix: 'bench:',
			presence_address: `ipc://${s.dir}/presence.sock`,
			queue_address: `ipc://${s.dir}/queue.sock`,
			ai_address: `ipc://${s.dir}/ai.sock`,
			jwt_algorithm: 'HS256',
			jwt_secret: s.secret,
			gateway_listen: `127.0.0.1:${s.port}`,
			gateway_id: 'bench',
			gateway_workers: args.workers,
			// One generator on one loopback address is not a hostile
			// client: the per-address and per-socket limits are off.
			max_connections_per_ip: 0,
			rate_limit_chat_per_minute: 0,
			rate_limit_events_per_minute: 0,
		};
		fs.writeFileSync(s.conf, Object.entries(conf).map(([k, v]) => `${k} ${v}\n`).join(''), { mode: 0o600 });
		const svcs = ['presence', 'queue', 'ai'].map((n) =>
			s.spawn(n, path.join(args.serverBin, `confab-${n}`), ['-c', s.conf]));
		// Socket files only: never connect to an NNG listener to probe it
		// (NNG 1.5.2, nanomsg/nng#1518; see the README).
		for (const n of ['presence', 'queue', 'ai'])
			await waitFor(() => svcs.every((r) => s.alive(r)) && fs.existsSync(`${s.dir}/${n}.sock`),
			    10000, `confab-${n}`);
		const gw = s.spawn('gateway', path.join(args.serverBin, 'confab-gateway'), ['-c', s.conf]);
		await waitFor(async () => s.alive(gw) && (await canConnect(s.port)) &&
		    (await readyz(s.port)), 15000, 'confab-gateway /readyz');
		s.target = `127.0.0.1:${s.port}`;
		s.auth = ['-c', s.conf];
		return s;
	} catch (e) {
		await s.stop();
		throw e;
	}
}

/* GET /readyz on a connection of its own, closed afterwards. */
function readyz(port) {
	return new Promise((resolve) => {
		const req = http.get({ host: '127.0.0.1', port, path: '/readyz', agent: false,
			headers: { Connection: 'close' }, timeout: 1000 }, (res) => {
			res.resume();
			resolve(res.statusCode === 200);
		});
		req.on('timeout', () => req.destroy());
		req.on('error', () => resolve(false));
	});
}

function ensurePeerModules() {
	const dir = path.join(HERE, 'peer');
	const stamp = path.join(dir, 'node_modules', '.confab-lock.sha256');
	const want = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, 'package-lock.json'))).digest('hex');
	let have = '';
	try { have = fs.readFileSync(stamp, 'utf8'); } catch { /* none */ }
	if (have === want) return;
	console.error('bench: npm ci in bench/peer');
	execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
	fs.writeFileSync(stamp, want);
}

async function startPeer(args, withRedis) {
	const s = new Stack(withRedis ? 'sio-redis' : 'sio-mem');
	try {
		if (withRedis) await s.startRedis();
		s.port = await freePort();
		const node = s.spawn('peer', process.execPath, [path.join(HERE, 'peer', 'server.mjs')], {
			PORT: String(s.port), SECRET: s.secret, REDIS: withRedis ? s.redisSock : '',
		});
		await waitFor(() => s.alive(node) && fs.readFileSync(node.log, 'utf8').includes('listening'),
		    15000, 'the Socket.IO peer');
		s.target = `127.0.0.1:${s.port}`;
		s.auth = ['--secret', s.secret];
		return s;
	} catch (e) {
		await s.stop();
		throw e;
	}
}

/* Runs confab-bench --json; resolves with its JSON lines and exit code. */
function runGen(args, stack, genArgs, limitS) {
	return new Promise((resolve, reject) => {
		const argv = [...stack.auth, '--label', stack.name, '--json',
			...stack.pids.flatMap((p) => ['--pid', String(p)]), ...genArgs, stack.target];
		const child = spawn(path.join(args.bin, 'confab-bench'), argv, { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '', err = '';
		child.stdout.on('data', (d) => { out += d; });
		child.stderr.on('data', (d) => { err += d; process.stderr.write(d); });
		const timer = setTimeout(() => child.kill('SIGKILL'), limitS * 1000);
		child.on('error', reject);
		child.on('exit', (code, signal) => {
			clearTimeout(timer);
			const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
			if (signal) return reject(new Error(`confab-bench killed by ${signal} (time limit ${limitS} s)`));
			resolve({ code, lines, err });
		});
	});
}

function makers(args) {
	const all = {
		'confab': () => startConfab(args),
		'sio-redis': () => startPeer(args, true),
		'sio-mem': () => startPeer(args, false),
	};
	const names = args.only || Object.keys(all);
	return names.map((n) => {
		if (!all[n]) throw new Error(`unknown server ${n} (confab, sio-redis, sio-mem)`);
		return [n, all[n]];
	});
}

/* Starts a fresh server, runs one generator invocation, stops it. */
async function scenario(args, make, genArgs, limitS) {
	const stack = await make();
	try {
		await sleep(500);
		return await runGen(args, stack, genArgs, limitS);
	} finally {
		await stack.stop();
	}
}

async function smoke(args) {
	const stack = await startConfab(args);
	let r;
	try {
		r = await runGen(args, stack, ['--conns', '8', '--conv-size', '2', '--rates', '50',
			'--duration', '2', '--drain', '3', '--connect-timeout', '10', '--strict'], 60);
	} finally {
		await stack.stop();
	}
	const l = r.lines.find((x) => x.kind === 'load');
	if (r.code !== 0 || !l || l.sent === 0 || l.delivered !== l.expected || l.acked !== l.sent || l.ready !== 8) {
		console.log(`bench-smoke: FAILED (exit ${r.code}): ${l ? `${l.ready} connected, sent ${l.sent}, acked ${l.acked}, delivered ${l.delivered} of ${l.expected}` : 'no result'}; ${r.err.trim().split('\n').pop() || ''}`);
		process.exit(1);
	}
	console.log(`bench-smoke: ok: 8 connections, ${l.sent} messages sent, ${l.acked} acked, ${l.delivered} delivered + ${l.echoes} echoes, p99 ${l.p99_ms.toFixed(2)} ms`);
}

/* Whether pid is a live process (not a zombie). */
function alivePid(pid) {
	try {
		const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return !/^[ZX]/.test(st.slice(st.lastIndexOf(')') + 2));
	} catch {
		return false;
	}
}

/* pids and all their descendants, from /proc. */
function descendants(pids) {
	const seen = new Set();
	const walk = (pid) => {
		if (seen.has(pid)) return;
		seen.add(pid);
		let tasks = [];
		try { tasks = fs.readdirSync(`/proc/${pid}/task`); } catch { return; }
		for (const t of tasks) {
			let kids = '';
			try { kids = fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8'); } catch { /* gone */ }
			for (const k of kids.trim().split(/\s+/)) if (k) walk(Number(k));
		}
	};
	pids.forEach(walk);
	return [...seen];
}

/* Sum of VmRSS (KiB) of pids and their descendants. */
function rssKiB(pids) {
	let sum = 0;
	const seen = descendants(pids);
	for (const pid of seen) {
		try {
			const m = /VmRSS:\s*(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
			if (m) sum += Number(m[1]);
		} catch { /* gone */ }
	}
	return sum;
}

/*
 * --many N: N idle connections to one confab gateway.  A process may
 * hold at most `ulimit -Hn` descriptors (20,000 here), so the gateway
 * gets one worker per 16,000 connections and as many generator
 * processes run side by side, from 16 loopback source addresses, each
 * conversation (two sockets of one customer) in an org of its own so
 * that no presence-change fans out across customers.
 */
async function many(args) {
	const per = 16000;
	const n = Math.ceil(args.many / per);
	const each = Math.ceil(args.many / n);
	const stack = await startConfab({ ...args, workers: n });
	try {
		await sleep(1000);
		const base = rssKiB(stack.pids);
		const t0 = Date.now();
		const runs = [];
		for (let i = 0; i < n; i++)
			runs.push(runGen(args, stack, ['--idle', String(each), '--orgs', String(Math.ceil(each / 2)),
				'--org', `m${i}`, '--src-addrs', '16', '--settle', '30', '--parallel', '128',
				'--connect-timeout', '240'], 400));
		const res = await Promise.all(runs);
		const lines = res.map((r) => r.lines.find((l) => l.kind === 'idle')).filter(Boolean);
		const ready = lines.reduce((a, l) => a + l.ready, 0);
		const top = lines.reduce((a, l) => (l.rss_kib > a.rss_kib ? l : a), lines[0]);
		const slow = Math.max(...lines.map((l) => l.connect_s));
		const perConn = ((top.rss_kib - base) * 1024) / ready;
		const gw = top.procs.filter((p) => p.comm === 'confab-gateway');
		console.log(`many: ${ready.toLocaleString('en-US')} of ${(each * n).toLocaleString('en-US')} idle connections ` +
			`held by one gateway (${n} workers, ${n} generator processes) in ${slow.toFixed(1)} s; server RSS ` +
			`${(base / 1024).toFixed(0)} -> ${(top.rss_kib / 1024).toFixed(0)} MiB (all processes): ` +
			`${(perConn / 1024).toFixed(1)} KiB per connection; gateway workers ` +
			`${(gw.reduce((a, p) => a + p.rss_kib, 0) / 1024).toFixed(0)} MiB; ` +
			top.procs.filter((p) => p.comm !== 'confab-gateway').map((p) => `${p.comm} ${(p.rss_kib / 1024).toFixed(0)} MiB`).join(', ') +
			`; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
		if (ready < each * n) process.exitCode = 1;
	} finally {
		await stack.stop();
	}
}

/*
 * --serve NAME: starts one server as the benchmark would and prints how
 * to drive it, then waits for Ctrl-C (for profiling by hand).
 */
async function serve(args) {
	const [[, make]] = makers({ ...args, only: [args.serve] });
	if (args.serve.startsWith('sio')) ensurePeerModules();
	const stack = await make();
	const procs = stack.procs.map((p) => `${p.name}=${p.child.pid}`).join(' ');
	console.log(`${args.serve} on ${stack.target} (logs in ${stack.dir}); processes: ${procs}`);
	console.log(`drive it: ${path.join(args.bin, 'confab-bench')} ${stack.auth.join(' ')} ` +
		`${stack.pids.map((p) => `--pid ${p}`).join(' ')} --conns 1000 --rates 5000 ${stack.target}`);
	await new Promise((resolve) => {
		process.on('SIGINT', resolve);
		process.on('SIGTERM', resolve);
	});
	await stack.stop();
}

const fmt = (v, d = 1) => (v === undefined || v === null || Number.isNaN(v) ? '—' :
	Number(v).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

function table(results, names, info) {
	const rows = [];
	const get = (n, key) => results[n] && results[n][key];
	const add = (label, key, f, d, better = 'lower') => {
		const vals = names.map((n) => { const x = get(n, key); return x ? f(x) : undefined; });
		const base = vals[0];
		const ratios = vals.slice(1).map((v) => (base && v !== undefined ?
			(better === 'lower' ? v / base : base / v) : undefined));
		rows.push([label, ...vals.map((v) => fmt(v, d)), ...ratios.map((r) => (r === undefined ? '—' : `${fmt(r, 1)}×`))]);
	};
	for (const n of info.idle) {
		add(`idle ${n.toLocaleString('en-US')}: server memory per connection, KiB`, `idle${n}`, (x) => x.bytes_per_conn / 1024, 2);
		add(`idle ${n.toLocaleString('en-US')}: server RSS, MiB (all processes)`, `idle${n}`, (x) => x.rss_kib / 1024, 1);
		add(`idle ${n.toLocaleString('en-US')}: connected`, `idle${n}`, (x) => x.ready, 0, 'higher');
	}
	const last = info.idle[info.idle.length - 1].toLocaleString('en-US');
	add(`idle ${last}: connect time, s`, `idle${info.idle[info.idle.length - 1]}`, (x) => x.connect_s, 1);
	add(`idle ${last}, one org per conversation: memory per connection, KiB`, 'idleOrgs', (x) => x.bytes_per_conn / 1024, 2);
	add(`idle ${last}, one org per conversation: connect time, s`, 'idleOrgs', (x) => x.connect_s, 1);
	for (const rate of info.rates) {
		const k = `load${rate}`;
		const p = `${rate.toLocaleString('en-US')} msg/s`;
		add(`${p}: server CPU µs per message`, k, (x) => x.us_per_msg, 1);
		add(`${p}: server CPU µs per delivery`, k, (x) => x.us_per_delivery, 1);
		add(`${p}: server CPU, % of one core`, k, (x) => (x.server_cpu_s / x.secs) * 100, 0);
		add(`${p}: latency p50, ms`, k, (x) => x.p50_ms, 2);
		add(`${p}: latency p99, ms`, k, (x) => x.p99_ms, 2);
		add(`${p}: latency max, ms`, k, (x) => x.max_ms, 1);
		add(`${p}: ack p99, ms`, k, (x) => x.ack_p99_ms, 2);
		add(`${p}: peak server RSS, MiB`, k, (x) => x.peak_rss_kib / 1024, 0);
		add(`${p}: lost + unacked`, k, (x) => x.lost + x.unacked + x.ack_errors, 0, 'none');
		add(`${p}: generator busy %`, k, (x) => x.gen_busy_pct, 0, 'none');
	}
	add('highest rate with p99 < 50 ms, msg/s', 'max', (x) => x.rate, 0, 'higher');
	add('  its p99, ms', 'max', (x) => x.p99_ms, 2, 'none');
	add('  server CPU µs per delivery there', 'max', (x) => x.us_per_delivery, 1);
	add('  generator busy % there', 'max', (x) => x.gen_busy_pct, 0, 'none');
	const head = ['figure', ...names, ...names.slice(1).map((n) => `${n} ÷ confab`)];
	// Ratios make no sense for counts and the generator's own figures.
	for (const r of rows)
		if (/lost|generator|its p99/.test(r[0]))
			for (let i = 1 + names.length; i < r.length; i++) r[i] = '';
	const lines = [head, head.map(() => '---'), ...rows];
	return lines.map((r) => `| ${r.join(' | ')} |`).join('\n');
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	if (!fs.existsSync(path.join(args.bin, 'confab-bench'))) throw new Error(`${args.bin}/confab-bench missing`);
	if (args.smoke) return smoke(args);
	if (args.serve) return serve(args);
	if (args.many) return many(args);
	const list = makers(args);
	if (list.some(([n]) => n.startsWith('sio'))) ensurePeerModules();
	const names = list.map(([n]) => n);
	const q = args.quick;
	const info = {
		idle: q ? [1000] : [1000, 10000],
		rates: [1000, 5000],
		ramp: q ? [2000, 5000, 10000] : [2000, 4000, 6000, 8000, 10000, 12000, 15000, 20000, 25000, 30000],
		dur: q ? 4 : 10,
		rampDur: q ? 3 : 5,
	};
	const results = {};
	const t0 = Date.now();
	for (const [name, make] of list) {
		const res = (results[name] = {});
		console.error(`bench: ${name}: idle ${info.idle.join(', ')}`);
		let r = await scenario(args, make, ['--idle', info.idle.join(','), '--settle', '3',
			'--connect-timeout', '120'], 400);
		for (const l of r.lines) if (l.kind === 'idle') res[`idle${l.conns}`] = l;
		// The same, with every conversation in an org of its own: no
		// presence-change fan-out across customers.
		const n = info.idle[info.idle.length - 1];
		console.error(`bench: ${name}: idle ${n}, one org per conversation`);
		r = await scenario(args, make, ['--idle', String(n), '--orgs', String(n / 2), '--settle', '3',
			'--connect-timeout', '120'], 300);
		for (const l of r.lines) if (l.kind === 'idle') res.idleOrgs = l;
		console.error(`bench: ${name}: 1,000 clients, conversations of 2, ${info.rates.join(', ')} msg/s`);
		r = await scenario(args, make, ['--conns', '1000', '--conv-size', '2', '--rates', info.rates.join(','),
			'--duration', String(info.dur), '--drain', '5', '--warmup', '2'], 200);
		for (const l of r.lines) if (l.kind === 'load') res[`load${l.rate}`] = l;
		console.error(`bench: ${name}: ramp ${info.ramp.join(', ')} msg/s, ${info.rampDur} s each, until p99 >= 50 ms`);
		r = await scenario(args, make, ['--conns', '1000', '--conv-size', '2', '--rates', info.ramp.join(','),
			'--duration', String(info.rampDur), '--drain', '5', '--stop-p99', '50', '--retries', '1', '--warmup', '2'], 400);
		const ok = r.lines.filter((l) => l.kind === 'load' && l.lost === 0 && l.unacked === 0 &&
			l.ack_errors === 0 && l.achieved >= 0.95 * l.rate && l.p99_ms < 50);
		if (ok.length) res.max = ok.reduce((a, b) => (b.rate > a.rate ? b : a));
		res.ramp = r.lines;
		for (const l of r.lines)
			console.error(`bench: ${name}: ramp ${l.rate}/s: achieved ${l.achieved.toFixed(0)}, p99 ${l.p99_ms} ms, lost ${l.lost}, unacked ${l.unacked}, generator busy ${l.gen_busy_pct}%`);
	}
	const secs = ((Date.now() - t0) / 1000).toFixed(0);
	const cpu = os.cpus()[0] ? os.cpus()[0].model : 'unknown CPU';
	console.log(`\nconfab benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${cpu}, ` +
		`${os.type()} ${os.release()}, node ${process.version}, ${secs} s`);
	console.log(`confab: gateway_workers ${args.workers}; sio-*: Socket.IO 4.8.4, one Node process; ` +
		'conversations of 2 = two sockets of one customer identity (each message: 1 delivery to the other socket, ' +
		'1 echo to the sender; "delivery" counts both); all server processes incl. Redis summed\n');
	console.log(table(results, names, info));
	// Which process took what, at the highest fixed rate.
	const k = `load${info.rates[info.rates.length - 1]}`;
	console.log(`\nserver CPU by process at ${info.rates[info.rates.length - 1].toLocaleString('en-US')} msg/s ` +
		'(µs per message), and RSS by process after the last idle step (MiB):');
	for (const n of names) {
		const l = results[n] && results[n][k];
		const idle = results[n] && results[n][`idle${info.idle[info.idle.length - 1]}`];
		const cpu = l ? l.procs.filter((p) => p.cpu_s > 0).map((p) =>
			`${p.comm} ${fmt((p.cpu_s * 1e6) / l.sent, 0)}`).join(', ') : '—';
		const mem = idle ? idle.procs.map((p) => {
			const b = idle.base_procs.find((q) => q.pid === p.pid);
			return `${p.comm} ${fmt(p.rss_kib / 1024, 1)}${b ? ` (+${fmt((p.rss_kib - b.rss_kib) / 1024, 1)})` : ''}`;
		}).join(', ') : '—';
		console.log(`- ${n}: CPU: ${cpu}; RSS: ${mem}`);
	}
	if (args.json) fs.writeFileSync(args.json, JSON.stringify({ info, results }, null, 1));
}

main().catch((e) => {
	console.error(`bench: ${e.stack || e.message}`);
	process.exit(1);
});
