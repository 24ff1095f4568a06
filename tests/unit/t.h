/*
 * t.h: a tiny test harness.  T_OK(cond, fmt, ...) counts and reports;
 * T_DONE() prints the closing "N passed, N failed" line and returns the
 * exit status.
 */

#ifndef T_H
#define T_H

#include <stdio.h>
#include <string.h>

static int t_passed, t_failed;

#define T_OK(cond, ...) do {						\
	if (cond) {							\
		t_passed++;						\
	} else {							\
		t_failed++;						\
		printf("FAIL %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

#define T_STREQ(a, b, ...) do {						\
	const char *t_a_ = (a), *t_b_ = (b);				\
	T_OK(t_a_ != NULL && t_b_ != NULL && strcmp(t_a_, t_b_) == 0,	\
	    __VA_ARGS__);						\
	if (!(t_a_ != NULL && t_b_ != NULL && strcmp(t_a_, t_b_) == 0))	\
		printf("     got [%s]\n    want [%s]\n",			\
		    t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");	\
} while (0)

#define T_DONE() (printf("%d passed, %d failed\n", t_passed, t_failed), \
	t_failed != 0)

#endif /* T_H */
