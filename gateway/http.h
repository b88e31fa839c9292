/* The parsed HTTP request, shared by http.c (parsing) and rest.c. */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <sys/types.h>

#include <http_parser.h>

#include "util.h"

struct gw_http_req {
	http_parser	 parser;
	struct cm_buf	 url;
	struct cm_buf	 body;
	struct cm_buf	 field;		/* header name being read */
	struct cm_buf	 value;		/* header value being read */
	int		 in_value;
	size_t		 head_bytes;
	size_t		 fed;		/* bytes of this request seen */
	size_t		 max_head;
	size_t		 max_body;
	int		 too_large;	/* 413 or 431 */
	int		 complete;
	/* The headers confab reads (malloc'd, NULL when absent). */
	char		*upgrade;
	char		*ws_key;
	char		*ws_version;
	char		*authorization;
	char		*orgid;
	char		*user_agent;
	char		*origin;
	char		*forwarded_for;
};

struct gw_http_req *gw_http_req_new(void);
void	gw_http_req_free(struct gw_http_req *r);

/* Copies query parameter name of the URL into out; -1 if absent. */
int	gw_http_query_param(const char *url, const char *name, char *out,
	    size_t outlen);

/* The path of a URL (before '?'), into out; -1 if too long. */
int	gw_http_path(const char *url, char *out, size_t outlen);

/* Reason phrase of a status code. */
const char *gw_http_reason(int status);

/* Resets a request for the next one on a keep-alive connection. */
void	gw_http_req_reset(struct gw_http_req *r);

/* Feeds bytes to the parser; returns bytes consumed, -1 on bad HTTP. */
ssize_t	gw_http_feed(struct gw_http_req *r, const char *data, size_t len);

#endif
