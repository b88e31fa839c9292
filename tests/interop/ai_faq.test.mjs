// The FAQ knowledge base under /chat/faq: CRUD, categories, ordering,
// reorder, bulk import (all or nothing), BM25 search, and who may do
// what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack } from './harness.mjs';
import { rest } from './ai-helpers.mjs';

let stack, admin, agent, customer;

before(async () => {
	stack = await Stack.start({ name: 'ai-faq' });
	admin = await stack.token({ role: 'admin', email: 'boss@example.com' });
	agent = await stack.token({ role: 'agent', email: 'ann@example.com' });
	customer = await stack.token({ role: 'customer', email: 'cc@example.com' });
});
after(async () => {
	await stack?.stop();
});

const w = (fn) => (t) => stack.wrap(fn)(t);

const entries = [
	{ id: 'hours', category: 'general', question: 'What are your opening hours?', keywords: ['hours', 'open'], answer: 'Nine to five.' },
	{ id: 'refund', category: 'orders', question: 'How do I get a refund?', keywords: ['refund', 'money back', 'return'], answer: 'Refunds take 5 days.' },
	{ id: 'shipping', category: 'orders', question: 'How long does shipping take?', keywords: ['delivery', 'shipping'], answer: 'Two to four days.' },
	{ id: 'password', category: 'account', question: 'How do I reset my password?', keywords: ['login', 'password'], answer: 'Use the reset link.' },
];

test('bulk import, then list in order with a category filter and sorting', w(async () => {
	let r = await rest(stack, admin, 'POST', '/chat/faq/import', { entries, replace: true });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	assert.equal(r.body.imported, 4);
	r = await rest(stack, customer, 'GET', '/chat/faq');
	assert.equal(r.status, 200);
	assert.deepEqual(r.body.entries.map((e) => e.id), ['hours', 'refund', 'shipping', 'password']);
	assert.deepEqual(r.body.entries.map((e) => e.order), [0, 1, 2, 3]);
	r = await rest(stack, customer, 'GET', '/chat/faq?category=orders');
	assert.deepEqual(r.body.entries.map((e) => e.id), ['refund', 'shipping']);
	r = await rest(stack, agent, 'GET', '/chat/faq?sort=question&dir=desc');
	assert.deepEqual(r.body.entries.map((e) => e.id), ['hours', 'shipping', 'password', 'refund']);
	r = await rest(stack, agent, 'GET', '/chat/faq?sort=bogus');
	assert.equal(r.status, 400);
	r = await rest(stack, agent, 'GET', '/chat/faq/categories');
	assert.deepEqual(r.body.categories, [
		{ name: 'general', count: 1 }, { name: 'orders', count: 2 }, { name: 'account', count: 1 }]);
}));

test('create, read, update, delete one entry', w(async () => {
	let r = await rest(stack, admin, 'POST', '/chat/faq', { question: 'Do you ship abroad?', answer: 'Yes, to the EU.', category: 'orders' });
	assert.equal(r.status, 201, JSON.stringify(r.body));
	const id = r.body.id;
	assert.match(id, /^[\w-]{12}$/);
	assert.equal(r.body.order, 4, 'a new entry goes last');
	assert.equal(r.body.enabled, true);
	r = await rest(stack, customer, 'GET', `/chat/faq/${id}`);
	assert.equal(r.body.answer, 'Yes, to the EU.');
	r = await rest(stack, admin, 'PUT', `/chat/faq/${id}`, { answer: 'Yes, worldwide.', keywords: ['abroad', 'international'] });
	assert.equal(r.status, 200);
	assert.equal(r.body.answer, 'Yes, worldwide.');
	assert.equal(r.body.question, 'Do you ship abroad?', 'fields not given stay');
	assert.ok(r.body.updatedAt >= r.body.createdAt);
	r = await rest(stack, admin, 'PATCH', `/chat/faq/${id}`, { enabled: false });
	assert.equal(r.body.enabled, false);
	// Customers do not see a disabled entry; staff do.
	r = await rest(stack, customer, 'GET', `/chat/faq/${id}`);
	assert.equal(r.status, 404);
	r = await rest(stack, agent, 'GET', `/chat/faq/${id}`);
	assert.equal(r.status, 200);
	r = await rest(stack, admin, 'DELETE', `/chat/faq/${id}`);
	assert.equal(r.status, 200);
	r = await rest(stack, admin, 'DELETE', `/chat/faq/${id}`);
	assert.equal(r.status, 404);
}));

