// Soak under chaos: customers (two tabs each) open conversations, agents
// pick them with pick-next (retried until every conversation is
// assigned), then customers and agents send acknowledged chat messages,
// retrying with the same clientMsgId, while a driver SIGKILLs gateway
// workers, the whole gateway, presence-svc, queue-svc and ai-bridge at
// random moments and restarts Redis (AOF on).  A few more customers
// ("quiet") get one answer from their agent and then say nothing, so
// that the short inactivity timers of this stack must warn and close
// their conversations during the chaos.  Two more ("ai") named the
// demo chat config: the assistant answers their questions, through
// confab-ai and queue-svc being killed too.  At the end it compares what
// every sender had acknowledged with the conversation histories and with
// what the other side received (the agent for a customer's messages, the
// customer's tabs for an agent's), and prints one line per figure.
//
//	node tests/soak/soak.mjs [SECONDS] [CUSTOMERS]
//
// Exits 1 when a message acknowledged was lost or stored twice, when
// presence rows outlive their sockets past the documented bound, when an
// inactivity timer that was due did not fire (or warned a conversation
// that was not idle), or when the run could not be carried out (nothing
// acknowledged, conversations never assigned).  Messages that reached
// the other side neither live nor replayed are counted, not failed: they
// are in the history, and live delivery is at most once.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Stack, BIN, sleep, waitUntil } from '../interop/harness.mjs';

const seconds = Number(process.argv[2] || 120);
const ncustomers = Number(process.argv[3] || 16);
const nquiet = Math.max(2, Math.ceil(ncustomers / 4));
const MAX_CHATS = 4;			// agent_max_chats: replay covers 5 conversations
const nagents = Math.ceil((ncustomers + nquiet) / MAX_CHATS) + 1;
const NAI = 2;				// customers of the assistant
const AI_ASK_EVERY_MS = 1500;
const AI_QUESTIONS = ['How long does shipping take?', 'Which payment methods do you accept?',
	'What are your opening hours?', 'How do I return an item?'];
const SEND_EVERY_MS = 250;
const ACK_MS = 3000;
const PRESENCE_BOUND_MS = 15000;	// worker timeout + sweep, see README
const WARN_S = 3;			// inactivity_warning_s
const CLOSE_S = 10;			// inactivity_close_s
// A deadline counts as missed only this long after it was due: the
// timer thread's tick plus a queue-svc or Redis restart in between.
const TIMER_SLACK_MS = 5000;
const PICK_BOUND_MS = 30000;
const WARN_RE = /^No message for a while/;
const CLOSE_RE = /closed after inactivity/;

const rand = (n) => Math.floor(Math.random() * n);
const chaosLog = [];
let runStart = Date.now();
const log = (...a) => console.log('soak:', ...a);

