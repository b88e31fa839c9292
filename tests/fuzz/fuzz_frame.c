/* libFuzzer target: the NNG frame decoder, and re-encoding what it read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct cm_frame f;
	unsigned char *out;
	size_t n;

	if (cm_frame_decode(data, len, &f) == -1)
		return (0);
	/*
	 * A frame that decodes must encode back to the same bytes, but for
	 * the reserved byte, which receivers ignore and senders zero.
	 */
	out = malloc(cm_frame_size(&f));
	n = cm_frame_encode(&f, out);
	if (n != len || memcmp(out, data, 7) != 0 || out[7] != 0 ||
	    memcmp(out + 8, data + 8, len - 8) != 0)
		__builtin_trap();
	free(out);
	return (0);
}
