/*
 * queue-svc: conversations and their messages.  main.c wires the event
 * handlers below into the service skeleton (svc.h); chat_message.c
 * stores and delivers a customer's message, text.c checks message
 * input, scripts.c holds the Lua.  Issue 4 (queues, assignment, the
 * conversation lifecycle, history over REST) adds files beside these
 * and rows to main.c's tables.
 */
#ifndef QS_H
#define QS_H

#include "svc.h"

/* A client message id is at most this many characters. */
#define QS_CLIENT_MSG_ID_MAX	128
/* Our chat ids are 20 characters; a stored one may be longer. */
#define QS_CHAT_ID_LEN		20
#define QS_CHAT_ID_MAX		64

/* chat_message.c: the "chat-message" event (cm_event_fn). */
cJSON	*qs_chat_message(struct cm_svc_ctx *, const struct cm_event_req *);

/*
 * text.c: returns the number of characters (code points) in the
 * NUL-terminated s, or -1 if s is not valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF are invalid).
 */
long	qs_utf8_chars(const char *s);

/* scripts.c */
extern struct cm_script	qs_script_open;
extern struct cm_script	qs_script_append;

#endif
