/*
 * libFuzzer target: the SP framing the services read from their own
 * REP listener (common/svc_rep.c), walked over the input as a byte
 * stream would be: the handshake, then messages (ipc framing when the
 * first byte is odd, tcp otherwise), each with its REQ backtrace.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svc_rep.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	int ipc;
	size_t off, hlen, bt;
	uint64_t mlen;
	uint8_t *msg;

	if (len < 1)
		return (0);
	ipc = data[0] & 1;
	data++;
	len--;
	if (len < 8 || cm_sp_handshake(data, 0x30) == -1)
		return (0);
	hlen = ipc ? 9 : 8;
	for (off = 8; len - off >= hlen; off += hlen + (size_t)mlen) {
		/* A small cap, so that the fuzzer reaches whole messages. */
		if (cm_sp_msg_len(data + off, ipc, 4096, &mlen) == -1)
			return (0);
		if (mlen < 4 || mlen > 4096)
			__builtin_trap();
		if (len - off - hlen < mlen)
			return (0);
		/* A copy of its own size, so that ASan sees any overread. */
		msg = malloc((size_t)mlen);
		memcpy(msg, data + off + hlen, (size_t)mlen);
		bt = cm_sp_backtrace(msg, (size_t)mlen);
		if (bt != 0 && (bt % 4 != 0 || bt > mlen ||
		    bt > 4 * CM_SP_MAX_HOPS || !(msg[bt - 4] & 0x80)))
			__builtin_trap();
		free(msg);
	}
	return (0);
}
