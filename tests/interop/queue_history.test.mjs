// queue-svc history over REST: paging by sequence, transcripts (json,
// text, csv), search, edit and delete of one's own messages with events
// to the room, tags and notes, the conversation list and its filters,
// org scoping and membership checks; and a queue-svc SIGKILL in the
// middle of traffic losing no acknowledged message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, waitUntil, whenConnected, sleep } from './harness.mjs';
import { record, take, emit, ok, api as apiOn, who as whoOn } from './queue-helpers.mjs';

let stack;

before(async () => {
	// The gateway's per-socket rate limits (issue 6) are off: this file
	// pumps messages on purpose.
	stack = await Stack.start({ name: 'queue-history', config: {
		rate_limit_chat_per_minute: 0,
		rate_limit_events_per_minute: 0,
	} });
});
after(async () => {
	// Let the gateway's socket-close notices finish before it stops.
	for (const s of stack?.sockets ?? []) s.close();
	await sleep(500);
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const api = (...a) => apiOn(stack, ...a);
const who = (role, email, org = 'demo') => whoOn(stack, { org, role, email });

/* A GET whose body is not JSON (text and CSV transcripts). */
async function raw(token, path) {
	const res = await fetch(stack.url + path, { headers: { authorization: `Bearer ${token}` } });
	return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

let cust, agent, admin, chatId;

test('history pages by sequence, oldest first within a page', w(async () => {
	cust = await who('customer', 'history-cust@example.com');
	agent = await who('agent', 'history-agent@example.com');
	admin = await who('admin', 'history-admin@example.com');
	chatId = ok(await emit(cust, 'chat-message', { text: 'message 1', clientMsgId: 'h1' }), 'first').message.chatId;
	ok(await emit(agent, 'pick-next', {}), 'pick');	// seq 2: "has joined"
	for (let i = 3; i <= 25; i++) {
		const s = i % 2 ? cust : agent;
		ok(await emit(s, 'chat-message', { chatId, text: `message ${i}`, clientMsgId: `h${i}` }), `message ${i}`);
	}
	const base = `/chat/conversations/${chatId}/messages`;
	const p1 = await api(cust.token, 'GET', `${base}?limit=10`);
	assert.equal(p1.status, 200, JSON.stringify(p1.body));
	assert.deepEqual(p1.body.messages.map((m) => m.seq), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
	assert.equal(p1.body.next, 16);
	const p2 = await api(cust.token, 'GET', `${base}?limit=10&before=${p1.body.next}`);
	assert.deepEqual(p2.body.messages.map((m) => m.seq), [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
	const p3 = await api(agent.token, 'GET', `${base}?limit=10&before=${p2.body.next}`);
	assert.deepEqual(p3.body.messages.map((m) => m.seq), [1, 2, 3, 4, 5]);
	assert.equal(p3.body.next, null);
	assert.equal(p3.body.messages[1].from.role, 'system');
	assert.equal(p3.body.messages[0].text, 'message 1');
	assert.equal((await api(cust.token, 'GET', `${base}?limit=500`)).status, 400);
	assert.equal((await api(cust.token, 'GET', `${base}?before=abc`)).status, 400);
}));

test('who may read: members, admins of the org; not other customers, not other orgs', w(async () => {
	const base = `/chat/conversations/${chatId}`;
	const other = await who('customer', 'history-other@example.com');
	const r1 = await api(other.token, 'GET', `${base}/messages`);
	assert.equal(r1.status, 403);
	assert.equal(r1.body.error.code, 'FORBIDDEN');
	const stranger = await who('agent', 'history-stranger@example.com');
	assert.equal((await api(stranger.token, 'GET', base)).status, 403, 'an agent never in it (it is not queued)');
	assert.equal((await api(admin.token, 'GET', base)).status, 200);
	const foreign = await stack.token({ org: 'elsewhere', role: 'admin', email: 'boss@elsewhere.example' });
	const r2 = await api(foreign, 'GET', base);
	assert.equal(r2.status, 404, 'another org does not see it at all');
	const v = await api(cust.token, 'GET', base);
	assert.equal(v.body.chat.chatId, chatId);
	assert.equal(v.body.chat.status, 'active');
	assert.equal(v.body.chat.tags, undefined, 'customers do not see tags');
	assert.equal((await api(cust.token, 'GET', '/chat/conversations/nosuch')).status, 404);
	other.close();
	stranger.close();
}));

test('edit and delete one\'s own messages, with events to the room', w(async () => {
	const mine = ok(await emit(cust, 'chat-message', { chatId, text: 'teh typo', clientMsgId: 'typo' }), 'typo');
	const seq = mine.message.seq;
	await take(agent, 'chat-message', (m) => m.seq === seq);
	const ed = ok(await emit(cust, 'edit-message', { chatId, seq, text: 'the typo' }), 'edit');
	assert.equal(ed.message.text, 'the typo');
	const ev = await take(agent, 'message-edited', (e) => e.chatId === chatId && e.seq === seq);
	assert.equal(ev.text, 'the typo');
	const notMine = await emit(agent, 'edit-message', { chatId, seq, text: 'hijack' });
	assert.equal(notMine.error.code, 'FORBIDDEN');
	const sys = await emit(agent, 'delete-message', { chatId, seq: 2 });
	assert.equal(sys.error.code, 'FORBIDDEN', 'system messages stay');

	const theirs = ok(await emit(agent, 'chat-message', { chatId, text: 'oops, wrong chat', clientMsgId: 'oops' }), 'oops');
	const del = await api(agent.token, 'DELETE', `/chat/conversations/${chatId}/messages/${theirs.message.seq}`);
	assert.equal(del.status, 200, JSON.stringify(del.body));
	await take(cust, 'message-deleted', (e) => e.seq === theirs.message.seq);
	const page = await api(cust.token, 'GET', `/chat/conversations/${chatId}/messages?limit=2`);
	assert.deepEqual(page.body.messages.map((m) => [m.seq, m.text, !!m.deleted, !!m.editedAt]),
	    [[seq, 'the typo', false, true], [theirs.message.seq, '', true, false]]);
	const again = await api(agent.token, 'PATCH', `/chat/conversations/${chatId}/messages/${theirs.message.seq}`, { text: 'x' });
	assert.equal(again.status, 404);
	const rest = await api(agent.token, 'POST', `/chat/conversations/${chatId}/messages`, { text: 'sent over REST', clientMsgId: 'rest-1' });
	assert.equal(rest.status, 201, JSON.stringify(rest.body));
	const got = await take(cust, 'chat-message', (m) => m.seq === rest.body.message.seq);
	assert.equal(got.text, 'sent over REST');
}));

test('transcripts as json, text and csv', w(async () => {
	const base = `/chat/conversations/${chatId}/transcript`;
	const j = await api(agent.token, 'GET', `${base}?format=json`);
	assert.equal(j.status, 200);
	assert.equal(j.body.format, 'json');
	assert.equal(j.body.messages[0].text, 'message 1');
	assert.ok(j.body.messages.length >= 28);
	const t = await raw(cust.token, `${base}?format=text`);
	assert.equal(t.type, 'text/plain; charset=utf-8');
	const lines = t.text.trim().split('\n');
	assert.equal(lines.length, j.body.messages.length);
	assert.match(lines[0], /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\] history-cust \(customer\): message 1$/);
	assert.match(lines[1], /\] \* history-agent has joined$/);
	const c = await raw(admin.token, `${base}?format=csv`);
	assert.equal(c.type, 'text/csv; charset=utf-8');
	const rows = c.text.trim().split('\r\n');
	assert.equal(rows[0], 'seq,time,role,email,name,text,edited,deleted');
	assert.match(rows[1], /^1,[^,]+,"customer","history-cust@example.com","history-cust","message 1",no,no$/);
	assert.ok(rows.some((r) => r.includes('"the typo",yes,no')));
	assert.equal((await api(cust.token, 'GET', `${base}?format=pdf`)).status, 400);
}));

test('search across the org\'s messages, within what one may read', w(async () => {
	const r = await api(admin.token, 'GET', '/chat/search?q=TYPO');
	assert.equal(r.status, 200);
	assert.deepEqual(r.body.results.map((m) => m.text), ['the typo']);
	assert.equal((await api(agent.token, 'GET', '/chat/search?q=message%2012')).body.results[0].seq, 12);
	const other = await who('customer', 'history-nosy@example.com');
	assert.deepEqual((await api(other.token, 'GET', '/chat/search?q=typo')).body.results, []);
	assert.equal((await api(admin.token, 'GET', '/chat/search')).status, 400);
	other.close();
}));

test('tags and notes on a conversation; customers see neither', w(async () => {
	const base = `/chat/conversations/${chatId}`;
	assert.equal((await api(agent.token, 'POST', `${base}/tags`, { tag: 'refund' })).status, 200);
	const t = await api(agent.token, 'POST', `${base}/tags`, { tag: 'vip' });
	assert.deepEqual(t.body.tags, ['refund', 'vip']);
	const ev = await take(agent, 'chat-tags', (e) => e.chatId === chatId && e.tags.length === 2);
	assert.deepEqual(ev.tags, ['refund', 'vip']);
	assert.deepEqual((await api(agent.token, 'DELETE', `${base}/tags/vip`)).body.tags, ['refund']);
	assert.equal((await api(cust.token, 'GET', `${base}/tags`)).status, 403);
	const n = await api(agent.token, 'POST', `${base}/notes`, { text: 'asked for a refund twice' });
	assert.equal(n.status, 201, JSON.stringify(n.body));
	assert.equal(n.body.note.by.email, 'history-agent@example.com');
	await api(admin.token, 'POST', `${base}/notes`, { text: 'approved' });
	const list = await api(agent.token, 'GET', `${base}/notes`);
	assert.deepEqual(list.body.notes.map((x) => x.text), ['asked for a refund twice', 'approved']);
	const del = await api(agent.token, 'DELETE', `${base}/notes/${list.body.notes[1].id}`);
	assert.equal(del.status, 403, 'only one\'s own notes');
	assert.equal((await api(agent.token, 'DELETE', `${base}/notes/${n.body.note.id}`)).status, 200);
	assert.equal((await api(cust.token, 'GET', `${base}/notes`)).status, 403);
	const view = await api(agent.token, 'GET', base);
	assert.deepEqual(view.body.chat.tags, ['refund']);
}));

test('the context export: the conversation, every message, notes, preferences and the assistant\'s summary', w(async () => {
	const ctx = await api(agent.token, 'GET', `/chat/conversations/${chatId}/context`);
	assert.equal(ctx.status, 200, JSON.stringify(ctx.body));
	assert.equal(ctx.body.chat.chatId, chatId);
	assert.deepEqual(ctx.body.chat.tags, ['refund']);
	assert.equal(ctx.body.messages[0].text, 'message 1');
	const transcript = await api(agent.token, 'GET', `/chat/conversations/${chatId}/transcript`);
	assert.equal(ctx.body.messages.length, transcript.body.messages.length);
	assert.deepEqual(ctx.body.notes.map((x) => x.text), ['approved']);
	assert.deepEqual(ctx.body.preferences, { configId: null, preferredAgent: null });
	assert.equal(ctx.body.summary, null, 'no assistant wrote here');
	const mine = await api(cust.token, 'GET', `/chat/conversations/${chatId}/context`);
	assert.equal(mine.status, 200);
	assert.equal(mine.body.notes, undefined, 'a customer gets no notes');
	assert.equal(mine.body.chat.tags, undefined);
	const other = await who('customer', 'history-ctx-nosy@example.com');
	assert.equal((await api(other.token, 'GET', `/chat/conversations/${chatId}/context`)).status, 403);
	assert.equal((await api(agent.token, 'GET', '/chat/conversations/nope/context')).status, 404);
	other.close();
}));

test('the conversation list filters by status, agent, customer and time', w(async () => {
	const other = await who('customer', 'history-list@example.com');
	const second = ok(await emit(other, 'chat-message', { text: 'queued one', clientMsgId: 'l1' }), 'queued').message.chatId;
	const all = await api(admin.token, 'GET', '/chat/conversations');
	assert.ok(all.body.conversations.length >= 2);
	assert.equal(all.body.conversations[0].chatId, second, 'newest first');
	const q = await api(admin.token, 'GET', '/chat/conversations?status=queued');
	assert.ok(q.body.conversations.every((c) => c.status === 'queued'));
	assert.ok(q.body.conversations.some((c) => c.chatId === second));
	const byAgent = await api(admin.token, 'GET', '/chat/conversations?agent=history-agent%40example.com');
	assert.deepEqual(byAgent.body.conversations.map((c) => c.chatId), [chatId]);
	const byCust = await api(admin.token, 'GET', '/chat/conversations?customer=history-list%40example.com');
	assert.deepEqual(byCust.body.conversations.map((c) => c.chatId), [second]);
	const mine = await api(cust.token, 'GET', '/chat/conversations');
	assert.deepEqual(mine.body.conversations.map((c) => c.chatId), [chatId], 'a customer lists only their own');
	const later = await api(admin.token, 'GET', `/chat/conversations?from=${Date.now() + 60000}`);
	assert.deepEqual(later.body.conversations, []);
	const page = await api(admin.token, 'GET', '/chat/conversations?limit=1');
	assert.equal(page.body.conversations.length, 1);
	const next = await api(admin.token, 'GET', `/chat/conversations?limit=1&before=${page.body.next}`);
	assert.notEqual(next.body.conversations[0].chatId, page.body.conversations[0].chatId);
	assert.equal((await api(admin.token, 'GET', '/chat/conversations?status=bogus')).status, 400);
	other.close();
}));

/** Sends until acked, with the same clientMsgId on every retry. */
async function sendSure(s, data) {
	for (let i = 0; i < 40; i++) {
		let ack;
		try {
			ack = await emit(s, 'chat-message', data, 4000);
		} catch {
			continue;	// no ack in time: retry
		}
		if (ack.ok) return ack.message;
		if (ack.error.code !== 'SERVICE_UNAVAILABLE') throw new Error(JSON.stringify(ack));
		await sleep(100);
	}
	throw new Error(`${data.clientMsgId} never acknowledged`);
}

test('a queue-svc SIGKILL in the middle of traffic loses no acknowledged message', w(async () => {
	const acked = new Map();	// clientMsgId -> seq
	let stop = false;
	const pump = async (s, prefix) => {
		for (let i = 0; !stop; i++) {
			const id = `${prefix}-${i}`;
			const m = await sendSure(s, { chatId, text: `pump ${id}`, clientMsgId: id });
			acked.set(id, m.seq);
		}
	};
	const pumps = [pump(cust, 'c'), pump(agent, 'a')];
	try {
		await waitUntil(() => acked.size >= 30, 10000, '30 messages before the kill');
		await stack.kill('queue', 'SIGKILL');
		await sleep(300);
		await stack.startService('queue');
		const after = acked.size;
		await waitUntil(() => acked.size >= after + 30, 15000, '30 messages after the restart');
	} finally {
		stop = true;
		await Promise.allSettled(pumps);
	}
	await Promise.all(pumps);

	const page = await api(admin.token, 'GET', `/chat/conversations/${chatId}/transcript`);
	const stored = new Map();
	for (const m of page.body.messages)
		if (m.text.startsWith('pump ')) {
			const id = m.text.slice(5);
			assert.ok(!stored.has(id), `${id} stored twice`);
			stored.set(id, m.seq);
		}
	for (const [id, seq] of acked)
		assert.equal(stored.get(id), seq, `acknowledged ${id} (seq ${seq}) is in the history`);
	const seqs = page.body.messages.map((m) => m.seq);
	assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), 'no gap in the sequence');
}));
