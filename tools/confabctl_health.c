/*
 * confabctl health gateway|presence|queue|ai: asks one process whether
 * it is ready, the way its clients reach it, and says why in one line.
 * Exit 0 healthy, 1 not (Nagios and Docker HEALTHCHECK read it so).
 *
 *	gateway		GET /readyz on gateway_listen (Redis and NNG links)
 *	services	a PING frame over NNG to the service's address,
 *			answered by a request thread that PINGs Redis
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netdb.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "cfg.h"
#include "confabctl.h"
#include "log.h"
#include "proto.h"
#include "util.h"

#define HEALTH_TIMEOUT_MS	2000

static int
health_service(const char *name, const char *url)
{
	struct cm_frame f = { .type = CM_MSG_PING, .corr = 1, .body = "{}",
	    .body_len = 2 }, r;
	unsigned char buf[64];
	nng_socket s;
	nng_msg *reply = NULL;
	size_t n = cm_frame_encode(&f, buf);
	int rv;

	if ((rv = nng_req0_open(&s)) != 0) {
		printf("CRITICAL - %s: %s\n", name, nng_strerror(rv));
		return (1);
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, HEALTH_TIMEOUT_MS);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, HEALTH_TIMEOUT_MS);
	if ((rv = nng_dial(s, url, NULL, 0)) != 0 ||
	    (rv = nng_send(s, buf, n, 0)) != 0 ||
	    (rv = nng_recvmsg(s, &reply, 0)) != 0) {
		printf("CRITICAL - %s: no answer from %s: %s\n", name, url,
		    nng_strerror(rv));
		nng_close(s);
		return (1);
	}
	rv = cm_frame_decode(nng_msg_body(reply), nng_msg_len(reply), &r);
	if (rv == -1)
		printf("CRITICAL - %s: bad answer from %s\n", name, url);
	else if (r.status != CM_ST_OK)
		printf("CRITICAL - %s: answers, but Redis is down (%.*s)\n",
		    name, (int)r.body_len, r.body);
	else
		printf("OK - %s: ready (%.*s)\n", name, (int)r.body_len,
		    r.body);
	nng_msg_free(reply);
	nng_close(s);
	return (rv == -1 || r.status != CM_ST_OK);
}

/* GET /readyz over a plain TCP connection; returns the status code. */
static int
health_http(const char *addr, char *body, size_t bodylen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	struct timeval tv = { HEALTH_TIMEOUT_MS / 1000, 0 };
	char host[256], port[16], req[512], resp[2048];
	const char *b;
	ssize_t n;
	size_t got = 0;
	int fd, p, status = -1;

	if (cm_split_hostport(addr, host, sizeof(host), &p) == -1)
		return (-1);
	snprintf(port, sizeof(port), "%d", p);
	if (getaddrinfo(host[0] ? host : "127.0.0.1", port, &hints, &res) != 0)
		return (-1);
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (fd != -1 && connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
		snprintf(req, sizeof(req), "GET /readyz HTTP/1.1\r\nHost: %s"
		    "\r\nConnection: close\r\n\r\n", addr);
		if (write(fd, req, strlen(req)) > 0)
			while (got < sizeof(resp) - 1 && (n = read(fd,
			    resp + got, sizeof(resp) - 1 - got)) > 0)
				got += (size_t)n;
		resp[got] = '\0';
		if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
			status = -1;
		b = strstr(resp, "\r\n\r\n");
		cm_strlcpy(body, b != NULL ? b + 4 : "", bodylen);
	}
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	return (status);
}

static int
health_gateway(const char *addr)
{
	char body[1024];
	int status = health_http(addr, body, sizeof(body));

	if (status == 200) {
		printf("OK - gateway: ready %s\n", body);
		return (0);
	}
	if (status < 0)
		printf("CRITICAL - gateway: no answer on %s\n", addr);
	else
		printf("CRITICAL - gateway: readyz %d %s\n", status, body);
	return (1);
}

int
ctl_health(const char *cfgpath, int argc, char **argv)
{
	struct cm_cfg cfg;
	const char *what = argc == 2 ? argv[1] : "";
	int rv;

	if (strcmp(what, "gateway") != 0 && strcmp(what, "presence") != 0 &&
	    strcmp(what, "queue") != 0 && strcmp(what, "ai") != 0) {
		ctl_usage_cmd(ctl_find("health"));
		return (EX_USAGE);
	}
	if (cm_cfg_load(&cfg, cfgpath) == -1)
		return (EX_CONFIG);
	if (strcmp(what, "gateway") == 0)
		rv = health_gateway(cfg.gateway_listen);
	else if (strcmp(what, "presence") == 0)
		rv = health_service(what, cfg.presence_address);
	else if (strcmp(what, "queue") == 0)
		rv = health_service(what, cfg.queue_address);
	else
		rv = health_service(what, cfg.ai_address);
	cm_cfg_free(&cfg);
	return (rv);
}
