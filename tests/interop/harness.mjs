// Test harness: starts a private confab stack (redis-server on a unix
// socket, confab-presence, confab-queue, confab-ai, confab-gateway with
// two workers) in a temp dir of its own, and gives the tests helpers to
// connect the stock socket.io-client, make tokens, query Redis, and
// kill or restart single processes.
//
// Every test file starts its own stack, so files may run in parallel.
// Every wait is bounded.  Binaries come from $CONFAB_BIN (default: the
// repository's bin/).  Set CONFAB_KEEP_TMP=1 to keep the temp dirs.

import { spawn, execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import WebSocket from 'ws';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const BIN = path.resolve(ROOT, process.env.CONFAB_BIN || 'bin');

export const SERVICES = ['presence', 'queue', 'ai'];
const PROGRAM = {
	presence: 'confab-presence',
	queue: 'confab-queue',
	ai: 'confab-ai',
	gateway: 'confab-gateway',
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// For races: resolves with null, does not keep the process alive.
const delay = (ms) => new Promise((r) => setTimeout(() => r(null), ms).unref());

/** A TCP port that was free a moment ago (listen on 0, close). */
export function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

/** An error that ends waitUntil at once. */
export function fatal(message) {
	const e = new Error(message);
	e.fatal = true;
	return e;
}

/** Polls fn until it returns a truthy value; throws after ms, or at once on a fatal() error. */
export async function waitUntil(fn, ms, what = 'condition', every = 50) {
	const deadline = Date.now() + ms;
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last) return last;
		} catch (e) {
			if (e && e.fatal) throw e;
			last = e;
		}
		if (Date.now() >= deadline) {
			const why = last instanceof Error ? `: ${last.message}` : '';
			throw new Error(`timed out after ${ms} ms waiting for ${what}${why}`);
		}
		await sleep(every);
	}
}

/**
 * Resolves with the arguments of the next `event` on emitter (a
 * socket.io-client socket or any EventEmitter-like object), as an array
 * if there are several; rejects after ms.
 */
export function waitEvent(emitter, event, ms = 5000) {
	return new Promise((resolve, reject) => {
		const on = (...args) => {
			clearTimeout(timer);
			resolve(args.length > 1 ? args : args[0]);
		};
		const timer = setTimeout(() => {
			emitter.off(event, on);
			reject(new Error(`no '${event}' within ${ms} ms`));
		}, ms);
		emitter.once(event, on);
	});
}

/** Resolves once a socket.io-client socket is connected; rejects on connect_error. */
export function whenConnected(socket, ms = 5000) {
	if (socket.connected) return Promise.resolve(socket);
	return new Promise((resolve, reject) => {
		const done = (err) => {
			clearTimeout(timer);
			socket.off('connect', ok);
			socket.off('connect_error', bad);
			err ? reject(err) : resolve(socket);
		};
		const ok = () => done();
		const bad = (err) => done(err);
		const timer = setTimeout(() => done(new Error(`not connected within ${ms} ms`)), ms);
		socket.on('connect', ok);
		socket.on('connect_error', bad);
	});
}

/** Resolves with the error of the next connect_error; rejects if the socket connects. */
export function whenRefused(socket, ms = 5000) {
	return new Promise((resolve, reject) => {
		const done = (fn, v) => {
			clearTimeout(timer);
			socket.off('connect', ok);
			socket.off('connect_error', bad);
			fn(v);
		};
		const ok = () => done(reject, new Error(`connected (socket.id ${socket.id}) but should have been refused`));
		const bad = (err) => done(resolve, err);
		const timer = setTimeout(() => done(reject, new Error(`neither connect nor connect_error within ${ms} ms`)), ms);
		socket.on('connect', ok);
		socket.on('connect_error', bad);
	});
}

/** The gateway worker slot of a connected socket.io-client socket. */
export function workerSlot(socket) {
	const id = socket.io.engine && socket.io.engine.id;
	const m = /\.(\d+)$/.exec(id || '');
	if (!m) throw new Error(`Engine.IO sid ${JSON.stringify(id)} has no ".<slot>" suffix`);
	return Number(m[1]);
}

// ---- JWT (HS256), for tokens confabctl will not make ----

const b64u = (x) => Buffer.from(x).toString('base64url');

