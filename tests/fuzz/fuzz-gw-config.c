/*
 * fuzz-gw-config.c: libFuzzer target for the config reader: the input is
 * a config file ([mud], [router NAME], [limits], [api], [key NAME], ...)
 * read through libinih and the key table, checked, dumped, and reloaded
 * over a good config as SIGHUP would.
 */

#include "fuzz-gw.h"

static const char fuzz_conf[] =
    "[mud]\nname = Fuzz\n"
    "[router *test]\nhost = 127.0.0.1\nport = 1\n"
    "[api]\nsocket = none\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*c, *base;
	const char	*path;
	char		*cause = NULL, *applied = NULL, *restart = NULL;
	FILE		*null;

	fuzz_gw_init(fuzz_conf, 0);
	path = fuzz_file("input.conf", (const char *)data, size);
	c = config_load(path, &cause);
	free(cause);
	cause = NULL;
	if (c == NULL)
		return (0);
	if (config_env(c, &cause) == -1 || config_check(c, &cause) == -1) {
		free(cause);
		config_free(c);
		return (0);
	}
	if ((null = fopen("/dev/null", "w")) != NULL) {
		config_dump(c, null);
		fclose(null);
	}
	/* A reload of it over a fresh copy of the good one (main.c's). */
	base = config_load(gw.conf_path, &cause);
	if (base == NULL)
		abort();
	(void)config_reload(base, c, &applied, &restart);
	free(applied);
	free(restart);
	config_free(base);
	return (0);
}
