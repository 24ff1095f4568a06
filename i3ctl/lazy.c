/*
 * lazy.c: libcurl, OpenSSL and libjq loaded on first use.
 *
 * i3ctl is started once per command by scripts and cron, so its start-up is
 * its latency.  Linking libcurl (and the forty libraries it brings) or even
 * OpenSSL costs several milliseconds at every exec, although only --url,
 * --tls and -q need them.  So i3ctl is not linked with them: the functions
 * it calls are defined here with the libraries' own prototypes, and each
 * one loads its library with dlopen() and forwards the call the first time.
 * The executable does not export these names, so the libraries never see
 * them in place of their own.
 */

#define CURL_DISABLE_TYPECHECK	/* we define curl_easy_setopt itself */

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <jq.h>
#include <jv.h>

#include "i3ctl.h"

#undef curl_easy_setopt
#undef curl_easy_getinfo

enum lazy_lib { LAZY_CURL, LAZY_SSL, LAZY_CRYPTO, LAZY_JQ, LAZY_NLIBS };

static const struct {
	const char	*soname;
	const char	*why;
} lazy_libs[LAZY_NLIBS] = {
	[LAZY_CURL] =	{ "libcurl.so.4", "--url" },
	[LAZY_SSL] =	{ "libssl.so.3", "--tls" },
	[LAZY_CRYPTO] =	{ "libcrypto.so.3", "--tls or --url ws://" },
	[LAZY_JQ] =	{ "libjq.so.1", "--filter" },
};

static void	*lazy_handle[LAZY_NLIBS];

/* The address of a function in a library, loading it first, or exit. */
static void *
lazy_sym(enum lazy_lib lib, const char *name)
{
	void	*p;

	if (lazy_handle[lib] == NULL) {
		lazy_handle[lib] = dlopen(lazy_libs[lib].soname,
		    RTLD_NOW | RTLD_LOCAL);
		if (lazy_handle[lib] == NULL) {
			fprintf(stderr, "i3ctl: %s is needed for %s: %s\n",
			    lazy_libs[lib].soname, lazy_libs[lib].why,
			    dlerror());
			exit(lib == LAZY_JQ ? CTL_EFILTER : CTL_EGATEWAY);
		}
	}
	if ((p = dlsym(lazy_handle[lib], name)) == NULL) {
		fprintf(stderr, "i3ctl: %s: no %s: %s\n",
		    lazy_libs[lib].soname, name, dlerror());
		exit(CTL_EGATEWAY);
	}
	return (p);
}

/*
 * LAZY(lib, return type, name, (parameters), (arguments)): a function of
 * that name that forwards to the library's.
 */
