/*
 * Shared by rooms.c (changes) and rooms_read.c (reads): one room as an
 * operation sees it, with the caller as a prospective member.
 */
#ifndef PRES_ROOM_H
#define PRES_ROOM_H

#include "channels.h"
#include "pres.h"

#define PRES_ROOM_MEMBERS_MAX	256	/* members of one room */

struct pres_room {
	const char	*org;
	const char	*id;		/* borrowed from the arguments */
	char		 mkey[CM_EMAIL_MAX + 16];	/* ROLE:EMAIL */
	char		 due[CM_ORG_MAX + PRES_ROOM_MAX + 2]; /* ORG ROOM */
	char		*room, *members, *member, *log;	/* keys, owned */
	char		*duekey;
	char		 chanpre[CM_CHANNEL_MAX];
};

/* Reads "roomId" and builds the keys; -1 with *e filled if it is bad. */
int	pres_room_init(struct pres_room *, struct cm_svc_ctx *,
	    const struct pres_call *, struct pres_err *);
/* The same for a room named by the sweeper; mkey may be "". */
int	pres_room_setup(struct pres_room *, const struct cm_cfg *,
	    const char *org, const char *id, const char *mkey);
void	pres_room_free(struct pres_room *);

/*
 * Schedules the sweeper's next look at the room (its earliest member
 * expiry).  Best effort: a room it misses is pruned at its next change.
 */
void	pres_room_schedule(struct cm_svc_ctx *, const struct pres_room *,
	    long long deadline);

/* 1 if the caller may read the room: staff, or a current member. */
int	pres_room_may_read(struct cm_svc_ctx *, const struct pres_call *,
	    const struct pres_room *, struct pres_err *);

#endif
