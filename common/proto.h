/*
 * The frame of every NNG message between confab processes: a fixed,
 * versioned 16-byte header, the org id, then a JSON body.
 *
 *	offset	size	field
 *	0	2	magic "CF"
 *	2	1	version (CM_PROTO_VERSION)
 *	3	1	type (enum cm_msg_type)
 *	4	2	status, big endian (requests: 0; replies: enum cm_status)
 *	6	1	org length (0..CM_ORG_MAX)
 *	7	1	reserved, 0
 *	8	8	correlation id, big endian (echoed by the reply)
 *	16	n	org bytes (not NUL terminated on the wire)
 *	16+n	rest	body: JSON text (may be empty)
 *
 * A frame that fails to decode gets a CM_ST_BAD_FRAME reply, never a crash.
 */
#ifndef CM_PROTO_H
#define CM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CM_PROTO_VERSION	1
#define CM_FRAME_HDR_LEN	16
#define CM_ORG_MAX		64
/*
 * A watch-chat lasts this long unless the console sends it again; the
 * visitor's heartbeat (presence-svc) and the live copy of the
 * conversation (queue-svc) both end then.
 */
#define CM_WATCH_TTL_S		120

/*
 * Message types and their JSON bodies.  "user" is always the verified
 * principal {"org","role","email","name"} the gateway took from the JWT.
 *
 * CM_MSG_PING		{} -> {"service":NAME,"redis":"ok"|"down"}; status
 *			CM_ST_UNAVAILABLE while Redis is down.
 * CM_MSG_SOCKET_OPEN	presence: {"sid","user","ipAddress","userAgent",
 *			"currentUrl","connectedAt":ms,"gateway","worker",
 *			"context":{..}} -> {}
 * CM_MSG_SOCKET_CLOSE	presence: {"sid","user","reason"} -> {}; queue too,
 *			from presence-svc for a dead worker's socket, with
 *			"since":ms, the earliest it may have died.
 * CM_MSG_SOCKET_REFRESH presence, org "": {"gateway","worker" (both
 *			required),"sockets":[{"sid","user"}..]} ->
 *			{"refreshed","restored","missing","invalid"}; every
 *			30 s from each gateway worker, to keep the 120 s
 *			socket rows alive and restore rows dropped wrongly.
 * CM_MSG_EVENT		the owning service: {"event","sid","user","context"?,
 *			"data":ARG|null} -> the ack value itself
 *			({"ok":true,..} or {"ok":false,"error":{"code",
 *			"message"}}).  context is the socket's auth.context
 *			when it has one of at most 2 KiB: a service never
 *			depends on having seen the socket's SOCKET_OPEN
 *			first.
 * CM_MSG_REST		the owning service: {"method","path","query","user",
 *			"body":JSON|null} -> {"status":HTTP,"body":JSON}.
 * CM_MSG_WORKER_HEARTBEAT presence, org "": {"gateway","worker","pid",
 *			"startedAt":ms} -> {}; every worker_heartbeat_ms from
 *			each gateway worker, the first one at its start, so
 *			that presence-svc can tell a worker that died (no
 *			beat) or was replaced (new pid) and drop its sockets.
 * CM_MSG_AI_JOB		queue -> ai: {"chatId","configId","customer":{"email",
 *			"name"},"members":["ROLE:EMAIL",..],"messageId","seq",
 *			"text","agent":"ROLE:EMAIL"|null} ->
 *			{"accepted":true,"jobId"} once the job is in
 *			ai-bridge's job stream (durable), or
 *			{"accepted":false,"reason"} when no assistant answers
 *			it; the answer comes later as CM_MSG_AI_RESULT.
 *			Or {"op":"cancel","chatId","reason"} -> {}: a person
 *			took the conversation over or closed it.
 * CM_MSG_AI_RESULT	ai -> queue: {"chatId","jobId","streamId","text",
 *			"messages":[{"text","streamId"}..]?,"handoff":bool,
 *			"reason","error"?,"asked","agent"?,"assistant":
 *			{"name"}} -> {"message":{"id","seq","ts"}} or {}:
 *			queue-svc stores the answer as messages from.role
 *			"ai", one per bubble (idempotent on jobId) and, on
 *			handoff, queues the conversation for a human.
 *
 * SOCKET_OPEN and SOCKET_CLOSE go to every service; one with no handler
 * answers CM_ST_UNKNOWN_TYPE, which the gateway takes as "not needed".
 */
enum cm_msg_type {
	CM_MSG_PING = 1,
	CM_MSG_SOCKET_OPEN,
	CM_MSG_SOCKET_CLOSE,
	CM_MSG_SOCKET_REFRESH,
	CM_MSG_EVENT,
	CM_MSG_REST,
	CM_MSG_WORKER_HEARTBEAT,
	CM_MSG_AI_JOB,
	CM_MSG_AI_RESULT,
	CM_MSG_TYPE_MAX
};

enum cm_status {
	CM_ST_OK = 0,
	CM_ST_BAD_FRAME = 1,	/* undecodable frame or body */
	CM_ST_UNKNOWN_TYPE = 2,	/* no handler for this type */
	CM_ST_ERROR = 3,	/* handler failed; body has {"error":{..}} */
	CM_ST_UNAVAILABLE = 4,	/* Redis down or similar; retry later */
};

struct cm_frame {
	uint8_t		 type;
	uint16_t	 status;
	uint64_t	 corr;
	char		 org[CM_ORG_MAX + 1];	/* NUL terminated */
	const char	*body;			/* borrowed; not terminated */
	size_t		 body_len;
};

/*
 * Decodes buf into f.  f->body points into buf (borrowed: valid while
 * buf is).  Returns 0, or -1 if the magic, version, lengths or the org
 * bytes (printable ASCII only) are wrong.
 */
int	cm_frame_decode(const void *buf, size_t len, struct cm_frame *f);

/* Bytes that cm_frame_encode() writes for f. */
size_t	cm_frame_size(const struct cm_frame *f);

/*
 * Writes f (header, org, body) into out, which has room for
 * cm_frame_size(f) bytes.  Returns the length, or 0 if the org is too
 * long or not printable.
 */
size_t	cm_frame_encode(const struct cm_frame *f, void *out);

/*
 * 1 if org is a valid org id: 1 to CM_ORG_MAX characters from
 * [A-Za-z0-9._-].  An org becomes part of Redis keys ({org} hash tags)
 * and channel names, so nothing else is allowed.
 */
int	cm_org_valid(const char *org);

/* Human name of a type, "unknown" if out of range.  For logs. */
const char *cm_msg_type_name(int type);

#endif