const stack = await Stack.start({
	name: 'soak',
	redisAof: true,
	config: {
		log_level: 'notice', nng_timeout_ms: 2000, nng_resend_ms: 500,
		rate_limit_chat_per_minute: 0, rate_limit_events_per_minute: 0,
		ping_interval_ms: 2000, ping_timeout_ms: 2000,
		inactivity_warning_s: WARN_S, inactivity_close_s: CLOSE_S,
		agent_max_chats: MAX_CHATS, auto_assign: 0, ai_debounce_ms: 200, ai_job_claim_ms: 2000,
	},
});
await promisify(execFile)(path.join(BIN, 'confab-ai'), ['-c', stack.confPath, '--seed-demo']);
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
	const admin = await stack.token({ role: 'admin', email: 'soak-admin@example.com' });
	const customers = [];
	for (let i = 0; i < ncustomers + nquiet; i++) {
		const quiet = i >= ncustomers;
		const email = `${quiet ? 'quiet' : 'soak'}${i}@example.com`;
		const token = await stack.token({ role: 'customer', email });
		const tabs = (quiet ? [0] : [0, 1]).map(() => openTab(token));
		customers.push({ role: 'customer', email, token, tabs, quiet, acked: new Map(), seq: 0, chats: new Set() });
	}
	for (let i = 0; i < NAI; i++) {
		const email = `asks${i}@example.com`;
		const token = await stack.token({ role: 'customer', email });
		const tab = openTab(token, { configId: 'demo' });
		customers.push({ role: 'customer', email, token, tabs: [tab], ai: true, acked: new Map(), seq: 0, chats: new Set() });
	}
	const agents = [];
	for (let i = 0; i < nagents; i++) {
		const email = `agent${i}@example.com`;
		const token = await stack.token({ role: 'agent', email, name: `Agent ${i}` });
		agents.push({ role: 'agent', email, token, tabs: [openTab(token)], acked: new Map(), seq: 0, chats: [], full: false });
	}
	const everyone = [...customers, ...agents];
	await waitUntil(() => everyone.every((c) => c.tabs.every((t) => t.connected)), 20000, 'every tab connected');
	await waitUntil(async () => {
		const r = await rest(admin, '/chat/queue/agents');
		return r && r.agents && agents.every((a) => r.agents.some((x) => x.email === a.email));
	}, 10000, 'every agent online in queue-svc');

	// Every customer opens a conversation (no chaos yet).
	const convs = new Map();	// chatId -> { chatId, customer, agent, quiet }
	await Promise.all(customers.filter((c) => !c.ai).map(async (c) => {
		const ack = await send(c, 0, { text: `open ${c.email}` }, () => false);
		convs.set(ack.message.chatId, { chatId: ack.message.chatId, customer: c, agent: null, quiet: c.quiet });
	}));
	const askers = customers.filter((c) => c.ai);
	await Promise.all(askers.map((c) => send(c, 0, { text: AI_QUESTIONS[0] }, () => false)));

	let stop = false;
	const t0 = runStart = Date.now();
	const chaos = chaosDriver(() => stop);
	try {
		// Agents take turns at pick-next until every conversation has one.
		const picks = await pickAll(agents, convs, admin);
		figures['conversations'] = `${ncustomers} busy (2 tabs each) + ${nquiet} quiet, picked by ${nagents} agents ` +
		    `(${picks.calls} pick-next calls, ${picks.retries} without an answer, ${picks.reconciled} assignments learnt over REST)`;
		// The quiet conversations get one answer, then silence.
		await Promise.all([...convs.values()].filter((v) => v.quiet).map(async (v) => {
			const ack = await send(v.agent, 0, { chatId: v.chatId, text: `one answer for ${v.customer.email}` }, () => false);
			v.answeredAt = ack.message.ts;
		}));
		const busy = [...convs.values()].filter((v) => !v.quiet);
		for (const v of busy) v.agent.chats.push(v);
		const senders = [
			...customers.filter((c) => !c.quiet && !c.ai).map((c) => customerSender(c, () => stop)),
			...agents.map((a) => agentSender(a, () => stop)),
			...askers.map((c) => aiAsker(c, () => stop)),
		];
		await sleep(Math.max(0, seconds * 1000 - (Date.now() - t0)));
		stop = true;
		await Promise.all(senders);
	} finally {
		stop = true;
		await chaos;
	}
	log('chaos over; settling');
	await sleep(2000);
	// The quiet conversations' deadlines, if the run was shorter.
	const due = Math.max(...[...convs.values()].filter((v) => v.quiet).map((v) => v.answeredAt)) + CLOSE_S * 1000 + TIMER_SLACK_MS;
	if (Date.now() < due) {
		log(`waiting ${due - Date.now()} ms for the quiet conversations' deadlines`);
		await sleep(due - Date.now());
	}

	// Histories of every conversation any customer wrote in.
	for (const c of customers) for (const id of c.chats) if (!convs.has(id)) convs.set(id, { chatId: id, customer: c, agent: null, quiet: c.quiet });
	for (const v of convs.values()) {
		v.history = await history(v.chatId);
		const joined = v.history.find((m) => m.kind === 'system' && / has joined/.test(m.text));
		v.joinSeq = joined ? joined.seq : Infinity;
	}

	// Lost and stored twice: every acknowledged message against its history.
	let acked = 0, ackedByAgents = 0, lost = 0, twice = 0;
	const lostIds = [], twiceIds = [];
	const stored = new Map();	// "role:email|clientMsgId" -> times, over all conversations
	for (const v of convs.values())
		for (const m of v.history)
			if (m.clientMsgId) {
				const k = `${m.role}:${m.email}|${m.clientMsgId}`;
				stored.set(k, (stored.get(k) || 0) + 1);
			}
	for (const who of everyone) {
		acked += who.acked.size;
		if (who.role === 'agent') ackedByAgents += who.acked.size;
		for (const [k, m] of who.acked) {
			const inChat = convs.get(m.chatId)?.history.some((h) => `${h.role}:${h.email}|${h.clientMsgId}` === k);
			if (!inChat) { lost++; lostIds.push(`${k} in ${m.chatId}`); }
		}
	}
	for (const [k, n] of stored) if (n > 1) { twice++; twiceIds.push(`${k} x${n}`); }

	// The other side: the other tab and the agent for a customer's
	// message, the customer's tabs for an agent's.
	const d = { tabLive: 0, tabLate: 0, tabMissed: 0, agLive: 0, agLate: 0, agMissed: 0, cuLive: 0, cuLate: 0, cuMissed: 0 };
	const tally = (s, key, live, late, missed) => {
		const how = s.received.get(key);
		d[how === 'live' ? live : how === 'late' ? late : missed]++;
	};
	for (const c of customers) {
		for (const [, m] of c.acked) {
			const key = `${m.chatId}/${m.id}`;
			if (c.tabs.length > 1) tally(c.tabs[1 - m.tab], key, 'tabLive', 'tabLate', 'tabMissed');
			const v = convs.get(m.chatId);
			if (v?.agent && m.seq > v.joinSeq) tally(v.agent.tabs[0], key, 'agLive', 'agLate', 'agMissed');
		}
	}
	for (const a of agents)
		for (const [, m] of a.acked)
			for (const t of convs.get(m.chatId).customer.tabs) tally(t, `${m.chatId}/${m.id}`, 'cuLive', 'cuLate', 'cuMissed');

	// The assistant: its answers (one per question at most; a second
	// answer to one job would count as stored twice above).
	const ai = { asked: 0, answers: 0, live: 0, queued: 0 };
	for (const c of askers) {
		ai.asked += c.acked.size;
		for (const id of c.chats) {
			const h = convs.get(id).history;
			ai.answers += h.filter((m) => m.role === 'ai').length;
			const st = await rest(admin, `/chat/conversations/${id}`);
			if (st?.chat?.status === 'queued') ai.queued++;
		}
		ai.live += c.tabs[0].aiAnswers;
	}

	// Timers: each quiet conversation must have been warned and closed;
	// each silence over the warning delay in a busy one must have been warned.
	const tm = timerCheck(convs);

	figures['messages acked'] = `${acked} (${acked - ackedByAgents} by customers, ${ackedByAgents} by agents)`;
	figures['lost (must be 0)'] = lost + (lostIds.length ? ` (${lostIds.slice(0, 5).join(', ')})` : '');
	figures['stored twice (must be 0)'] = twice + (twiceIds.length ? ` (${twiceIds.slice(0, 5).join(', ')})` : '');
	figures['customer messages at the agent: delivered live'] = d.agLive;
	figures['customer messages at the agent: delivered late after reconnect (replayed)'] = d.agLate;
	figures['customer messages at the agent: not delivered (stored, in the history)'] = d.agMissed;
	figures['agent messages at the customer\'s tabs: delivered live'] = d.cuLive;
	figures['agent messages at the customer\'s tabs: delivered late after reconnect (replayed)'] = d.cuLate;
	figures['agent messages at the customer\'s tabs: not delivered (stored, in the history)'] = d.cuMissed;
	figures['assistant: questions acked, answers stored, answers received live, conversations handed to the queue'] =
	    `${ai.asked}, ${ai.answers}, ${ai.live}, ${ai.queued} of ${askers.reduce((n, c) => n + c.chats.size, 0)}`;
	figures['delivered live to the other tab'] = d.tabLive;
	figures['delivered late to the other tab (replayed)'] = d.tabLate;
	figures['not delivered to the other tab (it was reconnecting; stored, in the history)'] = d.tabMissed;

	for (const who of everyone) for (const t of who.tabs) t.close();
	const tc = Date.now();
	let left = -1;
	await waitUntil(async () => (left = await countKeys('chat-socket:*')) === 0, PRESENCE_BOUND_MS, 'presence rows to go')
	    .catch(() => {});
	figures['presence rows left for sockets that no longer exist (must be 0)'] = left;
	figures['  ... gone after (ms)'] = Date.now() - tc;
	figures['timers lost (must be 0)'] = `${tm.lost} of ${tm.due} due (quiet conversations: ${tm.warned}/${tm.quiet} warned, ` +
	    `${tm.closed}/${tm.quiet} closed, latest ${tm.late} ms after its deadline; ` +
	    `silences over ${WARN_S} s + ${TIMER_SLACK_MS / 1000} s in busy conversations: ${tm.gapsWarned}/${tm.gaps} warned)` +
	    (tm.missing.length ? `: ${tm.missing.slice(0, 5).join('; ')}` : '');
	figures['  ... inactivity-warning and chat-closed events received by the quiet conversations\' members'] = `${tm.eventsGot} of ${tm.events}`;
	figures['  ... longest silence in a busy conversation (ms); inactivity warnings there during the traffic, after it'] =
	    `${tm.longest}; ${tm.busyWarnings}, ${tm.busyWarningsAfter}`;
	figures['inactivity warnings with a message less than inactivity_warning_s before them (must be 0)'] =
	    tm.spurious.length + (tm.spurious.length ? ` (${tm.spurious.slice(0, 6).join('; ')})` : '');
	figures['busy conversations closed by inactivity (a chaos outage over inactivity_close_s)'] = tm.busyClosed;
	figures['chaos actions'] = chaosLog.join(', ');
	failed = lost > 0 || twice > 0 || left !== 0 || acked === 0 || tm.lost > 0 || tm.spurious.length > 0 || ai.answers === 0;
}

