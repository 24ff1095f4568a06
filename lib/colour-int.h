/*
 * colour-int.h: the colour model shared by colour.c (the code table, its
 * parsers and writers) and text.c (the text-layout helpers).  Private to
 * libi3.
 */

#ifndef I3_COLOUR_INT_H
#define I3_COLOUR_INT_H

#include "i3-int.h"

/* A colour state: attributes, a foreground and a background. */
struct cstate {
	unsigned char	attr;
	signed char	fg;	/* -1 default, else C_* */
	signed char	bg;	/* -1 default, else C_* or C_BYELLOW */
};

/* The writer: state wanted by the source, state last written. */
struct writer {
	i3_buf		 b;
	int		 to;
	int		 linereset;	/* source colour ends at a newline */
	int		 oneline;	/* newline written as a space */
	int		 measure;	/* count columns, write nothing */
	int		 nomem;
	int		 dirty;		/* want may differ from done */
	int		 pct;		/* Pinkfish: a text '%' held back */
	struct cstate	 want;
	struct cstate	 done;
	size_t		 col;
	size_t		 maxcol;
};

/* A conversion: the writer and what the parser keeps. */
struct conv {
	struct writer	*w;
	int		 from;
	unsigned int	 depth;		/* HTML span nesting */
	struct cstate	 stack[16];
};

struct pf_code;

extern const struct cstate	 i3__cs_default;

/* colour.c */
int	 i3__profile_ok(int, i3_error *);
void	 i3__cs_apply(struct cstate *, const struct pf_code *, int);
const struct pf_code *i3__pf_lookup(const unsigned char *, size_t);
void	 i3__w_init(struct writer *, int, int);
void	 i3__w_put(struct writer *, const char *, size_t);
void	 i3__t_pinkfish(struct writer *, const struct cstate *,
	    const struct cstate *);
char	*i3__w_result(struct writer *, size_t *, i3_error *);
void	 i3__convert(struct conv *, const unsigned char *, size_t);

/* text.c */
size_t	 i3__utf8_width(const unsigned char *, size_t);

#endif /* I3_COLOUR_INT_H */
