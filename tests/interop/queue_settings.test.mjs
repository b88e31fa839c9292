// Per-org settings of queue-svc (PUT /chat/queue/settings) and what they
// enable: the pool of tags staff may put on conversations (seed 003's
// availableTags), tagging over the socket (tag-chat), and visitors
// choosing their agent (visitorAgentSelection: support-persons,
// set-preferred-agent), training labels (labelingEnabled).  Each test
// uses its own org.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Stack, sleep } from './harness.mjs';
import { take, none, emit, ok, api, who } from './queue-helpers.mjs';

let stack;

before(async () => {
	stack = await Stack.start({ name: 'queue-settings', config: {
		conversation_visibility_s: 2,
		ice_servers: 'stun:stun.example.org:3478 turn:turn.example.org:3478?transport=udp',
		turn_secret: 'coturn-shared-secret', turn_credential_ttl_s: 600,
	} });
});
after(async () => {
	for (const s of stack?.sockets ?? []) s.close();
	await sleep(300);
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);
const settings = (s, body) => api(stack, s.token, body ? 'PUT' : 'GET', '/chat/queue/settings', body);

test('availableTags limits the tags staff may add, over REST and the tag-chat event', w(async () => {
	const org = 'tags';
	const admin = await who(stack, { org, role: 'admin', email: 'boss@tags.example' });
	const agent = await who(stack, { org, role: 'agent', email: 'ann@tags.example' });
	const cust = await who(stack, { org, role: 'customer', email: 'cu@tags.example' });
	const chatId = ok(await emit(cust, 'chat-message', { text: 'hi', clientMsgId: 't1' }), 'open').message.chatId;
	ok(await emit(agent, 'pick-next', {}), 'pick');

	assert.deepEqual((await settings(admin)).body, { autoAssign: false, visitorAgentSelection: false, labelingEnabled: false, availableTags: [], businessHours: null });
	const put = await settings(admin, { availableTags: ['billing', 'vip'] });
	assert.equal(put.status, 200, JSON.stringify(put.body));
	assert.deepEqual(put.body.availableTags, ['billing', 'vip']);
	assert.equal((await settings(agent, { availableTags: [] })).status, 403, 'admins only');

	const added = ok(await emit(agent, 'tag-chat', { chatId, op: 'add', tag: 'vip' }), 'tag');
	assert.deepEqual(added.tags, ['vip']);
	assert.deepEqual((await take(agent, 'chat-tags', (e) => e.chatId === chatId)).tags, ['vip']);
	const refused = await emit(agent, 'tag-chat', { chatId, op: 'add', tag: 'angry' });
	assert.equal(refused.error.code, 'BAD_REQUEST', JSON.stringify(refused));
	const rest = await api(stack, agent.token, 'POST', `/chat/conversations/${chatId}/tags`, { tag: 'angry' });
	assert.equal(rest.status, 400);
	assert.equal((await emit(cust, 'tag-chat', { chatId, op: 'get' })).error.code, 'FORBIDDEN');
	ok(await emit(agent, 'tag-chat', { chatId, op: 'del', tag: 'vip' }), 'untag');

	// An empty pool: any tag again.
	assert.deepEqual((await settings(admin, { availableTags: [] })).body.availableTags, []);
	assert.deepEqual(ok(await emit(agent, 'tag-chat', { chatId, op: 'add', tag: 'angry' }), 'any').tags, ['angry']);
	for (const bad of [{ availableTags: 'vip' }, { availableTags: [1] }, { availableTags: ['a\nb'] }, { autoAssign: 'yes' }])
		assert.equal((await settings(admin, bad)).status, 400, JSON.stringify(bad));
}));

test('visitorAgentSelection: a visitor lists the agents online and chooses one, who gets the conversation', w(async () => {
	const org = 'choose';
	const admin = await who(stack, { org, role: 'admin', email: 'boss@choose.example' });
	const ann = await who(stack, { org, role: 'agent', email: 'ann@choose.example' });
	let bob = await who(stack, { org, role: 'agent', email: 'bob@choose.example' });
	const cust = await who(stack, { org, role: 'customer', email: 'cu@choose.example' });

	assert.equal((await emit(cust, 'support-persons', {})).error.code, 'FORBIDDEN', 'off by default');
	assert.equal((await emit(cust, 'set-preferred-agent', { email: 'bob@choose.example' })).error.code, 'FORBIDDEN');
	assert.equal((await settings(admin, { visitorAgentSelection: true })).body.visitorAgentSelection, true);

	const list = ok(await emit(cust, 'support-persons', {}), 'list').agents;
	assert.deepEqual(list.map((a) => [a.email, a.name, a.status, a.available]).sort(),
	    [['ann@choose.example', 'ann', 'available', true], ['bob@choose.example', 'bob', 'available', true]]);
	assert.equal((await emit(cust, 'set-preferred-agent', { email: 'nobody@choose.example' })).error.code, 'AGENT_UNAVAILABLE');
	assert.equal((await emit(ann, 'set-preferred-agent', { email: 'bob@choose.example' })).error.code, 'FORBIDDEN');

	// Chosen before the first message: the conversation goes to bob, not to the queue.
	const chose = ok(await emit(cust, 'set-preferred-agent', { email: 'bob@choose.example' }), 'prefer');
	assert.equal(chose.preferredAgent.email, 'bob@choose.example');
	assert.equal(chose.chat, null);
	const chatId = ok(await emit(cust, 'chat-message', { text: 'bob please', clientMsgId: 'c1' }), 'open').message.chatId;
	const got = await take(bob, 'chat-assigned', (e) => e.chatId === chatId);
	assert.equal(got.how, 'preferred');
	assert.equal(got.agent.email, 'bob@choose.example');

	// bob online: no switching; bob gone: ann takes it.
	assert.equal((await emit(cust, 'set-preferred-agent', { email: 'ann@choose.example' })).error.code, 'BAD_STATE');
	bob.close();
	await sleep(1500);	// queue-svc takes bob's SOCKET_CLOSE
	const sw = ok(await emit(cust, 'set-preferred-agent', { email: 'ann@choose.example' }), 'switch');
	assert.equal(sw.chat.agent.email, 'ann@choose.example');
	await take(ann, 'chat-assigned', (e) => e.chatId === chatId && e.how === 'preferred');
	await take(cust, 'chat-message', (m) => m.chatId === chatId && m.text === 'ann has joined');
	ok(await emit(ann, 'chat-message', { chatId, text: 'ann here', clientMsgId: 'a1' }), 'ann writes');
	await take(cust, 'chat-message', (m) => m.text === 'ann here');
	assert.equal(ok(await emit(cust, 'set-preferred-agent', { email: null }), 'none').preferredAgent, null);
}));

test('labelingEnabled: staff label a conversation and its messages for training data', w(async () => {
	const org = 'labels';
	const admin = await who(stack, { org, role: 'admin', email: 'boss@labels.example' });
	const agent = await who(stack, { org, role: 'agent', email: 'ann@labels.example' });
	const cust = await who(stack, { org, role: 'customer', email: 'cu@labels.example' });
	const chatId = ok(await emit(cust, 'chat-message', { text: 'my parcel is lost', clientMsgId: 'l1' }), 'open').message.chatId;
	ok(await emit(agent, 'pick-next', {}), 'pick');

	assert.equal((await emit(agent, 'label-chat', { chatId, label: 'good' })).error.code, 'FORBIDDEN', 'off by default');
	assert.equal((await settings(admin, { labelingEnabled: true })).body.labelingEnabled, true);
	const a = ok(await emit(agent, 'label-chat', { chatId, label: 'good' }), 'label the conversation');
	assert.equal(a.chat.label, 'good');
	assert.equal(a.chat.by.email, 'ann@labels.example');
	const b = ok(await emit(agent, 'label-chat', { chatId, seq: 1, label: 'needs_review' }), 'label a message');
	assert.deepEqual(b.messages.map((m) => [m.seq, m.label]), [[1, 'needs_review']]);
	assert.equal((await emit(agent, 'label-chat', { chatId, seq: 99, label: 'bad' })).error.code, 'NOT_FOUND');
	assert.equal((await emit(agent, 'label-chat', { chatId, label: 'great' })).error.code, 'BAD_REQUEST');
	assert.equal((await emit(cust, 'label-chat', { chatId, label: 'bad' })).error.code, 'FORBIDDEN');

	const put = await api(stack, admin.token, 'PUT', `/chat/conversations/${chatId}/labels`, { seq: 2, label: 'bad' });
	assert.equal(put.status, 200, JSON.stringify(put.body));
	const got = await api(stack, agent.token, 'GET', `/chat/conversations/${chatId}/labels`);
	assert.deepEqual(got.body.messages.map((m) => [m.seq, m.label]), [[1, 'needs_review'], [2, 'bad']]);
	assert.equal((await api(stack, cust.token, 'GET', `/chat/conversations/${chatId}/labels`)).status, 403);
	const all = await api(stack, admin.token, 'GET', '/chat/labels?limit=10');
	assert.deepEqual(all.body.labels.map((l) => l.chatId), [chatId]);
	const ctx = await api(stack, agent.token, 'GET', `/chat/conversations/${chatId}/context`);
	assert.equal(ctx.body.labels.chat.label, 'good');

	ok(await emit(agent, 'label-chat', { chatId, label: null }), 'unlabel the conversation');
	ok(await emit(agent, 'label-chat', { chatId, seq: 1, label: null }), 'unlabel');
	ok(await emit(agent, 'label-chat', { chatId, seq: 2, label: null }), 'unlabel');
	assert.deepEqual((await api(stack, admin.token, 'GET', '/chat/labels')).body.labels, []);
}));

test('webrtc-signal: members relay offers, answers and candidates to each other, nobody else', w(async () => {
	const org = 'rtc';
	const agent = await who(stack, { org, role: 'agent', email: 'ann@rtc.example' });
	const other = await who(stack, { org, role: 'agent', email: 'bob@rtc.example' });
	const cust = await who(stack, { org, role: 'customer', email: 'cu@rtc.example', context: {} });
	const chatId = ok(await emit(cust, 'chat-message', { text: 'call me', clientMsgId: 'r1' }), 'open').message.chatId;
	assert.equal(ok(await emit(agent, 'pick-next', {}), 'pick').chat.chatId, chatId);

	const offer = { sdp: 'v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\n', type: 'offer' };
	const sent = ok(await emit(agent, 'webrtc-signal', { chatId, type: 'offer', data: offer }), 'offer');
	assert.equal(sent.delivered, 1);
	const got = await take(cust, 'webrtc-signal', (e) => e.chatId === chatId && e.type === 'offer');
	assert.deepEqual(got.data, offer);
	assert.equal(got.from.email, 'ann@rtc.example');
	ok(await emit(cust, 'webrtc-signal', { type: 'answer', data: { sdp: 'v=0', type: 'answer' }, to: 'agent:ann@rtc.example' }), 'answer');
	assert.equal((await take(agent, 'webrtc-signal', (e) => e.type === 'answer')).from.role, 'customer');
	await none(other, 'webrtc-signal');
	assert.equal((await emit(other, 'webrtc-signal', { chatId, type: 'offer', data: offer })).error.code, 'FORBIDDEN');
	assert.equal((await emit(agent, 'webrtc-signal', { chatId, type: 'bogus' })).error.code, 'BAD_REQUEST');
	assert.equal((await emit(agent, 'webrtc-signal', { chatId, type: 'candidate', to: 'agent:bob@rtc.example' })).error.code, 'BAD_REQUEST');
	assert.equal((await emit(agent, 'webrtc-signal', { chatId, type: 'offer', data: { sdp: 'x'.repeat(40000) } })).error.code, 'BAD_REQUEST');
}));

test('canned responses: admins write them, staff list and search them by category', w(async () => {
	const org = 'canned';
	const admin = await who(stack, { org, role: 'admin', email: 'boss@canned.example' });
	const agent = await who(stack, { org, role: 'agent', email: 'ann@canned.example' });
	const cust = await who(stack, { org, role: 'customer', email: 'cu@canned.example' });
	const add = (body) => api(stack, admin.token, 'POST', '/chat/canned', body);
	const a = await add({ title: 'Greeting', text: 'Hello! How can I help you today?', category: 'general', shortcut: '/hi' });
	assert.equal(a.status, 201, JSON.stringify(a.body));
	const b = await add({ title: 'Refund time', text: 'Refunds take 5 working days.', category: 'billing' });
	assert.equal(b.status, 201);
	assert.notEqual(a.body.canned.id, b.body.canned.id);
	assert.equal((await api(stack, agent.token, 'POST', '/chat/canned', { title: 'x', text: 'y' })).status, 403);
	assert.equal((await api(stack, cust.token, 'GET', '/chat/canned')).status, 403);

	const list = (q) => api(stack, agent.token, 'GET', `/chat/canned${q}`).then((r) => r.body.canned.map((c) => c.title));
	assert.deepEqual(await list(''), ['Refund time', 'Greeting']);
	assert.deepEqual(await list('?category=general'), ['Greeting']);
	assert.deepEqual(await list('?q=REFUNDS'), ['Refund time']);
	assert.deepEqual(await list('?q=%2Fhi'), ['Greeting']);

	const id = b.body.canned.id;
	const put = await api(stack, admin.token, 'PUT', `/chat/canned/${id}`, { title: 'Refunds', text: 'Refunds take 3 days.', category: 'billing' });
	assert.equal(put.status, 200, JSON.stringify(put.body));
	assert.equal(put.body.canned.createdAt, b.body.canned.createdAt);
	assert.equal((await api(stack, agent.token, 'GET', `/chat/canned/${id}`)).body.canned.text, 'Refunds take 3 days.');
	assert.equal((await add({ title: 'no text' })).status, 400);
	assert.equal((await add({ title: 'a\nb', text: 'x' })).status, 400);
	assert.equal((await api(stack, admin.token, 'DELETE', `/chat/canned/${id}`)).status, 200);
	assert.equal((await api(stack, admin.token, 'GET', `/chat/canned/${id}`)).status, 404);
	assert.equal((await api(stack, admin.token, 'DELETE', `/chat/canned/${id}`)).status, 404);
}));

test('businessHours: outside them a conversation for a person is refused, or told so, as the org says', w(async () => {
	const org = 'hours';
	const admin = await who(stack, { org, role: 'admin', email: 'boss@hours.example' });
	const agent = await who(stack, { org, role: 'agent', email: 'ann@hours.example' });
	const hoursOf = async (s) => (await api(stack, s.token, 'GET', '/chat/business-hours')).body;
	const c1 = await who(stack, { org, role: 'customer', email: 'c1@hours.example' });
	assert.deepEqual(await hoursOf(c1), { open: true, businessHours: null });

	const closed = { timezone: 'Europe/Berlin', days: {}, outsideHours: 'refuse', message: 'Closed until Monday 9:00' };
	const put = await settings(admin, { businessHours: closed });
	assert.equal(put.status, 200, JSON.stringify(put.body));
	assert.deepEqual(put.body.businessHours, closed);
	assert.equal((await hoursOf(c1)).open, false);
	const no = await emit(c1, 'chat-message', { text: 'hello?', clientMsgId: 'h1' });
	assert.deepEqual(no.error, { code: 'OUTSIDE_HOURS', message: 'Closed until Monday 9:00' });

	await settings(admin, { businessHours: { ...closed, outsideHours: 'message' } });
	const m = ok(await emit(c1, 'chat-message', { text: 'hello?', clientMsgId: 'h2' }), 'told').message;
	await take(c1, 'chat-message', (x) => x.chatId === m.chatId && x.from.role === 'system' && x.text === 'Closed until Monday 9:00');
	await take(agent, 'queue-notification', (x) => x.chatId === m.chatId);

	// Open every day, but today (in Berlin) is a holiday.
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date());
	const always = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]));
	await settings(admin, { businessHours: { timezone: 'Europe/Berlin', days: always, holidays: [today], outsideHours: 'refuse' } });
	const c2 = await who(stack, { org, role: 'customer', email: 'c2@hours.example' });
	assert.equal((await emit(c2, 'chat-message', { text: 'hi', clientMsgId: 'h3' })).error.code, 'OUTSIDE_HOURS');
	await settings(admin, { businessHours: { timezone: 'Europe/Berlin', days: always, outsideHours: 'refuse' } });
	ok(await emit(c2, 'chat-message', { text: 'hi', clientMsgId: 'h3' }), 'open');
	assert.equal((await hoursOf(c2)).open, true);
	assert.equal((await settings(admin, { businessHours: null })).body.businessHours, null);

	for (const bad of [{ timezone: 'Mars/Base', days: {} }, { timezone: 'UTC', days: { mon: ['17:00-09:00'] } }, 'always'])
		assert.equal((await settings(admin, { businessHours: bad })).status, 400, JSON.stringify(bad));
}));