export function signJwt(payload, secret, header = { alg: 'HS256', typ: 'JWT' }) {
	const head = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
	if (header.alg === 'none') return `${head}.`;
	const sig = crypto.createHmac('sha256', secret).update(head).digest('base64url');
	return `${head}.${sig}`;
}

export function decodeJwt(token) {
	const [h, p] = token.split('.');
	return {
		header: JSON.parse(Buffer.from(h, 'base64url').toString()),
		payload: JSON.parse(Buffer.from(p, 'base64url').toString()),
	};
}

// ---- processes ----

function execFileP(file, args, opts = {}) {
	return new Promise((resolve, reject) => {
		execFile(file, args, { timeout: 10000, maxBuffer: 16 << 20, ...opts }, (err, stdout, stderr) => {
			if (err) {
				err.message += `\nstdout: ${stdout}\nstderr: ${stderr}`;
				reject(err);
			} else {
				resolve(stdout);
			}
		});
	});
}

function tail(file, lines = 40) {
	try {
		const text = fs.readFileSync(file, 'utf8');
		return text.split('\n').slice(-lines - 1).join('\n');
	} catch (e) {
		return `(cannot read ${file}: ${e.message})`;
	}
}

const SANITIZER_RE = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)Sanitizer)/;

let stackSeq = 0;

export class Stack {
	/**
	 * Starts a complete stack.  opts.name labels the temp dir and the
	 * logs; opts.config adds or overrides config keys.
	 */
	static async start(opts = {}) {
		const s = new Stack(opts);
		try {
			await s._start();
		} catch (e) {
			s.dumpLogs(`stack start failed: ${e.message}`);
			await s.stop({ quiet: true });
			throw e;
		}
		return s;
	}

	constructor(opts) {
		this.name = opts.name || 'stack';
		this.extraConfig = opts.config || {};
		this.redisAof = Boolean(opts.redisAof);	// appendonly yes, everysec
		this.redisTcp = Boolean(opts.redisTcp);	// also a loopback TCP port
		this.procs = new Map();	// name -> record
		this.sockets = new Set();
		this.rawClients = new Set();
		this.dead = [];		// processes that exited without being told to
		this.stopped = false;
		this.seenWorkers = new Set();
	}

	async _start() {
		for (const p of [...Object.values(PROGRAM), 'confabctl']) {
			const f = path.join(BIN, p);
			if (!fs.existsSync(f)) throw new Error(`${f} missing (build first, or set CONFAB_BIN)`);
		}
		this.dir = await fsp.mkdtemp(path.join(os.tmpdir(), `confab-${this.name}-`));
		this.redisSock = path.join(this.dir, 'redis.sock');
		this.port = await freePort();
		this.url = `http://127.0.0.1:${this.port}`;
		this.secret = crypto.randomBytes(32).toString('hex');
		this.prefix = `it${process.pid}x${++stackSeq}x${crypto.randomBytes(3).toString('hex')}:`;
		this.config = {
			log_level: 'info',
			redis_address: this.redisSock,
			key_prefix: this.prefix,
			presence_address: `ipc://${this.dir}/presence.sock`,
			queue_address: `ipc://${this.dir}/queue.sock`,
			ai_address: `ipc://${this.dir}/ai.sock`,
			nng_timeout_ms: 3000,
			jwt_algorithm: 'HS256',
			jwt_secret: this.secret,
			gateway_listen: `127.0.0.1:${this.port}`,
			gateway_id: `it-${this.name}`,
			gateway_workers: 2,
			ping_interval_ms: 1000,
			ping_timeout_ms: 1000,
			max_payload: 100000,
			shutdown_grace_ms: 2000,
			...this.extraConfig,
		};
		this.maxPayload = Number(this.config.max_payload);
		this.confPath = path.join(this.dir, 'confab.conf');
		await this.writeConfig();

		await this.startRedis();
		await Promise.all(SERVICES.map((s) => this.startService(s)));
		// The free port may be taken between freePort() and the bind:
		// then try another one.
		for (let attempt = 1; ; attempt++) {
			try {
				await this.startService('gateway');
				break;
			} catch (e) {
				const rec = this.procs.get('gateway');
				if (attempt >= 3 || !rec || !rec.exit || !/in use/i.test(this.logText('gateway')))
					throw e;
				this.dead = this.dead.filter((d) => !d.startsWith('gateway '));
				this.port = await freePort();
				this.url = `http://127.0.0.1:${this.port}`;
				this.config.gateway_listen = `127.0.0.1:${this.port}`;
				await this.writeConfig();
			}
		}
	}