#define LAZY(lib, ret, name, params, args)				\
ret									\
name params								\
{									\
	static __typeof__(name)	*fp;					\
									\
	if (fp == NULL)							\
		fp = (__typeof__(name) *)lazy_sym(lib, #name);		\
	return (fp args);						\
}

#define LAZY_VOID(lib, name, params, args)				\
void									\
name params								\
{									\
	static __typeof__(name)	*fp;					\
									\
	if (fp == NULL)							\
		fp = (__typeof__(name) *)lazy_sym(lib, #name);		\
	fp args;							\
}

/* ------------------------------------------------------------ libcurl */

LAZY(LAZY_CURL, CURLcode, curl_global_init, (long flags), (flags))
LAZY(LAZY_CURL, CURL *, curl_easy_init, (void), ())
LAZY_VOID(LAZY_CURL, curl_easy_cleanup, (CURL *c), (c))
LAZY_VOID(LAZY_CURL, curl_easy_reset, (CURL *c), (c))
LAZY(LAZY_CURL, CURLcode, curl_easy_perform, (CURL *c), (c))
LAZY(LAZY_CURL, const char *, curl_easy_strerror, (CURLcode e), (e))
LAZY(LAZY_CURL, struct curl_slist *, curl_slist_append,
    (struct curl_slist *l, const char *s), (l, s))
/* Freeing nothing (every run without --url) must not load libcurl. */
void
curl_slist_free_all(struct curl_slist *l)
{
	static __typeof__(curl_slist_free_all)	*fp;

	if (l == NULL)
		return;
	if (fp == NULL)
		fp = (__typeof__(curl_slist_free_all) *)lazy_sym(LAZY_CURL,
		    "curl_slist_free_all");
	fp(l);
}

/* The option number says the argument's type (CURLOPTTYPE_*). */
CURLcode
curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	static __typeof__(curl_easy_setopt)	*fp;
	va_list					 ap;
	CURLcode				 rc;

	if (fp == NULL)
		fp = (__typeof__(curl_easy_setopt) *)lazy_sym(LAZY_CURL,
		    "curl_easy_setopt");
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = fp(c, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fp(c, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = fp(c, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = fp(c, opt, va_arg(ap, curl_off_t));
	else
		rc = fp(c, opt, va_arg(ap, void *));
	va_end(ap);
	return (rc);
}

/* Every getinfo argument is a pointer to where the answer goes. */
CURLcode
curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	static __typeof__(curl_easy_getinfo)	*fp;
	va_list					 ap;
	CURLcode				 rc;

	if (fp == NULL)
		fp = (__typeof__(curl_easy_getinfo) *)lazy_sym(LAZY_CURL,
		    "curl_easy_getinfo");
	va_start(ap, info);
	rc = fp(c, info, va_arg(ap, void *));
	va_end(ap);
	return (rc);
}

/* ------------------------------------------------------------ OpenSSL */

LAZY(LAZY_SSL, const SSL_METHOD *, TLS_client_method, (void), ())
LAZY(LAZY_SSL, SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *m), (m))
LAZY_VOID(LAZY_SSL, SSL_CTX_free, (SSL_CTX *x), (x))
LAZY(LAZY_SSL, long, SSL_CTX_ctrl, (SSL_CTX *x, int cmd, long l, void *p),
    (x, cmd, l, p))
LAZY(LAZY_SSL, int, SSL_CTX_load_verify_locations,
    (SSL_CTX *x, const char *f, const char *d), (x, f, d))
LAZY(LAZY_SSL, int, SSL_CTX_set_default_verify_paths, (SSL_CTX *x), (x))
LAZY_VOID(LAZY_SSL, SSL_CTX_set_verify,
    (SSL_CTX *x, int mode, SSL_verify_cb cb), (x, mode, cb))
LAZY(LAZY_SSL, SSL *, SSL_new, (SSL_CTX *x), (x))
LAZY_VOID(LAZY_SSL, SSL_free, (SSL *s), (s))
LAZY(LAZY_SSL, long, SSL_ctrl, (SSL *s, int cmd, long l, void *p),
    (s, cmd, l, p))
LAZY(LAZY_SSL, int, SSL_set_fd, (SSL *s, int fd), (s, fd))
LAZY(LAZY_SSL, int, SSL_set1_host, (SSL *s, const char *h), (s, h))
LAZY(LAZY_SSL, X509_VERIFY_PARAM *, SSL_get0_param, (SSL *s), (s))
LAZY(LAZY_SSL, int, SSL_connect, (SSL *s), (s))
LAZY(LAZY_SSL, int, SSL_read, (SSL *s, void *b, int n), (s, b, n))
LAZY(LAZY_SSL, int, SSL_write, (SSL *s, const void *b, int n), (s, b, n))
LAZY(LAZY_SSL, int, SSL_get_error, (const SSL *s, int r), (s, r))
LAZY(LAZY_SSL, long, SSL_get_verify_result, (const SSL *s), (s))
LAZY(LAZY_SSL, int, SSL_shutdown, (SSL *s), (s))

LAZY(LAZY_CRYPTO, int, RAND_bytes, (unsigned char *b, int n), (b, n))
LAZY(LAZY_CRYPTO, unsigned char *, SHA1,
    (const unsigned char *d, size_t n, unsigned char *md), (d, n, md))
LAZY(LAZY_CRYPTO, int, EVP_EncodeBlock,
    (unsigned char *t, const unsigned char *f, int n), (t, f, n))
LAZY(LAZY_CRYPTO, unsigned long, ERR_get_error, (void), ())
LAZY(LAZY_CRYPTO, unsigned long, ERR_peek_error, (void), ())
LAZY_VOID(LAZY_CRYPTO, ERR_clear_error, (void), ())
LAZY_VOID(LAZY_CRYPTO, ERR_error_string_n,
    (unsigned long e, char *b, size_t n), (e, b, n))
LAZY(LAZY_CRYPTO, int, X509_VERIFY_PARAM_set1_ip_asc,
    (X509_VERIFY_PARAM *p, const char *ip), (p, ip))
LAZY(LAZY_CRYPTO, const char *, X509_verify_cert_error_string, (long n),
    (n))

/* -------------------------------------------------------------- libjq */

LAZY(LAZY_JQ, jq_state *, jq_init, (void), ())
LAZY_VOID(LAZY_JQ, jq_teardown, (jq_state **jq), (jq))
LAZY_VOID(LAZY_JQ, jq_set_error_cb, (jq_state *jq, jq_msg_cb cb, void *a),
    (jq, cb, a))
LAZY(LAZY_JQ, int, jq_compile_args, (jq_state *jq, const char *p, jv a),
    (jq, p, a))
LAZY_VOID(LAZY_JQ, jq_start, (jq_state *jq, jv v, int flags), (jq, v, flags))
LAZY(LAZY_JQ, jv, jq_next, (jq_state *jq), (jq))
LAZY(LAZY_JQ, jv, jv_array, (void), ())
LAZY(LAZY_JQ, jv, jv_null, (void), ())
LAZY(LAZY_JQ, jv, jv_copy, (jv v), (v))
LAZY_VOID(LAZY_JQ, jv_free, (jv v), (v))
LAZY(LAZY_JQ, jv_kind, jv_get_kind, (jv v), (v))
LAZY(LAZY_JQ, jv, jv_dump_string, (jv v, int flags), (v, flags))
LAZY(LAZY_JQ, const char *, jv_string_value, (jv v), (v))
LAZY(LAZY_JQ, int, jv_invalid_has_msg, (jv v), (v))
LAZY(LAZY_JQ, jv, jv_invalid_get_msg, (jv v), (v))
LAZY(LAZY_JQ, jv, jv_parse_sized, (const char *s, int n), (s, n))