/** The timers that were due, and those that did not fire. */
function timerCheck(convs) {
	const r = { due: 0, lost: 0, quiet: 0, warned: 0, closed: 0, late: 0, gaps: 0, gapsWarned: 0, busyClosed: 0, busyWarnings: 0,
		longest: 0, missing: [], spurious: [], events: 0, eventsGot: 0, busyWarningsAfter: 0 };
	const now = Date.now();
	for (const v of convs.values()) {
		const h = v.history;
		const sys = (re) => h.find((m) => m.kind === 'system' && re.test(m.text));
		if (v.quiet) {
			r.quiet++;
			for (const t of [...v.customer.tabs, ...(v.agent ? v.agent.tabs : [])])
				for (const ev of ['inactivity-warning', 'chat-closed']) {
					r.events++;
					if (t.timerEvents.has(`${v.chatId} ${ev}`)) r.eventsGot++;
				}
			// Its last message: the agent's answer (the deadlines run from it).
			const last = Math.max(...h.filter((m) => m.kind !== 'system').map((m) => m.ts));
			const warn = sys(WARN_RE), close = sys(CLOSE_RE);
			for (const [what, m, at] of [['warning', warn, last + WARN_S * 1000], ['close', close, last + CLOSE_S * 1000]]) {
				if (now < at + TIMER_SLACK_MS) continue;
				r.due++;
				if (m) {
					r[what === 'warning' ? 'warned' : 'closed']++;
					r.late = Math.max(r.late, m.ts - at);
				} else {
					r.lost++;
					r.missing.push(`no ${what} in quiet ${v.chatId} (${v.customer.email}), due ${now - at} ms ago`);
				}
			}
			continue;
		}
		if (sys(CLOSE_RE)) r.busyClosed++;
		for (const w of h.filter((m) => m.kind === 'system' && WARN_RE.test(m.text))) {
			if (h.some((m) => m.kind !== 'system' && m.seq > w.seq)) r.busyWarnings++;
			else r.busyWarningsAfter++;
			// A warning needs inactivity_warning_s without a message before it.
			const p = h.filter((m) => m.kind !== 'system' && m.seq < w.seq).pop();
			if (p && w.ts - p.ts < WARN_S * 1000)
				r.spurious.push(`${v.chatId} seq ${w.seq} at +${((w.ts - runStart) / 1000).toFixed(1)} s, ` +
				    `${w.ts - p.ts} ms after seq ${p.seq}`);
		}
		// Busy: between two messages further apart than the warning delay
		// (plus slack), a warning must have been stored.
		let prev = null;
		for (const m of h) {
			if (m.kind === 'system') continue;
			if (prev && prev.seq >= v.joinSeq) r.longest = Math.max(r.longest, m.ts - prev.ts);
			if (prev && prev.seq >= v.joinSeq && m.ts - prev.ts > WARN_S * 1000 + TIMER_SLACK_MS) {
				r.gaps++;
				r.due++;
				if (h.some((x) => x.kind === 'system' && WARN_RE.test(x.text) && x.seq > prev.seq && x.seq < m.seq)) r.gapsWarned++;
				else {
					r.lost++;
					r.missing.push(`no warning in busy ${v.chatId} between seq ${prev.seq} and ${m.seq} (${m.ts - prev.ts} ms apart)`);
				}
			}
			prev = m;
		}
	}
	return r;
}