test('conversation_visibility_s: the list hides a conversation its customer left, until they write again', w(async () => {
	const org = 'visible';
	const admin = await who(stack, { org, role: 'admin', email: 'boss@visible.example' });
	const cust = await who(stack, { org, role: 'customer', email: 'cu@visible.example' });
	const chatId = ok(await emit(cust, 'chat-message', { text: 'hi', clientMsgId: 'v1' }), 'open').message.chatId;
	const listed = async (q = '') => (await api(stack, admin.token, 'GET', `/chat/conversations${q}`)).body.conversations.map((c) => c.chatId);
	assert.deepEqual(await listed(), [chatId]);
	await sleep(2300);
	assert.deepEqual(await listed(), [], 'past the 2 s window');
	assert.deepEqual(await listed('?hidden=true'), [chatId]);
	assert.equal((await api(stack, admin.token, 'GET', `/chat/conversations/${chatId}`)).status, 200, 'still there');
	ok(await emit(cust, 'chat-message', { text: 'still here', clientMsgId: 'v2' }), 'again');
	assert.deepEqual(await listed(), [chatId]);
}));

test('GET /chat/ice-servers: the configured STUN and TURN servers, TURN with coturn credentials', w(async () => {
	const cust = await who(stack, { org: 'ice', role: 'customer', email: 'cu@ice.example' });
	const r = await api(stack, cust.token, 'GET', '/chat/ice-servers');
	assert.equal(r.status, 200, JSON.stringify(r.body));
	assert.equal(r.body.ttl, 600);
	const [stun, turn] = r.body.iceServers;
	assert.deepEqual(stun, { urls: ['stun:stun.example.org:3478'] });
	assert.deepEqual(turn.urls, ['turn:turn.example.org:3478?transport=udp']);
	const [expiry, org, email] = turn.username.split(':');
	assert.deepEqual([org, email], ['ice', 'cu@ice.example']);
	assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 600)) < 30, turn.username);
	assert.equal(turn.credential, crypto.createHmac('sha1', 'coturn-shared-secret').update(turn.username).digest('base64'));
}));

