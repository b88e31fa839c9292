// A minimal NNG REQ client over the ipc:// transport, so that tests can
// send confab-ai the frames queue-svc sends it (CM_MSG_AI_JOB), with no
// NNG binding in node.  It speaks the SP handshake (8 bytes: 00 'S' 'P'
// 00, protocol, 00 00; REQ0 is 0x30, REP0 0x31), then messages framed
// as a 0x01 byte and a 64-bit big-endian length, whose payload is the
// 4-byte request id (high bit set) that REQ/REP carries, then the
// confab frame (common/proto.h: 16-byte header, org, JSON body).
import net from 'node:net';

export const MSG = { PING: 1, SOCKET_OPEN: 2, SOCKET_CLOSE: 3, EVENT: 5, REST: 6, AI_JOB: 8, AI_RESULT: 9 };
export const STATUS = { OK: 0, BAD_FRAME: 1, UNKNOWN_TYPE: 2, ERROR: 3, UNAVAILABLE: 4 };

export function encodeFrame(type, org, body, corr = 1n, status = 0) {
	const o = Buffer.from(org, 'ascii');
	const b = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
	const h = Buffer.alloc(16);
	h.write('CF', 0, 'ascii');
	h[2] = 1;
	h[3] = type;
	h.writeUInt16BE(status, 4);
	h[6] = o.length;
	h[7] = 0;
	h.writeBigUInt64BE(BigInt(corr), 8);
	return Buffer.concat([h, o, b]);
}

export function decodeFrame(buf) {
	if (buf.length < 16 || buf.toString('ascii', 0, 2) !== 'CF') throw new Error('not a confab frame');
	const type = buf[3], status = buf.readUInt16BE(4), olen = buf[6];
	const org = buf.toString('ascii', 16, 16 + olen);
	const text = buf.toString('utf8', 16 + olen);
	return { type, status, org, corr: buf.readBigUInt64BE(8), body: text ? JSON.parse(text) : null };
}

/** One REQ socket to an ipc:// URL; request() sends a frame and waits for its reply. */
export class NngReq {
	static async connect(url, ms = 5000) {
		const c = new NngReq(url.replace(/^ipc:\/\//, ''));
		await c._open(ms);
		return c;
	}

	constructor(path) {
		this.path = path;
		this.buf = Buffer.alloc(0);
		this.peerSeen = false;
		this.waiting = new Map();	// request id -> { resolve, reject, timer }
		this.nextId = 1;
	}

	_open(ms) {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no SP handshake from ${this.path} within ${ms} ms`)), ms);
			this.sock = net.connect(this.path);
			this.sock.on('connect', () => this.sock.write(Buffer.from([0, 0x53, 0x50, 0, 0x00, 0x30, 0, 0])));
			this.sock.on('error', (e) => { clearTimeout(timer); reject(e); this._failAll(e); });
			this.sock.on('close', () => this._failAll(new Error('connection closed')));
			this.sock.on('data', (d) => {
				this.buf = Buffer.concat([this.buf, d]);
				if (!this.peerSeen) {
					if (this.buf.length < 8) return;
					const h = this.buf.subarray(0, 8);
					this.buf = this.buf.subarray(8);
					if (h[1] !== 0x53 || h[2] !== 0x50 || h.readUInt16BE(4) !== 0x31) {
						clearTimeout(timer);
						reject(new Error(`bad SP header ${h.toString('hex')}`));
						this.sock.destroy();
						return;
					}
					this.peerSeen = true;
					clearTimeout(timer);
					resolve();
				}
				this._drain();
			});
		});
	}

	_drain() {
		while (this.buf.length >= 9) {
			const len = Number(this.buf.readBigUInt64BE(1));
			if (this.buf.length < 9 + len) return;
			const payload = this.buf.subarray(9, 9 + len);
			this.buf = this.buf.subarray(9 + len);
			if (this.buf.length === 0) this.buf = Buffer.alloc(0);
			const id = payload.readUInt32BE(0) & 0x7fffffff;
			const w = this.waiting.get(id);
			if (!w) continue;
			this.waiting.delete(id);
			clearTimeout(w.timer);
			try {
				w.resolve(decodeFrame(payload.subarray(4)));
			} catch (e) {
				w.reject(e);
			}
		}
	}

	_failAll(err) {
		for (const w of this.waiting.values()) {
			clearTimeout(w.timer);
			w.reject(err);
		}
		this.waiting.clear();
	}

	/** Sends frame (type, org, body) and resolves with the decoded reply. */
	request(type, org, body, ms = 5000) {
		const id = this.nextId++;
		const frame = encodeFrame(type, org, body, BigInt(id));
		const head = Buffer.alloc(13);
		head[0] = 1;
		head.writeBigUInt64BE(BigInt(4 + frame.length), 1);
		head.writeUInt32BE((0x80000000 | id) >>> 0, 9);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiting.delete(id);
				reject(new Error(`no reply to request ${id} within ${ms} ms`));
			}, ms);
			this.waiting.set(id, { resolve, reject, timer });
			this.sock.write(Buffer.concat([head, frame]));
		});
	}

	close() {
		this._failAll(new Error('closed'));
		this.sock?.end();
	}
}
