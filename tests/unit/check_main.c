/*
 * Runs every unit suite listed in suites.h.  CK_RUN_SUITE=NAME and
 * CK_RUN_CASE=NAME (Check's own variables) narrow a run; CK_FORK=no
 * runs in one process, for a debugger.  Exits 1 if any test failed.
 */
#include <stdlib.h>

#include <check.h>

#include "suites.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(NULL);
#define X(name)	srunner_add_suite(sr, name##_suite());
	CM_UNIT_SUITES
#undef X
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
