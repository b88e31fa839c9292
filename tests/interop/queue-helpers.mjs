// Helpers shared by the queue*.test.mjs files: sockets that record every
// event, waiting for one, REST calls, and identities that queue-svc has
// online before the test goes on.
import assert from 'node:assert/strict';
import { waitUntil, whenConnected, sleep } from './harness.mjs';

/** Records every event a socket receives, in order, with when it came. */
export function record(s) {
	s.events = [];
	s.onAny((ev, arg) => s.events.push({ ev, arg, at: Date.now() }));
	return s;
}

/** Waits for (and removes) the first recorded `ev` matching pred: { ev, arg, at }. */
export async function takeEvent(s, ev, pred = () => true, ms = 5000) {
	return waitUntil(() => {
		const i = s.events.findIndex((e) => e.ev === ev && pred(e.arg));
		return i >= 0 ? s.events.splice(i, 1)[0] : null;
	}, ms, `'${ev}' (recent: ${JSON.stringify(s.events.slice(-4))})`, 20);
}

/** The same, resolving with the event's argument. */
export async function take(s, ev, pred, ms) {
	return (await takeEvent(s, ev, pred, ms)).arg;
}

/** Fails if a matching `ev` arrives within ms. */
export async function none(s, ev, pred = () => true, ms = 400) {
	await sleep(ms);
	const hit = s.events.find((e) => e.ev === ev && pred(e.arg));
	assert.equal(hit, undefined, `unexpected '${ev}': ${JSON.stringify(hit)}`);
}

/** An acknowledged emit. */
export const emit = (s, ev, arg, ms = 8000) => s.timeout(ms).emitWithAck(ev, arg);

/** Asserts an ack is { ok: true, ... } and returns it. */
export function ok(ack, what) {
	assert.equal(ack && ack.ok, true, `${what}: ${JSON.stringify(ack)}`);
	return ack;
}

/** A REST call on stack; resolves with { status, body }. */
export async function api(stack, token, method, path, body) {
	const res = await fetch(stack.url + path, {
		method,
		headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
		body: body ? JSON.stringify(body) : undefined,
	});
	return { status: res.status, body: await res.json() };
}

/**
 * A recording socket of a new identity (s.token is its token); an agent
 * or admin once queue-svc has it online (SOCKET_OPEN reaches the service
 * after the client sees its connect).  context goes into auth.context.
 */
export async function who(stack, { org = 'demo', role, email, context }) {
	const token = await stack.token({ org, role, email, name: email.split('@')[0] });
	const auth = { token, orgId: org, ...(context ? { context } : {}) };
	const s = record(stack.socket({ auth }));
	await whenConnected(s);
	s.token = token;
	if (role !== 'customer')
		await waitUntil(async () => {
			const { body } = await api(stack, token, 'GET', '/chat/queue/agents');
			return body.agents && body.agents.some((a) => a.email === email);
		}, 5000, `${email} online in queue-svc`);
	return s;
}