function openTab(token, context) {
	const s = stack.socket({ auth: { token, orgId: 'demo', ...(context ? { context } : {}) }, reconnectionDelay: 200, reconnectionDelayMax: 1000 });
	s.received = new Map();	// "chatId/id" -> 'live' | 'late'
	s.aiAnswers = 0;
	s.timerEvents = new Set();	// "chatId event"
	for (const ev of ['inactivity-warning', 'chat-closed'])
		s.on(ev, (e) => s.timerEvents.add(`${e.chatId} ${ev}`));
	s.on('chat-message', (m) => {
		const key = `${m.chatId}/${m.id}`;
		if (m.from?.role === 'ai' && !m.replayed) s.aiAnswers++;
		if (!m.replayed) s.received.set(key, 'live');
		else if (!s.received.has(key)) s.received.set(key, 'late');
	});
	// A refusal by the server (Redis down) is not retried by the client.
	s.on('connect_error', () => setTimeout(() => { if (!s.connected) s.connect(); }, 500));
	return s;
}

/**
 * Sends one chat-message from who's tab, retrying with the same
 * clientMsgId until acknowledged.  Resolves with the ack; an error other
 * than SERVICE_UNAVAILABLE or INTERNAL resolves too (the caller decides)
 * unless it is unexpected, which throws.
 */
