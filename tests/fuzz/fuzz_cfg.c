/* libFuzzer target: the config file parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct cm_cfg cfg;
	char *text = malloc(len + 1);

	cm_log_threshold = -1;		/* errors are expected: stay quiet */
	memcpy(text, data, len);
	text[len] = '\0';
	memset(&cfg, 0, sizeof(cfg));
	cm_cfg_load_string(&cfg, text, "fuzz");
	cm_cfg_free(&cfg);
	free(text);
	return (0);
}
