// An OpenAI-compatible fixture server for the ai-bridge tests: POST
// /v1/chat/completions with "stream": true answered in the real
// streaming wire format (text/event-stream, "data: {chunk}\n\n" lines
// of chat.completion.chunk objects, then "data: [DONE]").  The request's
// "model" picks the scenario:
//
//	content		content deltas "Hello", " there", ", how can I help?"
//	slow		ten content deltas 300 ms apart (for takeover)
//	transfer	a little content, then a transfer_chat_to_agent call
//			whose arguments arrive split across three chunks
//	faq		a search_faq call; once the tool's answer comes back
//			(a second request), content that quotes it
//	error		HTTP 401 with an OpenAI error object
//	stream-error	one delta, then an error object in the stream
//	stall		one delta, then nothing (the connection stays open)
//	truncated	one delta, then the connection closes without [DONE]
//	echo		streams back what it was asked: the system prompt's
//			first line and the last user message
//
// A request with "stream": false (the bridge's summary call) gets a
// plain chat.completion that lists the customer's questions.
//
// Every request is recorded (headers and parsed body) for assertions.
// The chunks are written with CRLF or LF line ends and split at odd
// places, as proxies do, so the client's SSE parser earns its keep.
import http from 'node:http';
import https from 'node:https';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function chunk(model, delta, finish = null) {
	return {
		id: 'chatcmpl-fixture',
		object: 'chat.completion.chunk',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [{ index: 0, delta, finish_reason: finish }],
	};
}

export class Fixture {
	/** Starts on 127.0.0.1; opts.tls = { key, cert } serves HTTPS. */
	static async start(opts = {}) {
		const f = new Fixture();
		const handler = (req, res) => f._handle(req, res);
		f.server = opts.tls ? https.createServer(opts.tls, handler) : http.createServer(handler);
		f.open = new Set();
		f.server.on('connection', (s) => {
			f.open.add(s);
			s.on('close', () => f.open.delete(s));
		});
		await new Promise((resolve) => f.server.listen(0, '127.0.0.1', resolve));
		f.port = f.server.address().port;
		f.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${f.port}`;
		return f;
	}

	constructor() {
		this.requests = [];	// { headers, body, at }
		this.crlf = false;	// alternates line ends per response
	}

	async stop() {
		for (const s of this.open) s.destroy();
		await new Promise((resolve) => this.server.close(resolve));
	}

	async _handle(req, res) {
		let raw = '';
		for await (const c of req) raw += c;
		let body = null;
		try { body = JSON.parse(raw); } catch { /* recorded as null */ }
		this.requests.push({ method: req.method, url: req.url, headers: req.headers, body, at: Date.now() });
		if (req.method !== 'POST' || req.url !== '/v1/chat/completions' || !body) {
			res.writeHead(404, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
			return;
		}
		const model = body.model;
		if (body.stream === false) {
			// A plain completion (the bridge's summary call).
			const last = [...body.messages].reverse().find((m) => m.role === 'user');
			const asked = last ? last.content.split('\n').filter((l) => l.startsWith('customer: ')).map((l) => l.slice(10)) : [];
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({
				id: 'chatcmpl-fixture', object: 'chat.completion', model,
				choices: [{ index: 0, message: { role: 'assistant', content: `The customer asked: ${asked.join('; ')}.` }, finish_reason: 'stop' }],
			}));
			return;
		}
		if (model === 'error') {
			res.writeHead(401, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }));
			return;
		}
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		const eol = (this.crlf = !this.crlf) ? '\r\n' : '\n';
		const send = async (obj) => {
			const text = `data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}${eol}${eol}`;
			// Split in two writes at an odd place.
			const cut = Math.max(1, Math.floor(text.length / 3));
			res.write(text.slice(0, cut));
			await sleep(2);
			res.write(text.slice(cut));
		};
		const content = async (parts, gap = 10) => {
			await send(chunk(model, { role: 'assistant', content: '' }));
			for (const p of parts) {
				await send(chunk(model, { content: p }));
				await sleep(gap);
			}
		};
		const done = async (finish = 'stop') => {
			await send(chunk(model, {}, finish));
			await send('[DONE]');
			res.end();
		};
		switch (model) {
		case 'content':
			res.write(`: keep-alive comment${eol}${eol}`);
			await content(['Hello', ' there', ', how can I help?']);
			await done();
			break;
		case 'slow':
			await content(Array.from({ length: 10 }, (_, i) => `part${i} `), 300);
			await done();
			break;
		case 'transfer': {
			await content(['Let me get a colleague.']);
			const args = '{"reason": "billing dispute"}';
			await send(chunk(model, { tool_calls: [{ index: 0, id: 'call_t1', type: 'function', function: { name: 'transfer_chat_to_agent', arguments: '' } }] }));
			await send(chunk(model, { tool_calls: [{ index: 0, function: { arguments: args.slice(0, 7) } }] }));
			await send(chunk(model, { tool_calls: [{ index: 0, function: { arguments: args.slice(7, 19) } }] }));
			await send(chunk(model, { tool_calls: [{ index: 0, function: { arguments: args.slice(19) } }] }));
			await done('tool_calls');
			break;
		}
		case 'faq': {
			const tool = body.messages.find((m) => m.role === 'tool');
			if (!tool) {
				await send(chunk(model, { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_f1', type: 'function', function: { name: 'search_faq', arguments: '{"que' } }] }));
				await send(chunk(model, { tool_calls: [{ index: 0, function: { arguments: 'ry":"refund"}' } }] }));
				await done('tool_calls');
			} else {
				const found = JSON.parse(tool.content);
				const first = found.entries && found.entries[0] && found.entries[0].entry;
				await content(['From our FAQ: ', first ? first.answer : 'nothing found']);
				await done();
			}
			break;
		}
		case 'stream-error':
			await content(['Hel']);
			await send({ error: { message: 'The server had an error while processing your request.', type: 'server_error' } });
			res.end();
			break;
		case 'stall':
			await content(['I am thinking']);
			// Nothing more: the client's deadline must end this.
			break;
		case 'truncated':
			await content(['Half an ans']);
			res.destroy();
			break;
		case 'echo': {
			const sys = body.messages[0] && body.messages[0].role === 'system' ? body.messages[0].content.split('\n')[0] : '';
			const last = [...body.messages].reverse().find((m) => m.role === 'user');
			await content([`sys=${sys}|`, `user=${last ? last.content : ''}`]);
			await done();
			break;
		}
		default:
			await content([`unknown model ${model}`]);
			await done();
		}
	}
}