test('teams: a hierarchy as a tree, and escalate-chat up the leads', w(async () => {
	const org = 'teams';
	const admin = await who(stack, { org, role: 'admin', email: 'boss@teams.example' });
	const ann = await who(stack, { org, role: 'agent', email: 'ann@teams.example' });
	const lea = await who(stack, { org, role: 'agent', email: 'lea@teams.example' });
	const max = await who(stack, { org, role: 'agent', email: 'max@teams.example' });
	const put = (id, body) => api(stack, admin.token, 'PUT', `/chat/teams/${id}`, body);
	assert.equal((await put('l2', { name: 'Tier 2', lead: 'max@teams.example', members: ['lea@teams.example'] })).status, 200);
	const l1 = await put('l1', { name: 'Tier 1', parent: 'l2', lead: 'lea@teams.example', members: ['ann@teams.example'] });
	assert.equal(l1.status, 200, JSON.stringify(l1.body));
	assert.deepEqual(l1.body.team, { id: 'l1', name: 'Tier 1', parent: 'l2', lead: 'lea@teams.example', members: ['ann@teams.example'] });
	const tree = (await api(stack, ann.token, 'GET', '/chat/teams/tree')).body.teams;
	assert.deepEqual(tree.map((t) => [t.id, t.children.map((c) => [c.id, c.children.length])]), [['l2', [['l1', 0]]]]);
	assert.equal((await put('l2', { name: 'Tier 2', parent: 'l1' })).status, 400, 'no cycles');
	assert.equal((await put('x', { name: 'X', parent: 'nope' })).status, 400);
	assert.equal((await api(stack, admin.token, 'DELETE', '/chat/teams/l2')).status, 409, 'it has a team under it');
	assert.equal((await api(stack, ann.token, 'PUT', '/chat/teams/mine', { name: 'Mine' })).status, 403);

	const cust = await who(stack, { org, role: 'customer', email: 'cu@teams.example' });
	const chatId = ok(await emit(cust, 'chat-message', { text: 'this is hard', clientMsgId: 'e1' }), 'open').message.chatId;
	ok(await emit(ann, 'pick-next', {}), 'ann picks');
	const up1 = ok(await emit(ann, 'escalate-chat', { chatId, note: 'refund over limit' }), 'to lea');
	assert.equal(up1.escalatedTo, 'lea@teams.example');
	assert.equal(up1.chat.agent.email, 'lea@teams.example');
	const sys = await take(cust, 'chat-message', (m) => m.chatId === chatId && /^Transferred/.test(m.text));
	assert.match(sys.text, /to lea/);
	const ev = await take(lea, 'chat-transferred', (e) => e.chatId === chatId);
	assert.equal(ev.note, 'Escalated to the lead of team l1: refund over limit');
	assert.equal(ok(await emit(lea, 'escalate-chat', { chatId }), 'to max').escalatedTo, 'max@teams.example');
	assert.equal((await emit(max, 'escalate-chat', { chatId })).error.code, 'BAD_STATE', 'nobody above max');
	assert.equal((await emit(ann, 'escalate-chat', { chatId })).error.code, 'FORBIDDEN', 'no longer hers');
	assert.equal((await emit(cust, 'escalate-chat', { chatId })).error.code, 'FORBIDDEN');
	assert.equal((await api(stack, admin.token, 'DELETE', '/chat/teams/l1')).status, 200);
	assert.deepEqual((await api(stack, admin.token, 'GET', '/chat/teams')).body.teams.map((t) => t.id), ['l2']);
}));