async function send(who, tab, data, stopped, allowed = []) {
	const clientMsgId = `${who.email}-${who.seq++}`;
	const text = data.text || `m ${clientMsgId}`;
	const since = Date.now();
	for (let attempt = 0; ; attempt++) {
		if (stopped() && Date.now() - since > 30000)
			throw new Error(`${who.email}: ${clientMsgId} not acknowledged within 30 s`);
		const s = who.tabs[tab];
		if (!s.connected) {
			await sleep(100);
			if (attempt > 600) throw new Error(`${who.email}: tab never reconnected`);
			continue;
		}
		let ack;
		try {
			ack = await s.timeout(ACK_MS).emitWithAck('chat-message', { ...data, text, clientMsgId });
		} catch {
			continue;		/* no ack: retry, same id */
		}
		if (ack?.ok) {
			const m = ack.message;
			who.acked.set(`${who.role}:${who.email}|${clientMsgId}`, { chatId: m.chatId, id: m.id, seq: m.seq, tab });
			if (who.role === 'customer') who.chats.add(m.chatId);
			return ack;
		}
		const code = ack?.error?.code;
		if (code === 'SERVICE_UNAVAILABLE' || code === 'INTERNAL') {
			await sleep(200);
			continue;
		}
		if (allowed.includes(code)) return ack;
		throw new Error(`${who.email}: ack ${JSON.stringify(ack)}`);
	}
}

async function customerSender(c, stopped) {
	while (!stopped()) {
		await send(c, rand(2), {}, stopped);
		await sleep(SEND_EVERY_MS);
	}
}

