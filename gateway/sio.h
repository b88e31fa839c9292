/*
 * Socket.IO v5 packet codec (pure functions, no I/O), the text form
 * carried inside an Engine.IO message packet:
 *
 *	<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
 *
 * e.g. 42/chat,7["chat-message",{"text":"hi"}] is an EVENT in /chat
 * with ack id 7.
 */
#ifndef GW_SIO_H
#define GW_SIO_H

#include <stddef.h>
#include <stdint.h>

enum gw_sio_type {
	GW_SIO_CONNECT = 0,
	GW_SIO_DISCONNECT = 1,
	GW_SIO_EVENT = 2,
	GW_SIO_ACK = 3,
	GW_SIO_CONNECT_ERROR = 4,
	GW_SIO_BINARY_EVENT = 5,
	GW_SIO_BINARY_ACK = 6,
};

#define GW_SIO_NSP_MAX		128
#define GW_SIO_ACK_MAX		999999999999LL	/* 12 digits */
#define GW_SIO_ATTACH_MAX	16

struct gw_sio_packet {
	int		 type;
	int		 attachments;	/* binary types only */
	const char	*nsp;		/* borrowed; "/" when absent */
	size_t		 nsp_len;
	int64_t		 ack_id;	/* -1 when absent */
	const char	*data;		/* borrowed; raw JSON, may be empty */
	size_t		 data_len;
};

/*
 * Parses len bytes.  The pointers in p borrow from buf.  Returns 0, or
 * -1 if the type, attachment count, namespace or ack id is malformed.
 * The JSON data is not parsed here.  When -1 is returned, p->ack_id and
 * p->nsp still hold what could be read, so the caller can answer.
 */
int	gw_sio_parse(const char *buf, size_t len, struct gw_sio_packet *p);

/* 1 if the namespace of p equals nsp. */
int	gw_sio_nsp_is(const struct gw_sio_packet *p, const char *nsp);

#endif
