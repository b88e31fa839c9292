// Helpers shared by the ai*.test.mjs files: REST calls, reply jobs sent
// to confab-ai over NNG as queue-svc sends them, and recording the
// chat-stream events a socket receives.
import { NngReq, MSG } from './ai-nng.mjs';
import { waitUntil } from './harness.mjs';

/** A REST call with a bearer token; resolves with { status, body }. */
export async function rest(stack, token, method, path, body) {
	const res = await fetch(stack.url + path, {
		method,
		headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
		body: body !== undefined ? JSON.stringify(body) : undefined,
	});
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch { json = text; }
	return { status: res.status, body: json };
}

/** An NNG REQ socket to the stack's confab-ai. */
export function aiSocket(stack) {
	return NngReq.connect(stack.config.ai_address);
}

let jobSeq = 0;

/**
 * Sends a reply job (CM_MSG_AI_JOB) as queue-svc would, for a customer
 * identity; resolves with the reply frame.
 */
export function sendJob(nng, { org = 'demo', chatId, configId = 'demo', email, name = 'Customer', members, seq, text, agent, messageId }) {
	const s = seq !== undefined ? seq : ++jobSeq;
	return nng.request(MSG.AI_JOB, org, {
		chatId,
		configId,
		customer: { email, name },
		members: members || [`customer:${email}`],
		messageId: messageId || `${s}-0`,
		seq: s,
		text,
		...(agent ? { agent } : {}),
	});
}

/** Sends the cancel queue-svc sends when a human takes over. */
export function cancelJobs(nng, { org = 'demo', chatId, reason = 'takeover' }) {
	return nng.request(MSG.AI_JOB, org, { op: 'cancel', chatId, reason });
}

/**
 * Records the chat-stream and typing events of a socket:
 * s.streams is a Map streamId -> { chatId, events: [{event, data}] }.
 */
export function recordStreams(s) {
	s.streams = new Map();
	s.typing = [];
	s.on('chat-stream', (ev) => {
		if (!s.streams.has(ev.streamId)) s.streams.set(ev.streamId, { chatId: ev.chatId, events: [] });
		s.streams.get(ev.streamId).events.push({ event: ev.event, data: ev.data });
	});
	s.on('typing', (ev) => s.typing.push(ev));
	return s;
}

/** The streams of chatId that ended, in arrival order. */
export function endedStreams(s, chatId) {
	return [...s.streams.entries()]
		.filter(([, v]) => v.chatId === chatId && v.events.some((e) => e.event === 'end'))
		.map(([id, v]) => ({ id, ...v, end: v.events.find((e) => e.event === 'end').data }));
}

/** Waits for the first ended stream of chatId that was not aborted; returns it. */
export async function waitStream(s, chatId, ms = 10000) {
	return waitUntil(() => endedStreams(s, chatId).find((x) => !x.end.aborted), ms,
	    `a finished chat-stream of ${chatId} (have ${JSON.stringify([...s.streams.values()].slice(-2))})`);
}

/** The text of a stream's chunk events, concatenated. */
export function chunkText(stream) {
	return stream.events.filter((e) => e.event === 'chunk').map((e) => e.data).join('');
}

/** The ai-result hash of a job, as an object ({} if none). */
export async function resultOf(stack, jobId, org = 'demo') {
	const out = (await stack.redis('HGETALL', `${stack.prefix}ai-result:{${org}}:${jobId}`)).trim();
	const lines = out ? out.split('\n') : [];
	const h = {};
	for (let i = 0; i + 1 < lines.length; i += 2) h[lines[i]] = lines[i + 1];
	if (h.json) h.result = JSON.parse(h.json);
	return h;
}

/** Pending entries of the job stream's group (not yet acknowledged). */
export async function pendingJobs(stack) {
	const out = (await stack.redis('XPENDING', `${stack.prefix}ai-jobs`, 'ai')).trim();
	return Number(out.split('\n')[0]);
}

/**
 * Whether queue-svc stores AI results yet (CM_MSG_AI_RESULT): the result
 * hash says "unknown-type" while it does not.  Tests check the stored
 * message only once it does.
 */
export function queueStoresResults(h) {
	return h.status === 'ok' && h.delivered === '1';
}