	writeConfig() {
		return fsp.writeFile(this.confPath,
		    Object.entries(this.config).map(([k, v]) => `${k} ${v}\n`).join(''), { mode: 0o600 });
	}

	_spawn(name, file, args) {
		const log = path.join(this.dir, `${name}.log`);
		const fd = fs.openSync(log, 'a');
		const env = { ...process.env };
		// Integration processes get SIGKILLed on purpose: no leak reports.
		env.ASAN_OPTIONS = env.ASAN_OPTIONS || 'detect_leaks=0:abort_on_error=1';
		const child = spawn(file, args, { stdio: ['ignore', fd, fd], env });
		fs.closeSync(fd);
		const rec = { name, file, args, child, pid: child.pid, log, expectExit: false, exit: null };
		rec.exited = new Promise((resolve) => {
			child.on('exit', (code, signal) => {
				rec.exit = { code, signal };
				if (!rec.expectExit && !this.stopped)
					this.dead.push(`${name} (pid ${rec.pid}) exited by itself: code=${code} signal=${signal}`);
				resolve(rec.exit);
			});
			child.on('error', (err) => {
				rec.exit = { code: null, signal: null, error: err };
				this.dead.push(`${name}: spawn failed: ${err.message}`);
				resolve(rec.exit);
			});
		});
		this.procs.set(name, rec);
		return rec;
	}

	async startRedis() {
		if (this.redisTcp && !this.redisPort) this.redisPort = await freePort();
		const rec = this._spawn('redis', 'redis-server', [
			'--port', String(this.redisPort || 0), '--bind', '127.0.0.1', '--unixsocket', this.redisSock, '--unixsocketperm', '700',
			'--dir', this.dir, '--save', '', '--appendonly', this.redisAof ? 'yes' : 'no',
			'--appendfsync', 'everysec', '--daemonize', 'no',
		]);
		await waitUntil(async () => {
			if (rec.exit) throw fatal(`redis-server exited: ${JSON.stringify(rec.exit)}`);
			return (await this.redis('PING').catch(() => '')).trim() === 'PONG';
		}, 10000, 'redis-server to answer PING');
	}

