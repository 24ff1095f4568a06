/*
 * tls.c: TLS for the TCP listener through OpenSSL, under conn.c's
 * transport hooks.
 */

#include "i3gw.h"

int
tls_init(char **cause)
{
	return (0);
}

int
tls_attach(struct client *cl)
{
	return (-1);
}

void
tls_detach(struct client *cl)
{
}

const char *
tls_peer_name(struct client *cl)
{
	return (NULL);
}
