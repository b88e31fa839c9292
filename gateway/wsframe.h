/*
 * RFC 6455 framing, server side, as pure functions (no I/O, no
 * libevent): the decoder of client frames and the encoder of the
 * server's frame headers.  gateway/ws.c puts them on a connection.
 *
 * The decoder keeps per connection only struct gw_ws_rx (a few bytes
 * while no fragmented message is in flight): a frame stays in the
 * connection's input buffer until it is whole, and is then unmasked
 * in place and handed over without a copy.  Only the fragments of a
 * fragmented message are copied, into a buffer that exists while that
 * message is incomplete.
 */
#ifndef GW_WSFRAME_H
#define GW_WSFRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Opcodes (RFC 6455 5.2). */
#define GW_WS_OP_CONT		0x0
#define GW_WS_OP_TEXT		0x1
#define GW_WS_OP_BINARY		0x2
#define GW_WS_OP_CLOSE		0x8
#define GW_WS_OP_PING		0x9
#define GW_WS_OP_PONG		0xa

/* Close codes (RFC 6455 7.4.1). */
#define GW_WS_NORMAL_CLOSURE	1000
#define GW_WS_GOING_AWAY	1001
#define GW_WS_PROTOCOL_ERROR	1002
#define GW_WS_INVALID_PAYLOAD	1007
#define GW_WS_POLICY_VIOLATION	1008
#define GW_WS_MESSAGE_TOO_BIG	1009

/* Longest frame header: 2 + 8 (length) + 4 (mask). */
#define GW_WS_HEAD_MAX		14

/* The receiving side of one connection. */
struct gw_ws_rx {
	uint8_t		*frag;		/* fragments so far; malloc'd */
	uint32_t	 frag_len;
	uint32_t	 frag_cap;
	uint8_t		 frag_op;	/* TEXT/BINARY in progress; 0: none */
};

/* A whole message, as gw_ws_decode() hands it over. */
struct gw_ws_msg {
	int		 opcode;	/* 0: nothing to deliver (a fragment) */
	uint8_t		*data;		/* unmasked; in buf, or owned */
	size_t		 len;
	uint8_t		*owned;		/* non-NULL: free() after use */
	uint16_t	 close_code;	/* CLOSE: the peer's code, 0 if none */
};

/*
 * Decodes the frame at the start of buf (len bytes; the bytes of
 * later frames may follow).  Returns:
 *   > 0	the frame's size: *msg tells what to deliver (opcode 0 for
 *		a fragment that completes nothing); buf was unmasked in
 *		place and msg->data may point into it;
 *   0		buf does not hold the whole frame yet: *need is the
 *		frame's whole size once the header is readable, else the
 *		header's (nothing changed);
 *   < 0	minus the close code to fail the connection with: 1002
 *		(a protocol violation), 1007 (invalid UTF-8 in a text
 *		message or a close reason), 1009 (a message, whole or
 *		reassembled, over max_payload bytes).
 * Client frames must be masked.  Text messages are checked to be
 * UTF-8 once whole.
 */
ssize_t	gw_ws_decode(struct gw_ws_rx *rx, uint8_t *buf, size_t len,
	    size_t max_payload, size_t *need, struct gw_ws_msg *msg);

/* Frees the reassembly buffer; rx can be used again. */
void	gw_ws_rx_clear(struct gw_ws_rx *rx);

/*
 * Writes the header of an unmasked, final server frame carrying len
 * bytes into out (GW_WS_HEAD_MAX bytes); returns its length.
 */
size_t	gw_ws_head(uint8_t *out, int opcode, size_t len);

/* 1 if code may appear in a close frame on the wire. */
int	gw_ws_close_code_valid(unsigned code);

/* Well-formed UTF-8 (RFC 3629): 1, else 0. */
int	gw_utf8_valid(const uint8_t *, size_t);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key; -1 if it cannot be. */
int	gw_ws_accept_key(const char *key, char *out, size_t outlen);

#endif