	/** Starts (or restarts) presence | queue | ai | gateway and waits until it is ready. */
	async startService(name) {
		const old = this.procs.get(name);
		if (old && !old.exit) throw new Error(`${name} is still running (pid ${old.pid})`);
		const rec = this._spawn(name, path.join(BIN, PROGRAM[name]), ['-c', this.confPath]);
		if (name === 'gateway') {
			await waitUntil(async () => {
				if (rec.exit) throw fatal(`confab-gateway exited: ${JSON.stringify(rec.exit)}`);
				return (await this.workerPids()).length === Number(this.config.gateway_workers) &&
				    (await canConnect(this.port));
			}, 15000, 'the gateway to listen with all its workers');
		} else {
			const sock = this.config[`${name}_address`].replace(/^ipc:\/\//, '');
			await waitUntil(() => {
				if (rec.exit) throw fatal(`${PROGRAM[name]} exited: ${JSON.stringify(rec.exit)}`);
				return isListeningUnix(sock, rec.pid);
			}, 10000, `${PROGRAM[name]} to listen on ${sock}`);
		}
		return rec;
	}

	pid(name) {
		const rec = this.procs.get(name);
		return rec && !rec.exit ? rec.pid : null;
	}

	/** Sends signal to a process and waits (bounded) for it to exit. */
	async kill(name, signal = 'SIGKILL', ms = 10000) {
		const rec = this.procs.get(name);
		if (!rec || rec.exit) throw new Error(`${name} is not running`);
		rec.expectExit = true;
		rec.child.kill(signal);
		const res = await Promise.race([rec.exited, delay(ms)]);
		if (!res) throw new Error(`${name} (pid ${rec.pid}) did not exit within ${ms} ms of ${signal}`);
		return res;
	}

	async restart(name, signal = 'SIGKILL') {
		await this.kill(name, signal);
		if (name === 'gateway') {
			// The killed master's workers drain, then free the port.
			await waitUntil(async () => !(await canConnect(this.port)), 15000,
			    'the old gateway workers to let go of the port');
		}
		return this.startService(name);
	}

	/** Stops Redis gracefully (AOF flushed) and starts it on the same data. */
	async restartRedis() {
		await this.kill('redis', 'SIGTERM');
		await this.startRedis();
	}

	/** Pids of the gateway master's children (its workers), sorted. */
	async workerPids() {
		const master = this.pid('gateway');
		if (!master) return [];
		const pids = new Set();
		let tasks = [];
		try {
			tasks = await fsp.readdir(`/proc/${master}/task`);
		} catch {
			return [];
		}
		for (const t of tasks) {
			try {
				const text = await fsp.readFile(`/proc/${master}/task/${t}/children`, 'utf8');
				for (const p of text.trim().split(/\s+/)) if (p) pids.add(Number(p));
			} catch { /* the task ended */ }
		}
		// Only live, non-zombie children count.
		const live = [];
		for (const p of pids) {
			try {
				const stat = await fsp.readFile(`/proc/${p}/stat`, 'utf8');
				const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
				if (state !== 'Z' && state !== 'X') live.push(p);
			} catch { /* gone */ }
		}
		for (const p of live) this.seenWorkers.add(p);
		return live.sort((a, b) => a - b);
	}

	/**
	 * A connected socket on gateway worker slot (at most 40 tries; the
	 * others are closed).  prepare(socket) runs before it connects, to
	 * attach listeners.
	 */
	async connectOn(slot, opts, prepare = (s) => s) {
		for (let i = 0; i < 40; i++) {
			const s = prepare(this.socket(opts));
			await whenConnected(s);
			if (workerSlot(s) === slot) return s;
			s.close();
		}
		throw new Error(`no connection landed on worker ${slot}`);
	}

	/** The pid of worker slot, from presence-svc's registry of workers. */
	async workerPidOf(slot) {
		const v = (await this.redis('HGET', `${this.prefix}chat-gw:{#}:workers`, `it-${this.name}:${slot}`)).trim();
		const pid = Number(v.split(' ')[0]);
		if (!(pid > 0) || !(await this.workerPids()).includes(pid))
			throw new Error(`worker ${slot}: registry entry ${JSON.stringify(v)} is no live worker`);
		return pid;
	}

	/** A token made by confabctl. */
	async token({ org = 'demo', role = 'customer', email = 'customer@example.com', name, ttl } = {}) {
		const args = ['-c', this.confPath, 'token', '--org', org, '--role', role, '--email', email];
		if (name !== undefined) args.push('--name', name);
		if (ttl !== undefined) args.push('--ttl', String(ttl));
		const out = (await execFileP(path.join(BIN, 'confabctl'), args)).trim();
		if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(out)) throw new Error(`confabctl token printed ${JSON.stringify(out)}`);
		return out;
	}

	/** A socket.io-client socket (not waited for); closed by stop(). */
	socket({ token, orgId = 'demo', ns = '/chat', auth, ...opts } = {}) {
		const s = io(this.url + ns, {
			transports: ['websocket'],
			auth: auth !== undefined ? auth : { token, orgId },
			reconnectionDelay: 100,
			reconnectionDelayMax: 500,
			randomizationFactor: 0.2,
			timeout: 5000,
			forceNew: true,
			...opts,
		});
		this.sockets.add(s);
		return s;
	}

	/** A connected socket.io-client socket; rejects with the connect_error. */
	async connect(opts = {}, ms = 5000) {
		const s = this.socket(opts);
		try {
			return await whenConnected(s, ms);
		} catch (e) {
			s.close();
			throw e;
		}
	}

	/** A raw `ws` client on the Engine.IO WebSocket endpoint (see RawClient). */
	async raw(ms = 5000) {
		const c = new RawClient(`ws://127.0.0.1:${this.port}/socket.io/?EIO=4&transport=websocket`);
		this.rawClients.add(c);
		await c.opened(ms);
		return c;
	}

	/** Runs redis-cli against this stack's Redis; resolves with stdout. */
	redis(...args) {
		return execFileP('redis-cli', ['-s', this.redisSock, ...args.map(String)], { timeout: 5000 });
	}

	/** The key of a conversation's message stream. */
	historyKey(chatId, org = 'demo') {
		return `${this.prefix}chat-history:{${org}}:${chatId}`;
	}

