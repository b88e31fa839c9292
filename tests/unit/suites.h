/*
 * The unit test suites.  Each module's check_NAME.c defines
 * Suite *NAME_suite(void); adding a suite is one "X(NAME)" below, which
 * both declares NAME_suite() and adds it to the runner in check_main.c.
 */
#ifndef CM_UNIT_SUITES_H
#define CM_UNIT_SUITES_H

#include <check.h>

#define CM_UNIT_SUITES							\
	X(cfg)								\
	X(proto)							\
	X(jwt)								\
	X(util)								\
	X(log)								\
	X(channels)							\
	X(map)								\
	X(sio)								\
	X(ws)								\
	X(http)								\
	X(rest)								\
	X(ai_sse)							\
	X(ai_tools)							\
	X(ai_bm25)							\
	X(ai_config)							\
	X(hours)

#define X(name)	Suite *name##_suite(void);
CM_UNIT_SUITES
#undef X

#endif
