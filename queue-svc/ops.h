/*
 * Inside the ops (ops.c): what an op's parser (parse.c) fills, and the
 * helpers the parsers share.
 */
#ifndef QS_OPS_H
#define QS_OPS_H

#include "qs.h"

/*
 * The script arguments an op's parser pushes, after the caller's three.
 * The strings are borrowed from the op's data or kept in here.
 */
struct qs_args {
	const char		*v[QS_ARGS_MAX];
	int			 n;
	char			 num[4][24];	/* numbers, formatted */
	int			 nnum;
	char			 list[QS_SKILLS_CSV_MAX];
	char			 cand[QS_CHAT_ID_LEN + 1];
	const struct cm_cfg	*cfg;
	const cJSON		*context;	/* the socket's, or NULL */
	char			*json, *json2;	/* arguments built; freed */
	int			 open;		/* business hours: 1, 0, -1 */
};

/* Returns NULL, or why the data is refused (BAD_REQUEST). */
typedef const char *(*qs_parse_fn)(const struct cm_principal *,
    const cJSON *, struct qs_args *);

void		 qs_push(struct qs_args *, const char *);
void		 qs_push_num(struct qs_args *, long long);
/* A string member into *out: "" if absent or null; else why not. */
const char	*qs_opt_str(const cJSON *, const char *, const char **);
/* chatId: required, except that a customer may leave it out. */
const char	*qs_arg_chat(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
/* A skill member, QS_SKILL_DEFAULT when absent. */
const char	*qs_arg_skill(const cJSON *, const char *, struct qs_args *);

/* parse.c: one parser per op (the op's name in ops.c). */
const char	*qs_parse_message(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_pick(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_chat(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_transfer(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_close(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_typing(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_edit(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_delete(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_rate(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_watch(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_none(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_prefer(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_label(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_labels(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_signal(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_canned(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_hooks(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_teams(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_update(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_tags(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_notes(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_list(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_messages(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_transcript(const struct cm_principal *,
		    const cJSON *, struct qs_args *);
const char	*qs_parse_search(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_queue(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_status(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_agent(const struct cm_principal *, const cJSON *,
		    struct qs_args *);
const char	*qs_parse_settings(const struct cm_principal *, const cJSON *,
		    struct qs_args *);

#endif