	async xlen(key) {
		const out = (await this.redis('XLEN', key)).trim();
		if (!/^\d+$/.test(out)) throw new Error(`XLEN ${key}: ${out}`);
		return Number(out);
	}

	logText(name) {
		const rec = this.procs.get(name);
		try {
			return rec ? fs.readFileSync(rec.log, 'utf8') : '';
		} catch {
			return '';
		}
	}

	/** Prints the last lines of every log to stderr. */
	dumpLogs(why = '') {
		if (!this.dir) return;
		const out = [`==== ${this.name}: ${why} (logs in ${this.dir})`];
		for (const rec of this.procs.values())
			out.push(`---- ${rec.name} (pid ${rec.pid}, exit ${JSON.stringify(rec.exit)}) ${rec.log}`, tail(rec.log));
		process.stderr.write(out.join('\n') + '\n');
	}

	/** Sanitizer reports and unexpected exits seen so far. */
	problems() {
		const found = [...this.dead];
		for (const rec of this.procs.values()) {
			const text = (() => { try { return fs.readFileSync(rec.log, 'utf8'); } catch { return ''; } })();
			const m = SANITIZER_RE.exec(text);
			if (m) found.push(`${rec.name}: sanitizer report in ${rec.log}: ${text.slice(m.index, m.index + 300)}`);
		}
		return found;
	}

	/**
	 * Wraps a test body: on failure prints the tails of the logs, then
	 * rethrows.  Usage: test('name', stack.wrap(async (t) => { ... })).
	 */
	wrap(fn) {
		return async (t) => {
			try {
				return await fn(t);
			} catch (e) {
				this.dumpLogs(`test "${t.name}" failed: ${e && e.message}`);
				throw e;
			}
		};
	}

	/**
	 * Stops everything: closes the clients, SIGTERMs the gateway and the
	 * services (SIGKILL after a grace period), stops Redis, removes the
	 * temp dir.  Throws if a process crashed or a sanitizer reported
	 * anything during the run.
	 */
	async stop({ quiet = false } = {}) {
		if (this.stopped) return;
		for (const s of this.sockets) s.close();
		for (const c of this.rawClients) c.terminate();
		const problems = this.problems();
		this.stopped = true;
		const order = ['gateway', ...SERVICES];
		await Promise.all(order.map(async (name) => {
			const rec = this.procs.get(name);
			if (!rec || rec.exit) return;
			rec.expectExit = true;
			rec.child.kill('SIGTERM');
			const res = await Promise.race([rec.exited, delay(5000)]);
			if (!res) {
				problems.push(`${name} (pid ${rec.pid}) ignored SIGTERM for 5 s; killed`);
				rec.child.kill('SIGKILL');
				await Promise.race([rec.exited, delay(2000)]);
			}
		}));
		// Workers that outlived their master.
		for (const pid of this.seenWorkers) {
			if (!isGatewayProcess(pid)) continue;
			await sleep(300);	// a worker may still be draining
			if (!isGatewayProcess(pid)) continue;
			problems.push(`gateway worker pid ${pid} still runs after its master exited; killed`);
			try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
		}
		const redis = this.procs.get('redis');
		if (redis && !redis.exit) {
			redis.expectExit = true;
			redis.child.kill('SIGKILL');
			await Promise.race([redis.exited, delay(2000)]);
		}
		for (const rec of this.procs.values()) {
			const text = (() => { try { return fs.readFileSync(rec.log, 'utf8'); } catch { return ''; } })();
			const m = SANITIZER_RE.exec(text);
			const line = m && `${rec.name}: sanitizer report in ${rec.log}: ${text.slice(m.index, m.index + 300)}`;
			if (line && !problems.some((p) => p.startsWith(`${rec.name}: sanitizer`))) problems.push(line);
		}
		if (problems.length && !quiet) this.dumpLogs(`problems: ${problems.join('; ')}`);
		if (this.dir && !process.env.CONFAB_KEEP_TMP && !(problems.length && process.env.CI))
			await fsp.rm(this.dir, { recursive: true, force: true });
		if (problems.length && !quiet)
			throw new Error(`confab processes misbehaved:\n  ${problems.join('\n  ')}`);
	}
}

function isGatewayProcess(pid) {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
		return state !== 'Z' && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('confab-gateway');
	} catch {
		return false;
	}
}