/** A customer of the assistant asks a question now and then. */
async function aiAsker(c, stopped) {
	for (let i = 1; !stopped(); i++) {
		await sleep(AI_ASK_EVERY_MS);
		await send(c, 0, { text: AI_QUESTIONS[i % AI_QUESTIONS.length] }, stopped);
	}
}

/** An agent writes to its busy conversations in turn; a closed one is left. */
async function agentSender(a, stopped) {
	let i = 0;
	while (!stopped()) {
		const open = a.chats.filter((v) => !v.closed);
		if (open.length === 0) {
			await sleep(SEND_EVERY_MS);
			continue;
		}
		const v = open[i++ % open.length];
		const ack = await send(a, 0, { chatId: v.chatId }, stopped, ['CHAT_CLOSED']);
		if (!ack.ok) v.closed = true;
		await sleep(SEND_EVERY_MS);
	}
}

/**
 * Agents take turns at pick-next until every conversation is assigned.
 * A pick whose ack was lost is found over REST (the conversation's agent).
 */
async function pickAll(agents, convs, admin) {
	const st = { calls: 0, retries: 0, reconciled: 0 };
	const byEmail = new Map(agents.map((a) => [a.email, a]));
	const open = () => [...convs.values()].filter((v) => !v.agent);
	const reconcile = async () => {
		for (const v of open()) {
			const r = await rest(admin, `/chat/conversations/${v.chatId}`);
			const a = r?.chat?.status === 'active' && byEmail.get(r.chat.agent?.email);
			if (a) {
				v.agent = a;
				st.reconciled++;
			}
		}
	};
	const deadline = Date.now() + PICK_BOUND_MS;
	for (let turn = 0; open().length; turn++) {
		if (Date.now() > deadline)
			throw new Error(`conversations never assigned: ${open().map((v) => v.chatId).join(' ')}`);
		const a = agents[turn % agents.length];
		if (a.full || !a.tabs[0].connected) {
			if (turn % agents.length === agents.length - 1) await sleep(100);
			continue;
		}
		st.calls++;
		let ack;
		try {
			ack = await a.tabs[0].timeout(ACK_MS).emitWithAck('pick-next', {});
		} catch {
			st.retries++;
			await reconcile();
			continue;
		}
		const code = ack?.error?.code;
		if (ack?.ok && ack.chat) {
			const v = convs.get(ack.chat.chatId);
			if (!v) throw new Error(`${a.email} picked ${ack.chat.chatId}, no conversation of this run`);
			v.agent = a;
		} else if (ack?.ok) {
			await reconcile();	// the queue is empty: an earlier pick was lost
			await sleep(100);
		} else if (code === 'AT_CAPACITY') {
			a.full = true;
		} else if (code === 'SERVICE_UNAVAILABLE' || code === 'INTERNAL') {
			st.retries++;
			await sleep(200);
		} else {
			throw new Error(`${a.email}: pick-next ${JSON.stringify(ack)}`);
		}
	}
	return st;
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
		chaosLog.push(`${name}@${((Date.now() - runStart) / 1000).toFixed(1)}s`);
		log(`kill ${name}`);
		await act();
	}
}

/** A REST GET as JSON, or null when it fails (the gateway may be down). */
async function rest(token, path) {
	try {
		const res = await fetch(stack.url + path, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) });
		return res.ok ? await res.json() : null;
	} catch {
		return null;
	}
}

/** A conversation's stored messages: { seq, ts, role, email, text, clientMsgId, kind }. */
async function history(chatId) {
	const out = JSON.parse(await stack.redis('--json', 'XRANGE', stack.historyKey(chatId), '-', '+'));
	return out.map(([id, fields]) => {
		const f = Array.isArray(fields) ? Object.fromEntries(fields.flatMap((x, i) => (i % 2 ? [] : [[x, fields[i + 1]]]))) : fields;
		return { id, seq: Number(f.seq), ts: Number(f.ts), role: f.role, email: f.email, text: f.text, clientMsgId: f.clientMsgId, kind: f.kind };
	});
}

async function countKeys(pattern) {
	const out = (await stack.redis('--scan', '--pattern', `${stack.prefix}${pattern}`)).trim();
	return out === '' ? 0 : out.split('\n').length;
}
