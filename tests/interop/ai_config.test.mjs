// Chat configs (PUT/GET/DELETE /chat/config/{configId}), the AI settings
// (/chat/ai/settings, /chat/ai/agents/{email}) and the greeting a
// customer gets on connecting with context.configId.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, sleep, waitEvent, whenConnected } from './harness.mjs';
import { rest } from './ai-helpers.mjs';

let stack, admin, agent, customer;

before(async () => {
	stack = await Stack.start({ name: 'ai-config' });
	admin = await stack.token({ role: 'admin', email: 'boss@example.com', name: 'Boss' });
	agent = await stack.token({ role: 'agent', email: 'ann@example.com', name: 'Ann' });
	customer = await stack.token({ role: 'customer', email: 'cc@example.com', name: 'Cee' });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

const welcome = {
	greeting: 'Welcome! I am Max.',
	assistant: {
		backend: 'openai', baseUrl: 'https://api.example.com', model: 'gpt-4o-mini',
		apiKey: 'sk-secret-1', name: 'Max', tone: 'warm', personality: 'patient',
		rules: ['never promise refunds'], widgetColor: 'blue',
	},
	theme: { color: '#123456' },
};

test('an admin stores a chat config; GET shows it without the secret', w(async () => {
	let r = await rest(stack, admin, 'PUT', '/chat/config/welcome', welcome);
	assert.equal(r.status, 201, JSON.stringify(r.body));
	assert.equal(r.body.configId, 'welcome');
	assert.equal(r.body.assistant.apiKey, '(set)');
	r = await rest(stack, customer, 'GET', '/chat/config/welcome');
	assert.equal(r.status, 200);
	assert.equal(r.body.greeting, welcome.greeting);
	assert.equal(r.body.assistant.name, 'Max');
	assert.equal(r.body.assistant.apiKey, '(set)');
	assert.equal(r.body.assistant.widgetColor, 'blue', 'unknown fields are kept');
	assert.deepEqual(r.body.theme, { color: '#123456' });
	assert.ok(!JSON.stringify(r.body).includes('sk-secret-1'));
	// The key is stored, under the org's hash tag.
	const raw = await stack.redis('GET', `${stack.prefix}ai-config:{demo}:welcome`);
	assert.match(raw, /sk-secret-1/);
}));

test('a PUT that sends "(set)" back keeps the stored key; a new key replaces it', w(async () => {
	const got = (await rest(stack, admin, 'GET', '/chat/config/welcome')).body;
	got.greeting = 'Welcome back!';
	let r = await rest(stack, admin, 'PUT', '/chat/config/welcome', got);
	assert.equal(r.status, 200, JSON.stringify(r.body));
	assert.match(await stack.redis('GET', `${stack.prefix}ai-config:{demo}:welcome`), /sk-secret-1/);
	got.assistant.apiKey = 'sk-secret-2';
	r = await rest(stack, admin, 'PUT', '/chat/config/welcome', got);
	assert.equal(r.status, 200);
	const raw = await stack.redis('GET', `${stack.prefix}ai-config:{demo}:welcome`);
	assert.match(raw, /sk-secret-2/);
	assert.doesNotMatch(raw, /sk-secret-1/);
	await rest(stack, admin, 'PUT', '/chat/config/welcome', welcome);
}));

test('only admins change configs; staff list them; bad ones are refused', w(async () => {
	let r = await rest(stack, agent, 'PUT', '/chat/config/x', { greeting: 'hi' });
	assert.equal(r.status, 403);
	assert.equal(r.body.error.code, 'FORBIDDEN');
	r = await rest(stack, customer, 'DELETE', '/chat/config/welcome');
	assert.equal(r.status, 403);
	r = await rest(stack, customer, 'GET', '/chat/config');
	assert.equal(r.status, 403);
	r = await rest(stack, agent, 'GET', '/chat/config');
	assert.equal(r.status, 200);
	assert.ok(r.body.configs.some((c) => c.configId === 'welcome' && c.assistant.apiKey === '(set)'));
	for (const [body, why] of [
		[{ assistant: { backend: 'gpt' } }, /backend/],
		[{ assistant: { backend: 'openai' } }, /baseUrl and model/],
		[{ assistant: { backend: 'openai', baseUrl: 'ftp://x', model: 'm' } }, /baseUrl/],
		[{ assistant: { apiKeyFile: '../../etc/shadow' } }, /apiKeyFile/],
		[{ assistant: { temperature: 7 } }, /out of range/],
		[{ greeting: 42 }, /greeting/],
		[[1, 2], /object/],
	]) {
		r = await rest(stack, admin, 'PUT', '/chat/config/bad', body);
		assert.equal(r.status, 400, JSON.stringify(body));
		assert.match(r.body.error.message, why);
	}
	r = await rest(stack, admin, 'PUT', '/chat/config/bad%20id', { greeting: 'x' });
	assert.equal(r.status, 400);
	r = await rest(stack, admin, 'GET', '/chat/config/nothing-here');
	assert.equal(r.status, 404);
}));

test('a config is deleted once', w(async () => {
	await rest(stack, admin, 'PUT', '/chat/config/temp', { greeting: 'tmp' });
	let r = await rest(stack, admin, 'DELETE', '/chat/config/temp');
	assert.equal(r.status, 200);
	r = await rest(stack, admin, 'DELETE', '/chat/config/temp');
	assert.equal(r.status, 404);
	r = await rest(stack, admin, 'GET', '/chat/config');
	assert.ok(!r.body.configs.some((c) => c.configId === 'temp'));
}));

test('the AI settings and an agent override: staff read, admins (or the agent) write', w(async () => {
	let r = await rest(stack, agent, 'GET', '/chat/ai/settings');
	assert.equal(r.status, 200);
	assert.equal(r.body.mode, 'ai', 'the default mode');
	assert.equal(r.body.allowPerAgentMode, false);
	r = await rest(stack, agent, 'PUT', '/chat/ai/settings', { mode: 'manual' });
	assert.equal(r.status, 403);
	r = await rest(stack, admin, 'PUT', '/chat/ai/settings', { mode: 'sometimes' });
	assert.equal(r.status, 400);
	r = await rest(stack, admin, 'PUT', '/chat/ai/settings', { mode: 'agent-wise', allowPerAgentMode: true, character: { name: 'Org Bot', tone: 'calm' } });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	assert.equal(r.body.mode, 'agent-wise');
	r = await rest(stack, customer, 'GET', '/chat/ai/settings');
	assert.equal(r.status, 403);
	r = await rest(stack, agent, 'PUT', '/chat/ai/agents/ann%40example.com', { aiEnabled: true, character: { name: 'Ann Bot' } });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	r = await rest(stack, agent, 'PUT', '/chat/ai/agents/other%40example.com', { aiEnabled: true });
	assert.equal(r.status, 403, 'an agent changes only its own');
	r = await rest(stack, admin, 'GET', '/chat/ai/agents/ann%40example.com');
	assert.deepEqual(r.body, { aiEnabled: true, character: { name: 'Ann Bot' } });
	r = await rest(stack, admin, 'PUT', '/chat/ai/settings', { mode: 'ai' });
	assert.equal(r.status, 200);
}));

/** A customer socket with context.configId, recording its greetings. */
async function greetedSocket(token, configId) {
	const s = stack.socket({ auth: { token, orgId: 'demo', context: configId ? { configId } : {} } });
	s.greetings = [];
	s.on('ai-greeting', (g) => s.greetings.push(g));
	await whenConnected(s);
	return s;
}

test('a customer connecting with context.configId is greeted once per identity', w(async () => {
	const t1 = await stack.token({ role: 'customer', email: 'greet-me@example.com' });
	const s1 = await greetedSocket(t1, 'welcome');
	const g = s1.greetings[0] || await waitEvent(s1, 'ai-greeting', 5000);
	assert.deepEqual(g, { configId: 'welcome', text: welcome.greeting, assistant: { name: 'Max' } });
	// A second tab of the same identity: no second greeting.
	const s2 = await greetedSocket(t1, 'welcome');
	await sleep(800);
	assert.equal(s1.greetings.length, 1, JSON.stringify(s1.greetings));
	assert.equal(s2.greetings.length, 0, 'greeted already');
	// No configId, or one without a greeting: no greeting.
	const t3 = await stack.token({ role: 'customer', email: 'plain@example.com' });
	const s3 = await greetedSocket(t3, undefined);
	const s4 = await greetedSocket(t3, 'nothing-here');
	await sleep(500);
	assert.equal(s3.greetings.length + s4.greetings.length, 0);
	// Agents are not greeted.
	const s5 = await greetedSocket(agent, 'welcome');
	await sleep(300);
	assert.equal(s5.greetings.length, 0);
	for (const s of [s1, s2, s3, s4, s5]) s.close();
}));