function canConnect(port, ms = 1000) {
	return new Promise((resolve) => {
		const c = net.connect(port, '127.0.0.1');
		const done = (ok) => {
			clearTimeout(timer);
			c.destroy();
			resolve(ok);
		};
		const timer = setTimeout(() => done(false), ms);
		c.on('connect', () => done(true));
		c.on('error', () => done(false));
	});
}

/*
 * Whether process pid listens on the unix socket at sockPath.  Read from
 * /proc, never by connecting: NNG 1.5 (Debian 12) has a bug where a peer
 * that disconnects during the SP handshake breaks the listener for good
 * (nanomsg/nng#1518).
 */
function isListeningUnix(sockPath, pid) {
	let table;
	try {
		table = fs.readFileSync('/proc/net/unix', 'utf8');
	} catch {
		return fs.existsSync(sockPath);
	}
	const inodes = new Set();
	for (const line of table.split('\n').slice(1)) {
		const f = line.trim().split(/\s+/);
		// Num RefCount Protocol Flags Type St Inode Path
		if (f.length >= 8 && f[7] === sockPath && (parseInt(f[3], 16) & 0x10000))
			inodes.add(f[6]);
	}
	if (inodes.size === 0) return false;
	try {
		for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
			const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
			if (m && inodes.has(m[1])) return true;
		}
	} catch { /* the process is gone */ }
	return false;
}

/**
 * An Engine.IO v4 client on a raw WebSocket (package `ws`): answers the
 * server's pings, queues every received text message, and records the
 * close code.  For sending bytes socket.io-client never would.
 */
export class RawClient {
	constructor(url) {
		this.url = url;
		this.ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 10 << 20 });
		this.queue = [];	// received messages, not yet taken
		this.all = [];		// every received message
		this.waiters = [];
		this.closed = null;	// { code, reason } once closed
		this.error = null;
		this.ws.on('message', (data, isBinary) => {
			const msg = isBinary ? data : data.toString();
			this.all.push(msg);
			if (msg === '2') {	// Engine.IO ping
				this.send('3');
				return;
			}
			this.queue.push(msg);
			this._wake();
		});
		this.ws.on('close', (code, reason) => {
			this.closed = { code, reason: reason.toString() };
			this._wake();
		});
		this.ws.on('error', (err) => {
			this.error = err;
			this._wake();
		});
	}

	_wake() {
		const w = this.waiters;
		this.waiters = [];
		for (const f of w) f();
	}

	send(text) {
		if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
	}

	/** Waits for the Engine.IO open packet; returns it parsed. */
	async opened(ms = 5000) {
		const msg = await this.next((m) => m.startsWith('0'), ms, 'the Engine.IO open packet');
		this.open = JSON.parse(msg.slice(1));
		return this.open;
	}

	/** The next received message matching pred (taken off the queue); throws after ms or on close. */
	next(pred = () => true, ms = 5000, what = 'a message') {
		const deadline = Date.now() + ms;
		return new Promise((resolve, reject) => {
			const check = () => {
				const i = this.queue.findIndex((m) => typeof m === 'string' && pred(m));
				if (i >= 0) {
					clearTimeout(timer);
					resolve(this.queue.splice(i, 1)[0]);
					return;
				}
				if (this.closed || this.error) {
					clearTimeout(timer);
					reject(new Error(`connection ${this.closed ? `closed (code ${this.closed.code} ${this.closed.reason})` : `failed (${this.error.message})`} while waiting for ${what}; received: ${JSON.stringify(this.all.slice(-10))}`));
					return;
				}
				if (Date.now() >= deadline) return;
				this.waiters.push(check);
			};
			const timer = setTimeout(() => {
				reject(new Error(`no ${what} within ${ms} ms; received: ${JSON.stringify(this.all.slice(-10))}`));
			}, ms);
			check();
		});
	}

	/** Resolves with { code, reason } when the connection closes; throws after ms. */
	whenClosed(ms = 5000) {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`not closed within ${ms} ms; received: ${JSON.stringify(this.all.slice(-10))}`)), ms);
			const check = () => {
				if (this.closed) {
					clearTimeout(timer);
					resolve(this.closed);
				} else {
					this.waiters.push(check);
				}
			};
			check();
		});
	}

	get isOpen() {
		return this.ws.readyState === WebSocket.OPEN;
	}

	terminate() {
		try {
			this.ws.terminate();
		} catch { /* already gone */ }
	}
}
