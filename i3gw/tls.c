/*
 * tls.c: TLS for the TCP listener through OpenSSL, under conn.c's
 * transport hooks: certificate and key files, TLS 1.2 or later, optional
 * client certificates.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "i3gw.h"

static SSL_CTX	*tls_ctx;

static ssize_t	tls_read(struct conn *, void *, size_t);
static ssize_t	tls_write(struct conn *, const void *, size_t);
static char	*tls_error(void);

static char *
tls_error(void)
{
	char		 buf[256], *s;
	unsigned long	 e = ERR_get_error();

	if (e == 0)
		return (xstrdup("unknown error"));
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	s = xstrdup(buf);
	return (s);
}

int
tls_init(char **cause)
{
	STACK_OF(X509_NAME)	*names;
	char			*e;
	int			 mode;

	if (!api->tls)
		return (0);
	if ((tls_ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	if (!SSL_CTX_set_min_proto_version(tls_ctx,
	    strcmp(api->tls_min, "1.3") == 0 ? TLS1_3_VERSION :
	    TLS1_2_VERSION))
		goto fail;
	SSL_CTX_set_options(tls_ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(tls_ctx, api->tls_cert) != 1) {
		e = tls_error();
		xasprintf(cause, "tls_cert %s: %s", api->tls_cert, e);
		free(e);
		return (-1);
	}
	if (SSL_CTX_use_PrivateKey_file(tls_ctx, api->tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(tls_ctx) != 1) {
		e = tls_error();
		xasprintf(cause, "tls_key %s: %s", api->tls_key, e);
		free(e);
		return (-1);
	}
	if (api->tls_ca != NULL) {
		if (SSL_CTX_load_verify_locations(tls_ctx, api->tls_ca,
		    NULL) != 1 ||
		    (names = SSL_load_client_CA_file(api->tls_ca)) == NULL) {
			e = tls_error();
			xasprintf(cause, "tls_client_ca %s: %s", api->tls_ca,
			    e);
			free(e);
			return (-1);
		}
		SSL_CTX_set_client_CA_list(tls_ctx, names);
		mode = SSL_VERIFY_PEER;
		if (api->tls_verify == 2)
			mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
		if (api->tls_verify == 0)
			mode = SSL_VERIFY_NONE;
		SSL_CTX_set_verify(tls_ctx, mode, NULL);
	} else if (api->tls_verify != 0) {
		xasprintf(cause, "tls_client_cert needs tls_client_ca");
		return (-1);
	}
	return (0);

fail:
	e = tls_error();
	xasprintf(cause, "TLS: %s", e);
	free(e);
	return (-1);
}

int
tls_attach(struct client *cl)
{
	SSL	*ssl;

	if (tls_ctx == NULL || (ssl = SSL_new(tls_ctx)) == NULL) {
		log_warnx("client %d: no TLS context", cl->id);
		return (-1);
	}
	if (SSL_set_fd(ssl, cl->conn->rfd) != 1) {
		SSL_free(ssl);
		return (-1);
	}
	SSL_set_accept_state(ssl);
	cl->tls = ssl;
	cl->conn->io_read = tls_read;
	cl->conn->io_write = tls_write;
	cl->conn->io_arg = ssl;
	return (0);
}

void
tls_detach(struct client *cl)
{
	SSL	*ssl = cl->tls;

	if (ssl == NULL)
		return;
	/* The connection is closed (conn_free()): nothing more to send. */
	SSL_free(ssl);
	ERR_clear_error();
	cl->tls = NULL;
}

/* Is the handshake done (or is it no TLS client)? */
int
tls_ready(struct client *cl)
{
	return (cl->tls == NULL || SSL_is_init_finished(cl->tls));
}

/* As read(2): bytes, 0 at the end, -1 with EAGAIN while it must wait. */
static ssize_t
tls_read(struct conn *c, void *buf, size_t len)
{
	SSL	*ssl = c->io_arg;
	size_t	 total = 0, n;
	int	 err;
	char	*e;

	while (total < len) {
		ERR_clear_error();
		if (SSL_read_ex(ssl, (char *)buf + total, len - total,
		    &n) == 1) {
			total += n;
			continue;
		}
		err = SSL_get_error(ssl, 0);
		if (total > 0 && (err == SSL_ERROR_WANT_READ ||
		    err == SSL_ERROR_WANT_WRITE))
			return (total);
		switch (err) {
		case SSL_ERROR_WANT_WRITE:
			c->io_want = EV_WRITE;
			/* FALLTHROUGH */
		case SSL_ERROR_WANT_READ:
			errno = EAGAIN;
			return (-1);
		case SSL_ERROR_ZERO_RETURN:
			return (total);
		default:
			if (total > 0)
				return (total);
			if (ERR_peek_error() != 0) {
				e = tls_error();
				log_info("connection fd %d: TLS: %s", c->rfd,
				    e);
				free(e);
			}
			errno = EIO;
			return (-1);
		}
	}
	return (total);
}

static ssize_t
tls_write(struct conn *c, const void *buf, size_t len)
{
	SSL	*ssl = c->io_arg;
	size_t	 n;
	int	 err;

	ERR_clear_error();
	if (SSL_write_ex(ssl, buf, len, &n) == 1)
		return (n);
	err = SSL_get_error(ssl, 0);
	if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
		errno = EAGAIN;
		return (-1);
	}
	ERR_clear_error();
	errno = EPIPE;
	return (-1);
}
