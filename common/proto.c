/*
 * The NNG frame codec: a fixed 16-byte header, the org id and a JSON
 * body (see proto.h for the layout).  Multi-byte fields are big endian
 * and written byte by byte, so the code has no alignment or host-order
 * assumptions.
 */
#include <ctype.h>
#include <string.h>

#include "proto.h"

static const char *const msg_type_names[CM_MSG_TYPE_MAX] = {
	[CM_MSG_PING] =			"ping",
	[CM_MSG_SOCKET_OPEN] =		"socket-open",
	[CM_MSG_SOCKET_CLOSE] =		"socket-close",
	[CM_MSG_SOCKET_REFRESH] =	"socket-refresh",
	[CM_MSG_EVENT] =		"event",
	[CM_MSG_REST] =			"rest",
	[CM_MSG_WORKER_HEARTBEAT] =	"worker-heartbeat",
	[CM_MSG_AI_JOB] =		"ai-job",
	[CM_MSG_AI_RESULT] =		"ai-result",
};

/* An org is 0..CM_ORG_MAX bytes of printable ASCII, no blanks. */
static int
org_valid(const char *org, size_t len)
{
	size_t	 i;

	if (len > CM_ORG_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if ((unsigned char)org[i] < 0x21 ||
		    (unsigned char)org[i] > 0x7e)
			return (0);
	return (1);
}

int
cm_frame_decode(const void *buf, size_t len, struct cm_frame *f)
{
	const unsigned char	*p = buf;
	size_t			 orglen;
	int			 i;

	if (len < CM_FRAME_HDR_LEN)
		return (-1);
	if (p[0] != 'C' || p[1] != 'F' || p[2] != CM_PROTO_VERSION)
		return (-1);
	orglen = p[6];
	if (orglen > CM_ORG_MAX || len - CM_FRAME_HDR_LEN < orglen)
		return (-1);
	if (!org_valid((const char *)p + CM_FRAME_HDR_LEN, orglen))
		return (-1);

	/* The reserved byte is ignored, so a later version may use it. */
	f->type = p[3];
	f->status = (uint16_t)(p[4] << 8 | p[5]);
	f->corr = 0;
	for (i = 8; i < 16; i++)
		f->corr = f->corr << 8 | p[i];
	memcpy(f->org, p + CM_FRAME_HDR_LEN, orglen);
	f->org[orglen] = '\0';
	f->body = (const char *)p + CM_FRAME_HDR_LEN + orglen;
	f->body_len = len - CM_FRAME_HDR_LEN - orglen;
	return (0);
}

size_t
cm_frame_size(const struct cm_frame *f)
{
	return (CM_FRAME_HDR_LEN + strnlen(f->org, CM_ORG_MAX + 1) +
	    f->body_len);
}

size_t
cm_frame_encode(const struct cm_frame *f, void *out)
{
	unsigned char	*p = out;
	size_t		 orglen;
	int		 i;

	orglen = strnlen(f->org, CM_ORG_MAX + 1);
	if (!org_valid(f->org, orglen))
		return (0);
	p[0] = 'C';
	p[1] = 'F';
	p[2] = CM_PROTO_VERSION;
	p[3] = f->type;
	p[4] = (unsigned char)(f->status >> 8);
	p[5] = (unsigned char)f->status;
	p[6] = (unsigned char)orglen;
	p[7] = 0;
	for (i = 0; i < 8; i++)
		p[8 + i] = (unsigned char)(f->corr >> (56 - 8 * i));
	memcpy(p + CM_FRAME_HDR_LEN, f->org, orglen);
	if (f->body_len > 0)
		memcpy(p + CM_FRAME_HDR_LEN + orglen, f->body, f->body_len);
	return (CM_FRAME_HDR_LEN + orglen + f->body_len);
}

const char *
cm_msg_type_name(int type)
{
	if (type <= 0 || type >= CM_MSG_TYPE_MAX ||
	    msg_type_names[type] == NULL)
		return ("unknown");
	return (msg_type_names[type]);
}

int
cm_org_valid(const char *org)
{
	size_t i;

	for (i = 0; org[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)org[i];

		if (i >= CM_ORG_MAX || !(isalnum(ch) || ch == '.' ||
		    ch == '_' || ch == '-'))
			return (0);
	}
	return (i > 0);
}
