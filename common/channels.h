/*
 * Redis pub/sub channels: the only contract between the services, which
 * publish, and the gateway workers, which subscribe while at least one
 * local socket needs a channel.
 *
 *	{prefix}ev:{ORG}:u:ROLE:EMAIL	every socket of one identity
 *	{prefix}ev:{ORG}:agents		every agent and admin socket of an org
 *	{prefix}ev:{ORG}:all		every socket of an org
 *
 * A message is "EVENT JSON": the Socket.IO event name, one space, and
 * the event's argument as JSON text.  The gateway writes it to each
 * local member as 42/chat,["EVENT",JSON] without parsing JSON.
 *
 * Conversations reach their members through the members' identity
 * channels (the service publishes once per member).  A conversation
 * channel would need a subscription made before the first publish,
 * which pub/sub cannot promise; an identity channel is subscribed
 * before the socket's CONNECT is acknowledged.
 */
#ifndef CM_CHANNELS_H
#define CM_CHANNELS_H

#include <stddef.h>

#include "jwt.h"

#define CM_CHANNEL_MAX	512

/* Each returns the length written (excluding NUL), or -1 if too long. */
int	cm_chan_identity(char *out, size_t size, const char *prefix,
	    const char *org, const char *role, const char *email);
int	cm_chan_agents(char *out, size_t size, const char *prefix,
	    const char *org);
int	cm_chan_org(char *out, size_t size, const char *prefix,
	    const char *org);

#endif
