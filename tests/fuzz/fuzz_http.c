/*
 * libFuzzer target: the HTTP request reader (http_parser plus our
 * header capture and limits), fed in two pieces split by the first byte.
 */
#include <stdint.h>
#include <string.h>

#include "http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct gw_http_req *r = gw_http_req_new();
	size_t split = len > 0 ? data[0] % (len + 1) : 0;
	char v[64];

	r->max_head = 4096;
	r->max_body = 4096;
	if (gw_http_feed(r, (const char *)data, split) >= 0 && !r->complete)
		gw_http_feed(r, (const char *)data + split, len - split);
	if (r->complete && r->url.len > 0) {
		gw_http_query_param(r->url.data, "EIO", v, sizeof(v));
		gw_http_path(r->url.data, v, sizeof(v));
	}
	gw_http_req_free(r);
	return (0);
}
