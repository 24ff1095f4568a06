/*
 * apiconf.c: using the [api] and [key NAME] settings (config.c's table reads
 * them): address matching, a key's rate figures.
 */

#include <sys/socket.h>

#include <netinet/in.h>

#include <string.h>

#include "i3gw.h"

struct api_conf	*api;

/* Is the address in one of the networks? */
int
apiconf_net_match(const struct api_net *nets, size_t n,
    const struct sockaddr *sa)
{
	const unsigned char	*a;
	unsigned char		 mapped[16];
	int			 family, bits, i;
	size_t			 k;

	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		family = AF_INET6;
		a = (const unsigned char *)
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;
		/* ::ffff:a.b.c.d is matched as IPv4. */
		if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			memcpy(mapped, a + 12, 4);
			a = mapped;
			family = AF_INET;
		}
	} else
		return (0);
	for (k = 0; k < n; k++) {
		if (nets[k].family != family)
			continue;
		bits = nets[k].bits;
		for (i = 0; bits >= 8; i++, bits -= 8) {
			if (a[i] != nets[k].addr[i])
				break;
		}
		if (bits >= 8)
			continue;
		if (bits == 0 || ((a[i] ^ nets[k].addr[i]) &
		    (0xff << (8 - bits)) & 0xff) == 0)
			return (1);
	}
	return (0);
}

/* A key's rate figures, the [api] defaults where it sets none. */
void
apiconf_key_rates(const struct api_key *k, double *rate, double *burst,
    double *mrate, double *mburst)
{
	*rate = (k != NULL && k->rate >= 0) ? k->rate : api->rate;
	*burst = (k != NULL && k->burst >= 0) ? k->burst : api->burst;
	*mrate = (k != NULL && k->method_rate >= 0) ? k->method_rate :
	    api->method_rate;
	*mburst = (k != NULL && k->method_burst >= 0) ? k->method_burst :
	    api->method_burst;
}
