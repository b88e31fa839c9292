// Strict durability: with redis_wait_replicas set, a chat-message is
// acknowledged only once a replica has it (Redis WAIT); without the
// replica the client is told to retry, and the retry after a replica
// came stores nothing twice.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Stack, waitUntil } from './harness.mjs';

let stack;
let replica;
after(async () => {
	replica?.kill('SIGKILL');
	await stack?.stop();
});

test('redis_wait_replicas: no ack without a replica, then one once it syncs', async () => {
	stack = await Stack.start({ name: 'durable', redisTcp: true,
	    config: { redis_wait_replicas: 1, redis_wait_timeout_ms: 1000 } });
	const token = await stack.token({ role: 'customer', email: 'durable@example.com' });
	const s = await stack.connect({ token, orgId: 'demo' });
	const first = await s.timeout(5000).emitWithAck('chat-message', { text: 'keep me', clientMsgId: 'd-1' });
	assert.equal(first.ok, false);
	assert.equal(first.error.code, 'SERVICE_UNAVAILABLE');

	replica = spawn('redis-server', ['--port', '0', '--unixsocket', path.join(stack.dir, 'replica.sock'),
	    '--dir', stack.dir, '--dbfilename', 'replica.rdb', '--save', '', '--replicaof', '127.0.0.1', String(stack.redisPort)],
	    { stdio: 'ignore' });
	await waitUntil(async () => /slave0:.*state=online/.test(await stack.redis('INFO', 'replication')), 10000, 'the replica to sync');
	// As a client would: retry with the same id until a replica has it.
	// WAIT may also time out later on a loaded machine; the client's answer
	// is the same retry, so both sends go through it.
	const sendUntilAcked = async (text, clientMsgId) => {
		let ack;
		for (let i = 0; i < 20; i++) {
			ack = await s.timeout(5000).emitWithAck('chat-message', { text, clientMsgId });
			if (ack.ok) break;
			assert.equal(ack.error.code, 'SERVICE_UNAVAILABLE', JSON.stringify(ack));
			await new Promise((r) => setTimeout(r, 200));
		}
		assert.equal(ack.ok, true, JSON.stringify(ack));
		return ack;
	};
	const again = await sendUntilAcked('keep me', 'd-1');
	await sendUntilAcked('and me', 'd-2');
	// However many tries each took: each stored once.
	assert.equal(await stack.xlen(stack.historyKey(again.message.chatId)), 2);
	s.close();
});
