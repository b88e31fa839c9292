// Hostile clients: forged or confused tokens, a customer claiming to be
// an agent, message floods, connection floods from one address, deep
// JSON, and TLS on the gateway's listener with a real TLS client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { io } from 'socket.io-client';
import { Stack, signJwt, waitUntil, whenRefused, sleep } from './harness.mjs';

let stack;
let token;

before(async () => {
	stack = await Stack.start({
		name: 'hostile',
		config: { rate_limit_chat_per_minute: 5, max_connections_per_ip: 8, gateway_workers: 1 },
	});
	token = await stack.token({ role: 'customer', email: 'mallory@example.com' });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const now = () => Math.floor(Date.now() / 1000);

test('a token not yet valid (nbf in the future) is refused', w(async () => {
	const t = signJwt({ org: 'demo', role: 'customer', email: 'x@example.com', exp: now() + 3600, nbf: now() + 600 }, stack.secret);
	const err = await whenRefused(stack.socket({ token: t }));
	assert.equal(err.data.code, 'UNAUTHORIZED');
}));

test('the role comes from the token only: auth.role "agent" changes nothing', w(async () => {
	const s = await stack.connect({ auth: { token, orgId: 'demo', role: 'agent' } });
	try {
		await waitUntil(async () => (await stack.redis('HGET', `${stack.prefix}chat-socket:{demo}:${s.id}`, 'role')).trim() === 'customer',
		    5000, 'the socket recorded as a customer');
	} finally {
		s.close();
	}
}));

test('a chat-message flood gets RATE_LIMIT_EXCEEDED; the socket stays', w(async () => {
	const s = await stack.connect({ token, orgId: 'demo' });
	const acks = [];
	for (let i = 0; i < 8; i++)
		acks.push(await s.timeout(5000).emitWithAck('chat-message', { text: `flood ${i}`, clientMsgId: `flood-${i}` }));
	assert.equal(acks.filter((a) => a.ok).length, 5, JSON.stringify(acks));
	for (const a of acks.slice(5))
		assert.equal(a.error.code, 'RATE_LIMIT_EXCEEDED');
	assert.ok(s.connected);
	s.close();
}));

test('deep JSON is refused with BAD_REQUEST, not a crash', w(async () => {
	const s = await stack.connect({ token, orgId: 'demo' });
	const raw = await stack.raw();
	raw.send(`40/chat,${JSON.stringify({ token, orgId: 'demo' })}`);
	await raw.next((m) => m.startsWith('40/chat,'));
	raw.send(`42/chat,9["typing",${'['.repeat(5000)}${']'.repeat(5000)}]`);
	const pkt = await raw.next((m) => m.startsWith('43/chat,9['));
	assert.equal(JSON.parse(pkt.slice(pkt.indexOf('[')))[0].error.code, 'BAD_REQUEST');
	raw.terminate();
	s.close();
}));

test('connections from one address beyond max_connections_per_ip are closed at once', w(async () => {
	// Earlier tests' connections are gone; the health probe's own
	// keep-alive connection stays open and counts.
	let open = 0;
	await waitUntil(async () => (open = (await (await fetch(`${stack.url}/livez`)).json()).connections) === 1,
	    5000, 'earlier connections to be gone');
	const conns = [];
	const results = [];
	for (let i = 0; i < 12; i++) {
		const c = net.connect(stack.port, '127.0.0.1');
		conns.push(c);
		results.push(new Promise((resolve) => {
			c.once('connect', () => {
				c.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
			});
			c.once('data', () => resolve('served'));
			c.once('close', () => resolve('closed'));
			c.once('error', () => resolve('closed'));
		}));
	}
	const r = await Promise.all(results);
	assert.equal(r.filter((x) => x === 'served').length, 8 - open, r.join(' '));
	for (const c of conns) c.destroy();
	// Released again: a new client is served.
	await sleep(200);
	const s = await stack.connect({ token, orgId: 'demo' });
	s.close();
}));

test('TLS on the listener: a real TLS client connects, plain TCP and TLS 1.1 do not', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'confab-tls-'));
	const cert = path.join(dir, 'cert.pem');
	const key = path.join(dir, 'key.pem');
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
	    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
	const t = await Stack.start({ name: 'tls', config: { tls_cert_file: cert, tls_key_file: key } });
	try {
		const tok = await t.token({ role: 'customer', email: 'tls@example.com' });
		const ca = fs.readFileSync(cert);
		const s = io(`https://127.0.0.1:${t.port}/chat`, {
			transports: ['websocket'], auth: { token: tok, orgId: 'demo' }, ca, reconnection: false, forceNew: true,
		});
		await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject); });
		const ack = await s.timeout(5000).emitWithAck('chat-message', { text: 'over tls', clientMsgId: 'tls-1' });
		assert.equal(ack.ok, true);
		s.close();
		const proto = await new Promise((resolve, reject) => {
			const c = tls.connect({ port: t.port, host: '127.0.0.1', ca }, () => { resolve(c.getProtocol()); c.end(); });
			c.on('error', reject);
		});
		assert.match(proto, /^TLSv1\.[23]$/);
		const old = await new Promise((resolve) => {
			const c = tls.connect({ port: t.port, host: '127.0.0.1', ca, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' },
			    () => { resolve('connected'); c.end(); });
			c.on('error', () => resolve('refused'));
		});
		assert.equal(old, 'refused', 'TLS 1.1 is refused');
		const plain = await new Promise((resolve) => {
			const c = net.connect(t.port, '127.0.0.1', () => c.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n'));
			let got = '';
			c.on('data', (d) => { got += d.toString('latin1'); });
			c.on('close', () => resolve(got));
			c.on('error', () => resolve(got));
			setTimeout(() => c.destroy(), 3000);
		});
		assert.doesNotMatch(plain, /^HTTP\/1\.1 200/, 'no plain HTTP on a TLS listener');
	} finally {
		await t.stop();
		fs.rmSync(dir, { recursive: true, force: true });
	}
});

test('RS256 configured: an HS256 token signed with the public key (key confusion) is refused', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'confab-rs-'));
	const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
	const pub = publicKey.export({ type: 'spki', format: 'pem' });
	fs.writeFileSync(path.join(dir, 'pub.pem'), pub);
	const t = await Stack.start({ name: 'rs256', config: { jwt_algorithm: 'RS256', jwt_secret: '""', jwt_public_key_file: path.join(dir, 'pub.pem') } });
	try {
		const claims = { org: 'demo', role: 'agent', email: 'eve@example.com', exp: now() + 600 };
		const confused = signJwt(claims, pub);
		const err = await whenRefused(t.socket({ token: confused }));
		assert.equal(err.data.code, 'UNAUTHORIZED');
		const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
		const head = b64({ alg: 'RS256', typ: 'JWT' });
		const body = b64(claims);
		const sig = crypto.sign('sha256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url');
		const s = await t.connect({ token: `${head}.${body}.${sig}`, orgId: 'demo' });
		s.close();
	} finally {
		await t.stop();
		fs.rmSync(dir, { recursive: true, force: true });
	}
});