test('reorder puts the named entries first, in that order', w(async () => {
	let r = await rest(stack, admin, 'POST', '/chat/faq/reorder', { ids: ['password', 'shipping'] });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	r = await rest(stack, customer, 'GET', '/chat/faq');
	assert.deepEqual(r.body.entries.map((e) => e.id), ['password', 'shipping', 'hours', 'refund']);
	r = await rest(stack, admin, 'POST', '/chat/faq/reorder', { ids: ['password', 'nope'] });
	assert.equal(r.status, 400);
}));

test('search ranks with BM25: the refund question for a money-back query', w(async () => {
	let r = await rest(stack, customer, 'GET', '/chat/faq/search?q=' + encodeURIComponent('I want my money back, how do refunds work?'));
	assert.equal(r.status, 200, JSON.stringify(r.body));
	assert.ok(r.body.results.length >= 1);
	assert.equal(r.body.results[0].entry.id, 'refund');
	assert.ok(r.body.results[0].score > 1, JSON.stringify(r.body.results[0]));
	for (let i = 1; i < r.body.results.length; i++)
		assert.ok(r.body.results[i - 1].score >= r.body.results[i].score);
	r = await rest(stack, customer, 'GET', '/chat/faq/search?q=delivery%20time&category=orders&limit=1');
	assert.equal(r.body.results.length, 1);
	assert.equal(r.body.results[0].entry.id, 'shipping');
	r = await rest(stack, customer, 'GET', '/chat/faq/search?q=weather%20on%20mars');
	assert.deepEqual(r.body.results, []);
	r = await rest(stack, customer, 'GET', '/chat/faq/search');
	assert.equal(r.status, 400);
}));

test('only admins write; a bad import changes nothing', w(async () => {
	for (const [method, path, body] of [
		['POST', '/chat/faq', { question: 'q', answer: 'a' }],
		['PUT', '/chat/faq/hours', { answer: 'x' }],
		['DELETE', '/chat/faq/hours', undefined],
		['POST', '/chat/faq/reorder', { ids: [] }],
		['POST', '/chat/faq/import', { entries }],
	]) {
		for (const who of [agent, customer]) {
			const r = await rest(stack, who, method, path, body);
			assert.equal(r.status, 403, `${method} ${path}`);
		}
	}
	let r = await rest(stack, admin, 'POST', '/chat/faq/import', { entries: [{ question: 'fine', answer: 'fine' }, { question: 'no answer' }], replace: true });
	assert.equal(r.status, 400);
	assert.match(r.body.error.message, /entry 1/);
	r = await rest(stack, customer, 'GET', '/chat/faq');
	assert.equal(r.body.entries.length, 4, 'nothing replaced');
	r = await rest(stack, admin, 'POST', '/chat/faq', { question: 'x', answer: 'y', id: 'search' });
	assert.equal(r.status, 409);
	r = await rest(stack, admin, 'POST', '/chat/faq', { question: 'x', answer: 'y', id: 'hours' });
	assert.equal(r.status, 409);
	r = await rest(stack, admin, 'POST', '/chat/faq', { question: '', answer: 'y' });
	assert.equal(r.status, 400);
	// An import with ids updates those entries in place.
	r = await rest(stack, admin, 'POST', '/chat/faq/import', { entries: [{ id: 'hours', answer: 'Eight to six.' }] });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	r = await rest(stack, customer, 'GET', '/chat/faq/hours');
	assert.equal(r.body.answer, 'Eight to six.');
	assert.equal(r.body.question, 'What are your opening hours?');
}));
