// Connecting with the stock socket.io-client: a valid token is
// accepted; every kind of bad token, and an orgId that differs from the
// token's org, is refused with connect_error data.code UNAUTHORIZED; an
// unknown namespace is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Stack, whenRefused, signJwt, decodeJwt, workerSlot } from './harness.mjs';

let stack;
let token;	// a valid customer token from confabctl

before(async () => {
	stack = await Stack.start({ name: 'connect' });
	token = await stack.token({ role: 'customer', email: 'customer@example.com', name: 'Demo Customer' });
});
after(async () => {
	await stack?.stop();
});

const now = () => Math.floor(Date.now() / 1000);

function claims(extra = {}) {
	return { org: 'demo', role: 'customer', email: 'customer@example.com', name: 'Demo Customer',
		iat: now(), exp: now() + 3600, ...extra };
}

function assertUnauthorized(err) {
	assert.ok(err instanceof Error, 'connect_error gives an Error');
	assert.ok(err.data && typeof err.data === 'object',
	    `err.data is an object (message ${JSON.stringify(err.message)}, data ${JSON.stringify(err.data)})`);
	assert.equal(err.data.code, 'UNAUTHORIZED', `err.data = ${JSON.stringify(err.data)}`);
	assert.equal(typeof err.data.message, 'string');
	assert.match(err.message, /^unauthorized/, `err.message = ${JSON.stringify(err.message)}`);
}

async function refused(auth) {
	const s = stack.socket({ auth });
	const err = await whenRefused(s);
	s.close();
	return err;
}

test('confabctl makes an HS256 token with the claims', stack_wrap(async () => {
	const { header, payload } = decodeJwt(token);
	assert.equal(header.alg, 'HS256');
	assert.equal(payload.org, 'demo');
	assert.equal(payload.role, 'customer');
	assert.equal(payload.email, 'customer@example.com');
	assert.equal(payload.name, 'Demo Customer');
	assert.ok(payload.exp > now(), 'exp in the future');
}));

test('a valid customer token connects', stack_wrap(async () => {
	const s = await stack.connect({ token, orgId: 'demo' });
	assert.match(s.id, /^[A-Za-z0-9_-]{20}$/, `socket.id ${s.id}`);
	assert.match(s.io.engine.id, /^[A-Za-z0-9_-]{20}\.\d+$/, `engine id ${s.io.engine.id}`);
	assert.ok(workerSlot(s) >= 0);
	s.close();
}));

test('a token signed here with the configured secret connects (control for the forged ones)', stack_wrap(async () => {
	const s = await stack.connect({ token: signJwt(claims(), stack.secret), orgId: 'demo' });
	assert.ok(s.id);
	s.close();
}));

test('missing token: UNAUTHORIZED', stack_wrap(async () => {
	assertUnauthorized(await refused({ orgId: 'demo' }));
	assertUnauthorized(await refused(undefined));
	assertUnauthorized(await refused({ token: '', orgId: 'demo' }));
	assertUnauthorized(await refused({ token: 'not a jwt', orgId: 'demo' }));
}));

test('expired token: UNAUTHORIZED', stack_wrap(async () => {
	const expired = signJwt(claims({ iat: now() - 7200, exp: now() - 3600 }), stack.secret);
	const err = await refused({ token: expired, orgId: 'demo' });
	assertUnauthorized(err);
	assert.match(err.data.message, /expir/i, `why = ${JSON.stringify(err.data.message)}`);
}));

test('forged signature: UNAUTHORIZED', stack_wrap(async () => {
	const [h, p, sig] = token.split('.');
	// Change a byte in the middle of the signature (the last base64url
	// character may carry only padding bits).
	const bytes = Buffer.from(sig, 'base64url');
	bytes[5] ^= 0x55;
	assertUnauthorized(await refused({ token: `${h}.${p}.${bytes.toString('base64url')}`, orgId: 'demo' }));
	// Claims changed under the original signature: role escalated.
	const { payload } = decodeJwt(token);
	const p2 = Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url');
	assertUnauthorized(await refused({ token: `${h}.${p2}.${sig}`, orgId: 'demo' }));
}));

test('token signed with another secret: UNAUTHORIZED', stack_wrap(async () => {
	const other = signJwt(claims(), crypto.randomBytes(32).toString('hex'));
	assertUnauthorized(await refused({ token: other, orgId: 'demo' }));
}));

test('alg none: UNAUTHORIZED', stack_wrap(async () => {
	const none = signJwt(claims(), '', { alg: 'none', typ: 'JWT' });
	assertUnauthorized(await refused({ token: none, orgId: 'demo' }));
}));

test('orgId differing from the token org: UNAUTHORIZED', stack_wrap(async () => {
	assertUnauthorized(await refused({ token, orgId: 'other' }));
	const other = await stack.token({ org: 'other', role: 'agent', email: 'a@example.com' });
	assertUnauthorized(await refused({ token: other, orgId: 'demo' }));
}));

test('unknown namespace: connect_error', stack_wrap(async () => {
	const s = stack.socket({ token, orgId: 'demo', ns: '/nope' });
	const err = await whenRefused(s);
	s.close();
	assert.ok(err instanceof Error);
	assert.match(err.message, /namespace/i, `err.message = ${JSON.stringify(err.message)}`);
}));

test('still serving after the refusals', stack_wrap(async () => {
	const s = await stack.connect({ token, orgId: 'demo' });
	assert.ok(s.connected);
	s.close();
}));

// stack is created in before(); wrap lazily.
function stack_wrap(fn) {
	return (t) => stack.wrap(fn)(t);
}
