/* libFuzzer target: the Socket.IO packet parser and UTF-8 validator. */
#include <stdint.h>
#include <string.h>

#include "gw.h"
#include "sio.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct gw_sio_packet p;

	gw_utf8_valid(data, len);
	if (gw_sio_parse((const char *)data, len, &p) == 0) {
		/* Borrowed pointers must stay inside the input. */
		if (p.data < (const char *)data ||
		    p.data + p.data_len > (const char *)data + len)
			__builtin_trap();
		cJSON_Delete(cm_json_parse(p.data, p.data_len));
	}
	return (0);
}
