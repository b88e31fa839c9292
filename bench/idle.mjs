// Idle-connection probe (a stopgap until bench/'s C load generator):
// opens N WebSocket + Engine.IO + Socket.IO connections to a running
// gateway, each authenticated into /chat, holds them, and prints the
// resident memory of the processes whose pids are given, before and
// after, and per connection.
//
//	node bench/idle.mjs URL TOKEN N PID...
//
// Run from tests/interop (it uses that folder's `ws` package).
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/interop/package.json', import.meta.url));
const WebSocket = require('ws');
const [url, token, nArg, ...pids] = process.argv.slice(2);
const n = Number(nArg);
if (!url || !token || !n || pids.length === 0) {
	console.error('usage: node bench/idle.mjs URL TOKEN N PID...');
	process.exit(64);
}

function rssKiB(pid) {
	const m = /VmRSS:\s*(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) : 0;
}
const totalRss = () => pids.reduce((a, p) => a + rssKiB(p), 0);

function open() {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`,
		    { perMessageDeflate: false });
		const timer = setTimeout(() => reject(new Error('connect timeout')), 20000);
		ws.on('message', (d) => {
			const m = d.toString();
			if (m.startsWith('0'))
				ws.send(`40/chat,${JSON.stringify({ token })}`);
			else if (m === '2')
				ws.send('3');
			else if (m.startsWith('40/chat,')) {
				clearTimeout(timer);
				resolve(ws);
			} else if (m.startsWith('44'))
				reject(new Error(m));
		});
		ws.on('error', reject);
	});
}

const before = totalRss();
const socks = [];
const t0 = Date.now();
for (let i = 0; i < n; i += 100) {
	const batch = [];
	for (let k = i; k < Math.min(n, i + 100); k++)
		batch.push(open());
	socks.push(...await Promise.all(batch));
}
const took = Date.now() - t0;
await new Promise((r) => setTimeout(r, 2000));
const after = totalRss();
console.log(`connections: ${socks.length} in ${took} ms`);
console.log(`server RSS: ${before} KiB before, ${after} KiB after`);
console.log(`per connection: ${((after - before) * 1024 / socks.length).toFixed(0)} bytes`);
for (const s of socks)
	s.terminate();
