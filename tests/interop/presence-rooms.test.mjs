// Room presence (seed 002) over the socket and over REST: join with
// metadata and presence, presence updates and typing, room metadata,
// members with a limit, leave, destroy keeping or deleting the history,
// and member presence that runs out after presence_room_ttl_s (2 s here)
// unless refreshed, announced by the sweeper.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, waitEvent, sleep } from './harness.mjs';

const ROOM_TTL_S = 2;
let stack;
const tok = {};

before(async () => {
	stack = await Stack.start({ name: 'rooms', config: { presence_room_ttl_s: ROOM_TTL_S } });
	const mk = (name, role) => stack.token({ role, email: `${name}@example.com`, name }).then((t) => { tok[name] = t; });
	await Promise.all([mk('amy', 'agent'), mk('ben', 'agent'), mk('cal', 'customer'), mk('dot', 'customer')]);
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const ack = (s, ev, data) => s.timeout(5000).emitWithAck(ev, data);

async function rest(token, method, path, body) {
	const res = await fetch(stack.url + path, {
		method,
		headers: { authorization: `Bearer ${token}`, orgid: 'demo', 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: res.status, body: await res.json() };
}

/** A socket that records its room events. */
async function member(name) {
	const s = await stack.connect({ token: tok[name], orgId: 'demo' });
	s.rooms = [];
	for (const ev of ['room-member', 'room-update', 'room-destroyed'])
		s.on(ev, (e) => s.rooms.push({ ev, ...e }));
	return s;
}

test('join, presence and typing, metadata, members, leave: over the socket, with events to the members', w(async () => {
	const amy = await member('amy');
	const cal = await member('cal');
	const nope = await ack(cal, 'room-join', { roomId: 'ticket_1' });
	assert.equal(nope.error?.code, 'NOT_FOUND', 'visitors join rooms that exist');

	const j = await ack(amy, 'room-join', { roomId: 'ticket_1', metadata: { role: 'agent' }, presence: { status: 'online', typing: false } });
	assert.equal(j.ok, true, JSON.stringify(j));
	assert.equal(j.action, 'join');
	assert.equal(j.members, 1);
	assert.deepEqual(j.member.metadata, { role: 'agent' });
	assert.deepEqual(j.member.presence, { status: 'online', typing: false });
	assert.ok(j.expiresAt > Date.now() && j.expiresAt <= Date.now() + ROOM_TTL_S * 1000 + 500);

	const jc = await ack(cal, 'room-join', { roomId: 'ticket_1', metadata: { role: 'customer' } });
	assert.equal(jc.ok, true);
	assert.equal(jc.members, 2);
	await waitUntil(() => amy.rooms.some((e) => e.ev === 'room-member' && e.action === 'join' && e.member.email === 'cal@example.com'), 5000, 'amy sees cal join');

	const p = await ack(cal, 'room-presence', { roomId: 'ticket_1', presence: { typing: true } });
	assert.equal(p.ok, true);
	assert.deepEqual(p.member.presence, { status: 'online', typing: true });
	await waitUntil(() => amy.rooms.some((e) => e.action === 'presence' && e.member.presence.typing === true), 5000, 'amy sees cal typing');

	const meta = { ticketId: '1', priority: 'high', assignedAgentId: 'amy@example.com', status: 'open' };
	const m = await ack(amy, 'room-metadata', { roomId: 'ticket_1', metadata: meta });
	assert.deepEqual(m, { ok: true, roomId: 'ticket_1', metadata: meta });
	await waitUntil(() => cal.rooms.some((e) => e.ev === 'room-update'), 5000, 'cal sees the metadata');
	assert.deepEqual(cal.rooms.find((e) => e.ev === 'room-update').metadata, meta);
	const m2 = await ack(amy, 'room-metadata', { roomId: 'ticket_1', metadata: { priority: 2, status: null } });
	assert.deepEqual(m2.metadata, { ticketId: '1', priority: 2, assignedAgentId: 'amy@example.com' });
	assert.equal((await ack(cal, 'room-metadata', { roomId: 'ticket_1', metadata: { status: 'x' } })).error.code, 'FORBIDDEN');
	assert.equal((await ack(amy, 'room-metadata', { roomId: 'ticket_1', metadata: { color: 'red' } })).error.code, 'BAD_REQUEST');

	const one = await ack(cal, 'room-members', { roomId: 'ticket_1', limit: 1 });
	assert.equal(one.count, 1);
	assert.equal(one.total, 2);
	const all = await ack(amy, 'room-members', { roomId: 'ticket_1' });
	assert.deepEqual(all.members.map((x) => x.email).sort(), ['amy@example.com', 'cal@example.com']);
	const c = all.members.find((x) => x.email === 'cal@example.com');
	assert.deepEqual(c.metadata, { role: 'customer' });
	assert.equal(c.presence.typing, true);
	assert.equal(c.role, 'customer');
	assert.equal(typeof c.expiresAt, 'number');

	assert.equal((await ack(cal, 'room-leave', { roomId: 'ticket_1' })).ok, true);
	await waitUntil(() => amy.rooms.some((e) => e.action === 'leave' && e.member.email === 'cal@example.com'), 5000, 'amy sees cal leave');
	assert.equal((await ack(cal, 'room-leave', { roomId: 'ticket_1' })).error.code, 'NOT_MEMBER');
	assert.equal((await ack(cal, 'room-members', { roomId: 'ticket_1' })).error.code, 'NOT_FOUND', 'not a member any more');
	assert.equal((await ack(amy, 'room-join', { roomId: 'a b' })).error.code, 'BAD_REQUEST');
	assert.equal((await ack(amy, 'room-join', { roomId: 'ticket_1', metadata: [1] })).error.code, 'BAD_REQUEST');
	amy.close();
	cal.close();
}));

test('member presence runs out after presence_room_ttl_s unless refreshed; the sweeper announces it', w(async (t) => {
	const amy = await member('amy');
	const ben = await member('ben');
	const cal = await member('cal');
	assert.equal((await ack(amy, 'room-join', { roomId: 'ticket_2' })).ok, true);
	const t0 = Date.now();
	assert.equal((await ack(cal, 'room-join', { roomId: 'ticket_2' })).ok, true);
	assert.equal((await ack(ben, 'room-join', { roomId: 'ticket_2' })).ok, true);
	// Amy refreshes; nobody touches the room otherwise.
	const timer = setInterval(() => amy.emit('room-presence', { roomId: 'ticket_2' }), 500);
	try {
		await waitUntil(() => amy.rooms.some((e) => e.action === 'expired' && e.member.email === 'cal@example.com'), 6000, 'cal expired');
		const ms = Date.now() - t0;
		t.diagnostic(`room presence expired after ${ms} ms (TTL ${ROOM_TTL_S} s)`);
		assert.ok(ms >= ROOM_TTL_S * 1000 - 100 && ms < ROOM_TTL_S * 1000 + 2000, `expired after ${ms} ms`);
		await waitUntil(() => amy.rooms.some((e) => e.action === 'expired' && e.member.email === 'ben@example.com'), 3000, 'ben expired');
		assert.ok(cal.rooms.some((e) => e.action === 'expired' && e.member.email === 'cal@example.com'), 'cal is told too');
		const m = await ack(amy, 'room-members', { roomId: 'ticket_2' });
		assert.deepEqual(m.members.map((x) => x.email), ['amy@example.com'], 'the refreshed member stays');
	} finally {
		clearInterval(timer);
	}
	assert.equal((await stack.redis('EXISTS', `${stack.prefix}chat-room-member:{demo}:ticket_2:customer:cal@example.com`)).trim(), '0');

	// A room nobody touches: only the sweeper can tell ben that cal's
	// presence ran out.
	ben.rooms.length = 0;
	assert.equal((await ack(amy, 'room-metadata', { roomId: 'ticket_3', metadata: { status: 'open' } })).ok, true);
	assert.equal((await ack(cal, 'room-join', { roomId: 'ticket_3' })).ok, true);
	const t3 = Date.now();
	await sleep(800);
	assert.equal((await ack(ben, 'room-join', { roomId: 'ticket_3' })).ok, true);
	await waitUntil(() => ben.rooms.some((e) => e.roomId === 'ticket_3' && e.action === 'expired' &&
	    e.member.email === 'cal@example.com'), 5000, 'cal expired from ticket_3');
	const ms3 = Date.now() - t3;
	t.diagnostic(`untouched room: expiry announced after ${ms3} ms`);
	assert.ok(ms3 < ROOM_TTL_S * 1000 + 1500, `after ${ms3} ms`);
	assert.match(stack.logText('presence'), /room presence expired" org=demo room=ticket_3/);
	assert.equal((await ack(cal, 'room-presence', { roomId: 'ticket_2', presence: { typing: true } })).error.code, 'NOT_MEMBER');
	const h = await rest(tok.amy, 'GET', '/chat/rooms/ticket_2/history');
	const expired = h.body.history.filter((e) => e.type === 'expired').map((e) => e.member);
	for (const m of ['agent:ben@example.com', 'customer:cal@example.com'])
		assert.ok(expired.includes(m), `${m} in ${JSON.stringify(h.body)}`);
	amy.close();
	ben.close();
	cal.close();
}));

test('REST under /chat/rooms: metadata, join, presence, members, history, destroy keeping or deleting history', w(async () => {
	const dot = await member('dot');
	let r = await rest(tok.amy, 'POST', '/chat/rooms/ticket_9/metadata', { metadata: { ticketId: '9', priority: 'low', status: 'open' } });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	assert.equal((await rest(tok.dot, 'GET', '/chat/rooms/ticket_9')).status, 404, 'not a member: not found');
	r = await rest(tok.dot, 'POST', '/chat/rooms/ticket_9/join', { metadata: { role: 'customer' }, presence: { status: 'online' } });
	assert.equal(r.status, 200);
	assert.equal(r.body.action, 'join');
	r = await rest(tok.amy, 'POST', '/chat/rooms/ticket_9/join', { metadata: { role: 'agent' } });
	assert.equal(r.body.members, 2);
	r = await rest(tok.amy, 'POST', '/chat/rooms/ticket_9/presence', { presence: { status: 'away', typing: true } });
	assert.equal(r.status, 200);
	assert.deepEqual(r.body.member.presence, { status: 'away', typing: true });
	assert.equal((await rest(tok.ben, 'POST', '/chat/rooms/ticket_9/presence', {})).body.error.code, 'NOT_MEMBER');
	r = await rest(tok.dot, 'GET', '/chat/rooms/ticket_9');
	assert.equal(r.status, 200);
	assert.deepEqual(r.body.metadata, { ticketId: '9', priority: 'low', status: 'open' });
	assert.equal(r.body.members, 2);
	r = await rest(tok.amy, 'GET', '/chat/rooms/ticket_9/members?limit=1');
	assert.equal(r.body.count, 1);
	assert.equal(r.body.total, 2);
	assert.equal((await rest(tok.amy, 'GET', '/chat/rooms/ticket_9/members?limit=0')).status, 400);
	assert.equal((await rest(tok.dot, 'POST', '/chat/rooms/ticket_9/destroy', {})).status, 403);
	assert.equal((await rest(tok.dot, 'GET', '/chat/rooms/ticket_9/history')).status, 403);
	assert.equal((await rest(tok.amy, 'POST', '/chat/rooms/ticket_9/metadata', { metadata: 'x' })).status, 400);
	assert.equal((await rest(tok.amy, 'POST', '/chat/rooms/ticket_9/join', { metadata: { big: 'x'.repeat(2000) } })).status, 400);

	const destroyed = waitEvent(dot, 'room-destroyed', 5000);
	r = await rest(tok.amy, 'POST', '/chat/rooms/ticket_9/destroy', { deleteHistory: false });
	assert.deepEqual(r.body, { roomId: 'ticket_9', destroyed: true, historyKept: true });
	assert.deepEqual(await destroyed, { roomId: 'ticket_9', historyKept: true, timestamp: (await destroyed).timestamp });
	assert.equal((await rest(tok.amy, 'GET', '/chat/rooms/ticket_9')).status, 404);
	assert.equal((await rest(tok.amy, 'POST', '/chat/rooms/ticket_9/destroy', {})).status, 404);
	const h = await rest(tok.amy, 'GET', '/chat/rooms/ticket_9/history?limit=2');
	assert.equal(h.status, 200);
	assert.equal(h.body.history.length, 2);
	const last = h.body.history[0];
	assert.equal(last.type, 'destroyed');
	assert.equal(last.member, 'agent:amy@example.com');
	assert.deepEqual(last.metadata, { ticketId: '9', priority: 'low', status: 'open' });
	assert.deepEqual(last.members.sort(), ['agent:amy@example.com', 'customer:dot@example.com']);
	const log = `${stack.prefix}chat-room-log:{demo}:ticket_9`;
	assert.equal((await stack.redis('TTL', log)).trim(), '-1', 'kept history has no TTL');

	await rest(tok.amy, 'POST', '/chat/rooms/ticket_10/join', {});
	r = await rest(tok.amy, 'POST', '/chat/rooms/ticket_10/destroy', { deleteHistory: true });
	assert.equal(r.body.historyKept, false);
	assert.equal((await rest(tok.amy, 'GET', '/chat/rooms/ticket_10/history')).status, 404);
	assert.equal((await stack.redis('EXISTS', `${stack.prefix}chat-room-log:{demo}:ticket_10`)).trim(), '0');
	dot.close();
}));
