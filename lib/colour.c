/* colour.c: Pinkfish colour to and from ANSI, HTML and the MUD code sets. */

/*
 * Every conversion goes through one model: a colour state (attributes, a
 * foreground and a background), read from the source by a parser and
 * written to the target by a writer, which emits only the change from what
 * it last wrote, and only right before visible text.  One table of Pinkfish
 * codes (pf_codes below) gives each code's effect on that state and its
 * spelling in every profile; both directions use it.  docs/COLOUR.md has
 * the table in prose.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "i3-int.h"
#include "colour-int.h"

/* Attribute bits; the order is that of the attribute rows of the table. */
#define A_BOLD		0x01
#define A_FLASH		0x02
#define A_UNDERLINE	0x04
#define A_REVERSE	0x08
#define A_ITALIC	0x10
#define A_STRIKEOUT	0x20
#define A_NATTR		6

/* Colours, numbered as ANSI numbers them (30 + n, 40 + n). */
#define C_BLACK		0
#define C_RED		1
#define C_GREEN		2
#define C_ORANGE	3	/* dark yellow */
#define C_BLUE		4
#define C_MAGENTA	5
#define C_CYAN		6
#define C_WHITE		7
#define C_BYELLOW	8	/* background only: bright yellow (B_YELLOW) */

const struct cstate i3__cs_default = { 0, -1, -1 };

/* What a code does to the state. */
enum pf_kind {
	K_RESET,
	K_ATTR,		/* sets attribute arg */
	K_EBOLD,	/* clears bold */
	K_FG,		/* foreground arg, with bold when bright */
	K_BG,		/* background arg */
	K_STRIP		/* screen control: dropped from remote text */
};

/* Where each MUD code set's spelling sits in pf_code.code[]. */
enum { P_SMAUG, P_ROM, P_TBA, P_CIRCLE, P_NCODES };

struct pf_code {
	const char	*name;
	size_t		 namelen;
	unsigned char	 kind;
	unsigned char	 arg;
	unsigned char	 bright;
	const char	*sgr;		/* ANSI parameters */
	unsigned char	 x256;		/* xterm-256 palette index */
	const char	*html;		/* class */
	const char	*code[P_NCODES];
};

/* Row numbers: attributes in bit order, then 8 + 8 foregrounds, 9 backgrounds. */
enum {
	R_RESET, R_BOLD, R_FLASH, R_UNDERLINE, R_REVERSE, R_ITALIC,
	R_STRIKEOUT, R_EBOLD,
	R_BLACK, R_RED, R_GREEN, R_ORANGE, R_BLUE, R_MAGENTA, R_CYAN, R_WHITE,
	R_DARKGREY, R_LIGHTRED, R_LIGHTGREEN, R_YELLOW, R_LIGHTBLUE,
	R_LIGHTMAGENTA, R_LIGHTCYAN, R_LIGHTWHITE,
	R_B_BLACK, R_B_RED, R_B_GREEN, R_B_ORANGE, R_B_BLUE, R_B_MAGENTA,
	R_B_CYAN, R_B_WHITE, R_B_YELLOW,
	R_STRIP
};

#define NM(s)	s, sizeof(s) - 1
#define STRIP(s) { NM(s), K_STRIP, 0, 0, NULL, 0, NULL, { NULL } }

/*
 * The table.  Columns: Pinkfish name, effect, ANSI SGR, xterm-256 index,
 * HTML class, then SMAUG/AFKMud, ROM/Lope, tbaMUD (a real TAB byte) and
 * CircleMUD spellings; NULL where the set has no such code.  The rows after
 * R_STRIP's block are input-only aliases.
 */
static const struct pf_code pf_codes[] = {
	{ NM("RESET"), K_RESET, 0, 0, "0", 0, NULL,
	    { "&d", "{x", "\tn", "@n" } },
	{ NM("BOLD"), K_ATTR, A_BOLD, 0, "1", 0, "pf-bold",
	    { "&L", NULL, "\t+", "@o" } },
	{ NM("FLASH"), K_ATTR, A_FLASH, 0, "5", 0, "pf-flash",
	    { "&$", NULL, "\t-", "@l" } },
	{ NM("UNDERLINE"), K_ATTR, A_UNDERLINE, 0, "4", 0, "pf-underline",
	    { "&u", NULL, "\t_", "@u" } },
	{ NM("REVERSE"), K_ATTR, A_REVERSE, 0, "7", 0, "pf-reverse",
	    { "&v", NULL, "\t=", "@e" } },
	{ NM("ITALIC"), K_ATTR, A_ITALIC, 0, "3", 0, "pf-italic",
	    { "&i", NULL, NULL, NULL } },
	{ NM("STRIKEOUT"), K_ATTR, A_STRIKEOUT, 0, "9", 0, "pf-strikeout",
	    { "&s", NULL, NULL, NULL } },
	{ NM("EBOLD"), K_EBOLD, 0, 0, "22", 0, NULL,
	    { "&*", NULL, NULL, NULL } },

	{ NM("BLACK"), K_FG, C_BLACK, 0, "30", 0, "pf-black",
	    { "&x", NULL, "\td", "@d" } },
	{ NM("RED"), K_FG, C_RED, 0, "31", 1, "pf-red",
	    { "&r", "{r", "\tr", "@r" } },
	{ NM("GREEN"), K_FG, C_GREEN, 0, "32", 2, "pf-green",
	    { "&g", "{g", "\tg", "@g" } },
	{ NM("ORANGE"), K_FG, C_ORANGE, 0, "33", 208, "pf-orange",
	    { "&O", "{y", "\ty", "@y" } },
	{ NM("BLUE"), K_FG, C_BLUE, 0, "34", 4, "pf-blue",
	    { "&b", "{b", "\tb", "@b" } },
	{ NM("MAGENTA"), K_FG, C_MAGENTA, 0, "35", 5, "pf-magenta",
	    { "&p", "{m", "\tm", "@m" } },
	{ NM("CYAN"), K_FG, C_CYAN, 0, "36", 6, "pf-cyan",
	    { "&c", "{c", "\tc", "@c" } },
	{ NM("WHITE"), K_FG, C_WHITE, 0, "37", 7, "pf-white",
	    { "&w", "{w", "\tw", "@w" } },

	{ NM("DARKGREY"), K_FG, C_BLACK, 1, "1;30", 8, "pf-darkgrey",
	    { "&z", "{D", "\tD", "@D" } },
	{ NM("LIGHTRED"), K_FG, C_RED, 1, "1;31", 9, "pf-lightred",
	    { "&R", "{R", "\tR", "@R" } },
	{ NM("LIGHTGREEN"), K_FG, C_GREEN, 1, "1;32", 10, "pf-lightgreen",
	    { "&G", "{G", "\tG", "@G" } },
	{ NM("YELLOW"), K_FG, C_ORANGE, 1, "1;33", 11, "pf-yellow",
	    { "&Y", "{Y", "\tY", "@Y" } },
	{ NM("LIGHTBLUE"), K_FG, C_BLUE, 1, "1;34", 12, "pf-lightblue",
	    { "&B", "{B", "\tB", "@B" } },
	{ NM("LIGHTMAGENTA"), K_FG, C_MAGENTA, 1, "1;35", 13, "pf-lightmagenta",
	    { "&P", "{M", "\tM", "@M" } },
	{ NM("LIGHTCYAN"), K_FG, C_CYAN, 1, "1;36", 14, "pf-lightcyan",
	    { "&C", "{C", "\tC", "@C" } },
	{ NM("LIGHTWHITE"), K_FG, C_WHITE, 1, "1;37", 15, "pf-lightwhite",
	    { "&W", "{W", "\tW", "@W" } },

	{ NM("B_BLACK"), K_BG, C_BLACK, 0, "40", 0, "pf-b-black",
	    { "^x", NULL, "\t[B000]", "@0" } },
	{ NM("B_RED"), K_BG, C_RED, 0, "41", 1, "pf-b-red",
	    { "^r", NULL, "\t[B300]", "@4" } },
	{ NM("B_GREEN"), K_BG, C_GREEN, 0, "42", 2, "pf-b-green",
	    { "^g", NULL, "\t[B030]", "@2" } },
	{ NM("B_ORANGE"), K_BG, C_ORANGE, 0, "43", 208, "pf-b-orange",
	    { "^O", NULL, "\t[B330]", "@6" } },
	{ NM("B_BLUE"), K_BG, C_BLUE, 0, "44", 4, "pf-b-blue",
	    { "^b", NULL, "\t[B003]", "@1" } },
	{ NM("B_MAGENTA"), K_BG, C_MAGENTA, 0, "45", 5, "pf-b-magenta",
	    { "^p", NULL, "\t[B303]", "@5" } },
	{ NM("B_CYAN"), K_BG, C_CYAN, 0, "46", 6, "pf-b-cyan",
	    { "^c", NULL, "\t[B033]", "@3" } },
	{ NM("B_WHITE"), K_BG, C_WHITE, 0, "47", 7, "pf-b-white",
	    { "^w", NULL, "\t[B333]", "@7" } },
	{ NM("B_YELLOW"), K_BG, C_BYELLOW, 0, "103", 11, "pf-b-yellow",
	    { "^Y", NULL, "\t[B550]", NULL } },

	STRIP("CLEARLINE"), STRIP("INITTERM"), STRIP("ENDTERM"),
	STRIP("STATUS"), STRIP("WINDOW"), STRIP("HOME"), STRIP("SAVE"),
	STRIP("RESTORE"), STRIP("CURS_UP"), STRIP("CURS_DOWN"),
	STRIP("CURS_LEFT"), STRIP("CURS_RIGHT"),

	/* Aliases seen live. */
	{ NM("GREY"), K_FG, C_WHITE, 0, NULL, 0, NULL, { NULL } },
	{ NM("GRAY"), K_FG, C_WHITE, 0, NULL, 0, NULL, { NULL } },
	{ NM("PINK"), K_FG, C_MAGENTA, 1, NULL, 0, NULL, { NULL } },
	{ NM("DARKGRAY"), K_FG, C_BLACK, 1, NULL, 0, NULL, { NULL } },
};
#define PF_NCODES	(sizeof pf_codes / sizeof pf_codes[0])
#define PF_MAXNAME	12

/* Codes some sets also accept, read only (degraded where needed). */
struct pf_extra {
	const char	*code;
	unsigned char	 row;
};

static const struct pf_extra smaug_extra[] = {
	{ "&D", R_RESET }, { "&I", R_ITALIC }, { "&U", R_UNDERLINE },
	{ "&V", R_REVERSE }, { "&S", R_STRIKEOUT },
	{ "^z", R_B_BLACK }, { "^R", R_B_RED }, { "^G", R_B_GREEN },
	{ "^B", R_B_BLUE }, { "^P", R_B_MAGENTA }, { "^C", R_B_CYAN },
	{ "^W", R_B_WHITE },
	{ NULL, 0 }
};
static const struct pf_extra rom_extra[] = {
	{ "{d", R_DARKGREY }, { "{X", R_RESET },
	{ NULL, 0 }
};
static const struct pf_extra tba_extra[] = {
	{ "\to", R_ORANGE }, { "\tO", R_YELLOW }, { "\tp", R_MAGENTA },
	{ "\tP", R_LIGHTMAGENTA }, { "\ta", R_CYAN }, { "\tA", R_LIGHTCYAN },
	{ "\tj", R_GREEN }, { "\tJ", R_LIGHTGREEN }, { "\tl", R_GREEN },
	{ "\tL", R_LIGHTGREEN }, { "\tt", R_ORANGE }, { "\tT", R_YELLOW },
	{ "\tv", R_MAGENTA }, { "\tV", R_LIGHTMAGENTA },
	{ NULL, 0 }
};
static const struct pf_extra *const pf_extras[P_NCODES] = {
	smaug_extra, rom_extra, tba_extra, NULL
};

static const char *const profile_names[I3_COLOUR_NPROFILES] = {
	"pinkfish", "ansi", "xterm256", "plain", "html", "smaug", "rom",
	"tba", "circle", "none"
};

static const struct {
	const char	*name;
	int		 profile;
} profile_aliases[] = {
	{ "pf", I3_COLOUR_PINKFISH },
	{ "ansi16", I3_COLOUR_ANSI },
	{ "xterm", I3_COLOUR_XTERM256 },
	{ "xterm-256", I3_COLOUR_XTERM256 },
	{ "256", I3_COLOUR_XTERM256 },
	{ "text", I3_COLOUR_PLAIN },
	{ "afkmud", I3_COLOUR_SMAUG },
	{ "smaugfuss", I3_COLOUR_SMAUG },
	{ "lope", I3_COLOUR_ROM },
	{ "tbamud", I3_COLOUR_TBA },
	{ "circlemud", I3_COLOUR_CIRCLE },
	{ "raw", I3_COLOUR_NONE },
};

/* Byte classes of the input scanner. */
#define B_TEXT	0
#define B_CTL	1	/* control byte or ESC: stripped */
#define B_NL	2
#define B_TAB	3
#define B_C2	4	/* lead byte of U+0080..U+00BF: maybe a C1 control */
#define B_CODE	5	/* the profile's code character */

static const unsigned char cls_base[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 2, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static int	 cs_eq(const struct cstate *, const struct cstate *);
static void	 cs_reduce(int, struct cstate *);
static void	 w_puts(struct writer *, const char *);
static char	*put_u8(char *, unsigned int);
static void	 t_ansi(struct writer *, const struct cstate *,
		    const struct cstate *, int);
static void	 t_html(struct writer *, const struct cstate *,
		    const struct cstate *);
static const char *code_fg(int, int, int);
static const char *code_bg(int, int);
static void	 t_codes(struct writer *, const struct cstate *,
		    const struct cstate *, int);
static void	 w_transition(struct writer *, const struct cstate *,
		    const struct cstate *);
static void	 w_flush(struct writer *);
static void	 w_pct(struct writer *);
static void	 w_close(struct writer *);
static void	 w_text(struct writer *, const char *, size_t);
static void	 w_newline(struct writer *);
static void	 w_end(struct writer *);
static void	 rgb_to16(unsigned int, unsigned int, unsigned int, int *,
		    int *);
static void	 x256_to16(unsigned int, int *, int *);
static size_t	 sgr_extended(struct cstate *, const unsigned int *, size_t,
		    size_t);
static void	 sgr_apply(struct cstate *, const unsigned int *, size_t);
static size_t	 skip_string(const unsigned char *, size_t, size_t);
static size_t	 skip_csi(const unsigned char *, size_t, size_t,
		    struct writer *);
static size_t	 skip_control(const unsigned char *, size_t, size_t,
		    struct writer *);
static size_t	 parse_pinkfish(struct conv *, const unsigned char *, size_t,
		    size_t);
static const struct pf_code *code_lookup(int, unsigned char, unsigned char);
static void	 set_want(struct writer *, const struct pf_code *, int);
static size_t	 parse_letter(struct conv *, const unsigned char *, size_t,
		    size_t);
static size_t	 parse_tba_bracket(struct conv *, const unsigned char *,
		    size_t, size_t);
static void	 put_cp(struct writer *, unsigned int);
static size_t	 parse_entity(struct conv *, const unsigned char *, size_t,
		    size_t);
static size_t	 parse_tag(struct conv *, const unsigned char *, size_t,
		    size_t);
static size_t	 scan_text(const unsigned char *, size_t, size_t,
		    const unsigned char *);
static char	*copy_text(const char *, size_t, size_t *, i3_error *);
static int	 name_eq(const char *, const char *);

/* ------------------------------------------------------------ state */

static int
cs_eq(const struct cstate *a, const struct cstate *b)
{
	return (a->attr == b->attr && a->fg == b->fg && a->bg == b->bg);
}

/* Drop what a profile cannot show at all. */
static void
cs_reduce(int to, struct cstate *st)
{
	switch (to) {
	case I3_COLOUR_PLAIN:
		*st = i3__cs_default;
		break;
	case I3_COLOUR_ROM:
		st->attr &= A_BOLD;
		st->bg = -1;
		break;
	case I3_COLOUR_TBA:
	case I3_COLOUR_CIRCLE:
		st->attr &= A_BOLD | A_FLASH | A_UNDERLINE | A_REVERSE;
		break;
	}
}

/*
 * Apply one code.  absolute: a foreground code resets everything first, as
 * the MUD code sets' colour codes do (&r is ESC[0;31m in SMAUG).
 */
void
i3__cs_apply(struct cstate *st, const struct pf_code *c, int absolute)
{
	switch (c->kind) {
	case K_RESET:
		*st = i3__cs_default;
		break;
	case K_ATTR:
		st->attr |= c->arg;
		break;
	case K_EBOLD:
		st->attr &= ~A_BOLD;
		break;
	case K_FG:
		if (absolute)
			*st = i3__cs_default;
		st->fg = (signed char)c->arg;
		if (c->bright)
			st->attr |= A_BOLD;
		break;
	case K_BG:
		st->bg = (signed char)c->arg;
		break;
	}
}

/* ----------------------------------------------------------- writer */

void
i3__w_put(struct writer *w, const char *s, size_t n)
{
	if (w->nomem)
		return;
	if (w->b.len + n < w->b.size) {	/* room for it and the NUL */
		memcpy(w->b.data + w->b.len, s, n);
		w->b.len += n;
		w->b.data[w->b.len] = '\0';
		return;
	}
	if (i3_buf_add(&w->b, s, n) == -1)
		w->nomem = 1;
}

static void
w_puts(struct writer *w, const char *s)
{
	i3__w_put(w, s, strlen(s));
}

/* True when going from d to t turns something off. */
#define TURNS_OFF(d, t)	(((d)->attr & ~(t)->attr) != 0 ||		\
	((d)->fg >= 0 && (t)->fg < 0) || ((d)->bg >= 0 && (t)->bg < 0))

/* Append SGR parameters (with a ';' unless first) to a sequence. */
#define SGR_ADD(p, seq, str) do {					\
	const char *s_ = (str);						\
									\
	if ((p) != (seq) + 2 && (p)[-1] != ';')				\
		*(p)++ = ';';						\
	while (*s_ != '\0')						\
		*(p)++ = *s_++;						\
} while (0)

/* A number 0-255 in decimal. */
static char *
put_u8(char *p, unsigned int u)
{
	if (u >= 100)
		*p++ = (char)('0' + u / 100);
	if (u >= 10)
		*p++ = (char)('0' + u / 10 % 10);
	*p++ = (char)('0' + u % 10);
	return (p);
}

/* ANSI SGR, 16 colours or xterm-256. */
static void
t_ansi(struct writer *w, const struct cstate *d, const struct cstate *t,
    int x256)
{
	const struct cstate	*base = d;
	char			 seq[64], *p = seq;
	unsigned int		 bit, i, u;
	int			 fgchg;

	if (cs_eq(t, &i3__cs_default)) {
		i3__w_put(w, "\033[0m", 4);
		return;
	}
	*p++ = '\033';
	*p++ = '[';
	if (TURNS_OFF(d, t)) {
		*p++ = '0';
		base = &i3__cs_default;
	}
	for (i = 0; i < A_NATTR; i++) {
		bit = 1U << i;
		if ((t->attr & bit) && !(base->attr & bit))
			SGR_ADD(p, seq, pf_codes[R_BOLD + i].sgr);
	}
	fgchg = t->fg != base->fg;
	if (x256 && ((t->attr ^ base->attr) & A_BOLD))
		fgchg = 1;
	if (t->fg >= 0 && fgchg) {
		if (x256) {
			SGR_ADD(p, seq, "38;5;");
			u = pf_codes[R_BLACK + t->fg +
			    ((t->attr & A_BOLD) ? 8 : 0)].x256;
			p = put_u8(p, u);
		} else
			SGR_ADD(p, seq, pf_codes[R_BLACK + t->fg].sgr);
	}
	if (t->bg >= 0 && t->bg != base->bg) {
		if (x256) {
			SGR_ADD(p, seq, "48;5;");
			p = put_u8(p, pf_codes[R_B_BLACK + t->bg].x256);
		} else
			SGR_ADD(p, seq, pf_codes[R_B_BLACK + t->bg].sgr);
	}
	*p++ = 'm';
	i3__w_put(w, seq, (size_t)(p - seq));
}

/* Pinkfish, normalised: canonical names, one %^NAME%^ pair each. */
void
i3__t_pinkfish(struct writer *w, const struct cstate *d, const struct cstate *t)
{
	const struct cstate	*base = d;
	unsigned int		 bit, i;
	int			 boldadd, fgchg;

	if (TURNS_OFF(d, t) || cs_eq(t, &i3__cs_default)) {
		i3__w_put(w, "%^RESET%^", 9);
		base = &i3__cs_default;
	}
	boldadd = (t->attr & A_BOLD) && !(base->attr & A_BOLD);
	fgchg = t->fg >= 0 && t->fg != base->fg;
	if (t->fg == C_ORANGE && (t->attr & A_BOLD) && (fgchg || boldadd)) {
		i3__w_put(w, "%^YELLOW%^", 10);
		boldadd = fgchg = 0;
	}
	for (i = 0; i < A_NATTR; i++) {
		bit = 1U << i;
		if (bit == A_BOLD ? boldadd :
		    ((t->attr & bit) && !(base->attr & bit))) {
			i3__w_put(w, "%^", 2);
			w_puts(w, pf_codes[R_BOLD + i].name);
			i3__w_put(w, "%^", 2);
		}
	}
	if (fgchg) {
		i3__w_put(w, "%^", 2);
		w_puts(w, pf_codes[R_BLACK + t->fg].name);
		i3__w_put(w, "%^", 2);
	}
	if (t->bg >= 0 && t->bg != base->bg) {
		i3__w_put(w, "%^", 2);
		w_puts(w, pf_codes[R_B_BLACK + t->bg].name);
		i3__w_put(w, "%^", 2);
	}
}

/* HTML: one span at a time, its classes naming the whole state. */
static void
t_html(struct writer *w, const struct cstate *d, const struct cstate *t)
{
	unsigned int	 i, n = 0;

	if (!cs_eq(d, &i3__cs_default))
		i3__w_put(w, "</span>", 7);
	if (cs_eq(t, &i3__cs_default))
		return;
	i3__w_put(w, "<span class=\"", 13);
	for (i = 0; i < A_NATTR; i++) {
		if (t->attr & (1U << i)) {
			if (n++ != 0)
				i3__w_put(w, " ", 1);
			w_puts(w, pf_codes[R_BOLD + i].html);
		}
	}
	if (t->fg >= 0) {
		if (n++ != 0)
			i3__w_put(w, " ", 1);
		w_puts(w, pf_codes[R_BLACK + t->fg +
		    ((t->attr & A_BOLD) ? 8 : 0)].html);
	}
	if (t->bg >= 0) {
		if (n++ != 0)
			i3__w_put(w, " ", 1);
		w_puts(w, pf_codes[R_B_BLACK + t->bg].html);
	}
	i3__w_put(w, "\">", 2);
}

/* A foreground code of a MUD set; the bright one when there is no dark one. */
static const char *
code_fg(int p, int fg, int bold)
{
	const char	*s;

	s = pf_codes[R_BLACK + fg + (bold ? 8 : 0)].code[p];
	if (s == NULL)
		s = pf_codes[R_BLACK + fg + 8].code[p];
	return (s);
}

/* A background code of a MUD set; B_YELLOW degrades to B_ORANGE. */
static const char *
code_bg(int p, int bg)
{
	const char	*s;

	s = pf_codes[R_B_BLACK + bg].code[p];
	if (s == NULL && bg == C_BYELLOW)
		s = pf_codes[R_B_ORANGE].code[p];
	return (s);
}

/*
 * The MUD code sets, whose colour codes are absolute (they reset every
 * attribute and the background): write the colour first, then the rest.
 */
static void
t_codes(struct writer *w, const struct cstate *d, const struct cstate *t,
    int p)
{
	struct cstate	 base;
	const char	*s;
	unsigned int	 bit, i;
	int		 bold = (t->attr & A_BOLD) != 0;

	if (cs_eq(t, &i3__cs_default)) {
		w_puts(w, pf_codes[R_RESET].code[p]);
		return;
	}
	base = *d;
	if (t->fg != d->fg || ((t->attr ^ d->attr) & A_BOLD) ||
	    TURNS_OFF(d, t)) {
		if (t->fg >= 0)
			w_puts(w, code_fg(p, t->fg, bold));
		else {
			if (!cs_eq(d, &i3__cs_default))
				w_puts(w, pf_codes[R_RESET].code[p]);
			if (bold) {
				s = pf_codes[R_BOLD].code[p];
				if (s == NULL)
					s = pf_codes[R_LIGHTWHITE].code[p];
				w_puts(w, s);
			}
		}
		base = i3__cs_default;
		base.fg = t->fg;
		base.attr = t->attr & A_BOLD;
	}
	for (i = 1; i < A_NATTR; i++) {
		bit = 1U << i;
		if ((t->attr & bit) && !(base.attr & bit) &&
		    (s = pf_codes[R_BOLD + i].code[p]) != NULL)
			w_puts(w, s);
	}
	if (t->bg >= 0 && t->bg != base.bg && (s = code_bg(p, t->bg)) != NULL)
		w_puts(w, s);
}

static void
w_transition(struct writer *w, const struct cstate *d, const struct cstate *t)
{
	switch (w->to) {
	case I3_COLOUR_PINKFISH:
		i3__t_pinkfish(w, d, t);
		break;
	case I3_COLOUR_ANSI:
		t_ansi(w, d, t, 0);
		break;
	case I3_COLOUR_XTERM256:
		t_ansi(w, d, t, 1);
		break;
	case I3_COLOUR_HTML:
		t_html(w, d, t);
		break;
	case I3_COLOUR_SMAUG:
		t_codes(w, d, t, P_SMAUG);
		break;
	case I3_COLOUR_ROM:
		t_codes(w, d, t, P_ROM);
		break;
	case I3_COLOUR_TBA:
		t_codes(w, d, t, P_TBA);
		break;
	case I3_COLOUR_CIRCLE:
		t_codes(w, d, t, P_CIRCLE);
		break;
	}
}

/* Write a '%' held back in case a '^' came next. */
static void
w_pct(struct writer *w)
{
	if (w->pct) {
		w->pct = 0;
		i3__w_put(w, "%", 1);
	}
}

/* Write the change from done to want, right before visible text. */
static void
w_flush(struct writer *w)
{
	struct cstate	t = w->want;

	w->dirty = 0;
	cs_reduce(w->to, &t);
	if (cs_eq(&t, &w->done))
		return;
	w_pct(w);
	if (!w->measure)
		w_transition(w, &w->done, &t);
	w->done = t;
}

/* Close what is open: at a newline and at the end. */
static void
w_close(struct writer *w)
{
	w_pct(w);
	if (cs_eq(&w->done, &i3__cs_default))
		return;
	if (!w->measure)
		w_transition(w, &w->done, &i3__cs_default);
	w->done = i3__cs_default;
	w->dirty = 1;
}

/* Visible text, already free of control bytes and newlines. */
static void
w_text(struct writer *w, const char *s, size_t n)
{
	size_t		 i, j;
	const char	*e;

	if (n == 0)
		return;
	if (w->dirty)
		w_flush(w);
	if (w->measure) {
		w->col += i3__utf8_width((const unsigned char *)s, n);
		return;
	}
	switch (w->to) {
	case I3_COLOUR_ANSI:
	case I3_COLOUR_XTERM256:
	case I3_COLOUR_PLAIN:
		i3__w_put(w, s, n);
		return;
	}
	for (i = j = 0; i < n; i++) {
		e = NULL;
		switch (w->to) {
		case I3_COLOUR_PINKFISH:
			if (i == 0 && w->pct) {
				w->pct = 0;
				if (s[0] == '^') {
					i3__w_put(w, "%%^^", 4);
					j = 1;
					continue;
				}
				i3__w_put(w, "%", 1);
			}
			if (s[i] == '%' && i + 1 == n) {
				i3__w_put(w, s + j, i - j);
				w->pct = 1;	/* a '^' may follow */
				return;
			}
			if (s[i] == '%' && s[i + 1] == '^') {
				i3__w_put(w, s + j, i - j);
				i3__w_put(w, "%%^^", 4);
				j = ++i + 1;
			}
			continue;
		case I3_COLOUR_HTML:
			if (s[i] == '&')
				e = "&amp;";
			else if (s[i] == '<')
				e = "&lt;";
			else if (s[i] == '>')
				e = "&gt;";
			else if (s[i] == '"')
				e = "&quot;";
			else if (s[i] == '\'')
				e = "&#39;";
			break;
		case I3_COLOUR_SMAUG:
			if (s[i] == '&')
				e = "&&";
			else if (s[i] == '^')
				e = "^^";
			else if (s[i] == '}')
				e = "}}";
			break;
		case I3_COLOUR_ROM:
			if (s[i] == '{')
				e = "{{";
			break;
		case I3_COLOUR_TBA:
			if (s[i] == '@')
				e = "\t*";
			break;
		case I3_COLOUR_CIRCLE:
			if (s[i] == '@')
				e = "@@";
			break;
		}
		if (e != NULL) {
			i3__w_put(w, s + j, i - j);
			w_puts(w, e);
			j = i + 1;
		}
	}
	i3__w_put(w, s + j, n - j);
}

static void
w_newline(struct writer *w)
{
	w_close(w);
	if (w->linereset) {
		w->want = i3__cs_default;
		w->dirty = 0;
	} else
		w->dirty = !cs_eq(&w->want, &i3__cs_default);
	if (w->measure) {
		if (w->col > w->maxcol)
			w->maxcol = w->col;
		w->col = 0;
		return;
	}
	i3__w_put(w, w->oneline ? " " : "\n", 1);
}

static void
w_end(struct writer *w)
{
	w_close(w);
	if (w->col > w->maxcol)
		w->maxcol = w->col;
}

void
i3__w_init(struct writer *w, int to, int linereset)
{
	memset(w, 0, sizeof *w);
	i3_buf_init(&w->b);
	w->to = to;
	w->linereset = linereset;
	w->want = w->done = i3__cs_default;
}

/* ---------------------------------------------------- ANSI and RGB */

/* The nearest of the 16 colours: *c is C_*, *bright 0 or 1. */
static void
rgb_to16(unsigned int r, unsigned int g, unsigned int b, int *c, int *bright)
{
	unsigned int	 mx = r, half;

	if (g > mx)
		mx = g;
	if (b > mx)
		mx = b;
	if (mx < 0x40) {
		*c = C_BLACK;
		*bright = 0;
		return;
	}
	half = mx / 2;
	*c = (r > half ? 1 : 0) | (g > half ? 2 : 0) | (b > half ? 4 : 0);
	if (*c == C_ORANGE && g * 4 < r * 3) {	/* orange, not yellow */
		*bright = 0;
		return;
	}
	if (*c == 7) {		/* a grey */
		if (mx < 0x80) {
			*c = C_BLACK;
			*bright = 1;
		} else
			*bright = mx >= 0xf0;
		return;
	}
	*bright = mx >= 0xf0;
}

static void
x256_to16(unsigned int n, int *c, int *bright)
{
	static const unsigned char lv[6] = { 0, 95, 135, 175, 215, 255 };
	unsigned int	 g;

	if (n < 16) {
		*c = (int)(n & 7);
		*bright = n >= 8;
	} else if (n < 232) {
		n -= 16;
		rgb_to16(lv[n / 36], lv[(n / 6) % 6], lv[n % 6], c, bright);
	} else {
		g = 8 + 10 * (n - 232);
		rgb_to16(g, g, g, c, bright);
	}
}

/* 38;5;N, 38;2;R;G;B and the 48 forms; returns the parameters used. */
static size_t
sgr_extended(struct cstate *st, const unsigned int *p, size_t np, size_t i)
{
	int	 c, bright;

	if (i + 2 < np && p[i + 1] == 5)
		x256_to16(p[i + 2] & 0xff, &c, &bright);
	else if (i + 4 < np && p[i + 1] == 2)
		rgb_to16(p[i + 2] & 0xff, p[i + 3] & 0xff, p[i + 4] & 0xff,
		    &c, &bright);
	else
		return (np - i);	/* malformed: ignore the rest */
	if (p[i] == 38) {
		st->fg = (signed char)c;
		if (bright)
			st->attr |= A_BOLD;
	} else
		st->bg = (signed char)(bright && c == C_ORANGE ? C_BYELLOW : c);
	return (p[i + 1] == 5 ? 3 : 5);
}

static void
sgr_apply(struct cstate *st, const unsigned int *p, size_t np)
{
	size_t	 i = 0;
	unsigned int v;

	if (np == 0) {
		*st = i3__cs_default;
		return;
	}
	while (i < np) {
		v = p[i];
		if (v == 38 || v == 48) {
			i += sgr_extended(st, p, np, i);
			continue;
		}
		i++;
		switch (v) {
		case 0:
			*st = i3__cs_default;
			break;
		case 1:
			st->attr |= A_BOLD;
			break;
		case 3:
			st->attr |= A_ITALIC;
			break;
		case 4:
			st->attr |= A_UNDERLINE;
			break;
		case 5:
		case 6:
			st->attr |= A_FLASH;
			break;
		case 7:
			st->attr |= A_REVERSE;
			break;
		case 9:
			st->attr |= A_STRIKEOUT;
			break;
		case 22:
			st->attr &= ~A_BOLD;
			break;
		case 23:
			st->attr &= ~A_ITALIC;
			break;
		case 24:
			st->attr &= ~A_UNDERLINE;
			break;
		case 25:
			st->attr &= ~A_FLASH;
			break;
		case 27:
			st->attr &= ~A_REVERSE;
			break;
		case 29:
			st->attr &= ~A_STRIKEOUT;
			break;
		case 39:
			st->fg = -1;
			break;
		case 49:
			st->bg = -1;
			break;
		default:
			if (v >= 30 && v <= 37)
				st->fg = (signed char)(v - 30);
			else if (v >= 40 && v <= 47)
				st->bg = (signed char)(v - 40);
			else if (v >= 90 && v <= 97) {
				st->fg = (signed char)(v - 90);
				st->attr |= A_BOLD;
			} else if (v >= 100 && v <= 107)
				st->bg = (signed char)(v == 103 ? C_BYELLOW :
				    v - 100);
			break;
		}
	}
}

/* Skip an OSC/DCS/APC/PM/SOS string up to BEL or ST; i is after its opener. */
static size_t
skip_string(const unsigned char *s, size_t i, size_t n)
{
	while (i < n) {
		if (s[i] == 0x07)
			return (i + 1);
		if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '\\')
			return (i + 2);
		if (s[i] == 0xc2 && i + 1 < n && s[i + 1] == 0x9c)
			return (i + 2);
		i++;
	}
	return (n);
}

/*
 * Skip a CSI sequence whose parameters start at i; an SGR one changes the
 * writer's wanted state when w is not NULL.
 */
static size_t
skip_csi(const unsigned char *s, size_t i, size_t n, struct writer *w)
{
	unsigned int	 p[32];
	size_t		 np = 0;
	int		 priv = 0, have = 0;

	if (i < n && s[i] >= 0x3c && s[i] <= 0x3f) {
		priv = 1;
		i++;
	}
	p[0] = 0;
	for (; i < n && s[i] >= 0x30 && s[i] <= 0x3f; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (p[np] < 100000)
				p[np] = p[np] * 10 + (unsigned int)(s[i] - '0');
			have = 1;
		} else if (s[i] == ';' || s[i] == ':') {
			if (np < 31)
				p[++np] = 0;
			have = 1;
		} else
			priv = 1;
	}
	while (i < n && s[i] >= 0x20 && s[i] <= 0x2f)
		i++;
	if (i >= n)
		return (n);
	if (s[i] < 0x40 || s[i] > 0x7e)
		return (i);	/* broken: drop what was read */
	if (s[i] == 'm' && w != NULL && !priv) {
		sgr_apply(&w->want, p, have ? np + 1 : 0);
		w->dirty = 1;
	}
	return (i + 1);
}

/* Skip one control byte or escape sequence at s[i]. */
static size_t
skip_control(const unsigned char *s, size_t i, size_t n, struct writer *w)
{
	unsigned char	 c;

	if (s[i] == 0xc2) {	/* C1 in UTF-8 */
		c = s[i + 1];
		if (c == 0x9b)
			return (skip_csi(s, i + 2, n, w));
		if (c == 0x90 || c == 0x9d || c == 0x9e || c == 0x9f ||
		    c == 0x98)
			return (skip_string(s, i + 2, n));
		return (i + 2);
	}
	if (s[i] != 0x1b)
		return (i + 1);
	if (++i >= n)
		return (n);
	c = s[i];
	if (c == '[')
		return (skip_csi(s, i + 1, n, w));
	if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X')
		return (skip_string(s, i + 1, n));
	while (i < n && s[i] >= 0x20 && s[i] <= 0x2f)
		i++;
	if (i < n && s[i] >= 0x30 && s[i] <= 0x7e)
		i++;
	return (i);
}

/* -------------------------------------------------------- Pinkfish */

const struct pf_code *
i3__pf_lookup(const unsigned char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > PF_MAXNAME || s[0] < 'A' || s[0] > 'Z')
		return (NULL);
	for (i = 0; i < PF_NCODES; i++) {
		if (pf_codes[i].namelen == n && pf_codes[i].name[0] == s[0] &&
		    memcmp(pf_codes[i].name, s, n) == 0)
			return (&pf_codes[i]);
	}
	return (NULL);
}

/*
 * At a '%'.  As LPC's terminal_colour(): %^ splits, a piece that is a code
 * becomes the code, any other piece stays as text and the %^ vanish.  The
 * closing %^ of a code opens the next piece, so %^BOLD%^RED%^ is two codes.
 */
static size_t
parse_pinkfish(struct conv *cv, const unsigned char *s, size_t i, size_t n)
{
	const struct pf_code	*c;
	size_t			 k, e;

	if (i + 3 < n && s[i + 1] == '%' && s[i + 2] == '^' &&
	    s[i + 3] == '^') {
		w_text(cv->w, "%^", 2);
		return (i + 4);
	}
	if (i + 1 >= n || s[i + 1] != '^') {
		w_text(cv->w, "%", 1);
		return (i + 1);
	}
	k = i + 2;
	for (e = k; e < n && e - k <= PF_MAXNAME &&
	    ((s[e] >= 'A' && s[e] <= 'Z') || s[e] == '_'); e++)
		;
	if (e < n && (s[e] != '%' || e + 1 == n || s[e + 1] != '^'))
		return (k);	/* not a code: the piece is text */
	if ((c = i3__pf_lookup(s + k, e - k)) == NULL)
		return (k);
	set_want(cv->w, c, 0);
	return (e);
}

/* ------------------------------------------------- MUD code sets */

/* The code of a set spelt c d (d may be anything). */
static const struct pf_code *
code_lookup(int p, unsigned char c, unsigned char d)
{
	const struct pf_extra	*x;
	const char		*s;
	size_t			 i;

	for (i = 0; i < R_STRIP; i++) {
		s = pf_codes[i].code[p];
		if (s != NULL && (unsigned char)s[0] == c &&
		    (unsigned char)s[1] == d && s[2] == '\0')
			return (&pf_codes[i]);
	}
	for (x = pf_extras[p]; x != NULL && x->code != NULL; x++) {
		if ((unsigned char)x->code[0] == c &&
		    (unsigned char)x->code[1] == d)
			return (&pf_codes[x->row]);
	}
	return (NULL);
}

static void
set_want(struct writer *w, const struct pf_code *c, int absolute)
{
	i3__cs_apply(&w->want, c, absolute);
	w->dirty = 1;
}

/* At a code character of SMAUG, ROM, tbaMUD or CircleMUD text. */
static size_t
parse_letter(struct conv *cv, const unsigned char *s, size_t i, size_t n)
{
	const struct pf_code	*c;
	unsigned char		 ch = s[i], d;
	int			 p;

	switch (cv->from) {
	case I3_COLOUR_SMAUG:
		p = P_SMAUG;
		break;
	case I3_COLOUR_ROM:
		p = P_ROM;
		break;
	case I3_COLOUR_TBA:
		p = P_TBA;
		break;
	default:
		p = P_CIRCLE;
		break;
	}
	if (i + 1 >= n) {
		if (ch != '\t')
			w_text(cv->w, (const char *)s + i, 1);
		return (i + 1);
	}
	d = s[i + 1];
	if (d == ch) {		/* doubled: the character itself */
		w_text(cv->w, ch == '\t' ? " " : (const char *)s + i, 1);
		return (i + 2);
	}
	if (p == P_TBA && d == '*') {
		w_text(cv->w, "@", 1);
		return (i + 2);
	}
	if (p == P_TBA && d == '[')
		return (parse_tba_bracket(cv, s, i + 2, n));
	if (p == P_CIRCLE && d == 'x')
		return (i + 2);	/* random colour: dropped */
	if (ch == '}') {	/* SMAUG blinking foreground */
		if ((c = code_lookup(p, '&', d)) != NULL && c->kind == K_FG) {
			set_want(cv->w, c, 1);
			set_want(cv->w, &pf_codes[R_FLASH], 0);
			return (i + 2);
		}
	} else if ((c = code_lookup(p, ch, d)) != NULL) {
		set_want(cv->w, c, 1);
		return (i + 2);
	}
	if (ch == '\t')		/* an unknown tbaMUD code: dropped */
		return (i + 2);
	w_text(cv->w, (const char *)s + i, 1);
	return (i + 1);
}

/* tbaMUD \t[F500] / \t[B500] (RGB 0-5 each); other bracket codes dropped. */
static size_t
parse_tba_bracket(struct conv *cv, const unsigned char *s, size_t i,
    size_t n)
{
	size_t		 e;
	unsigned int	 r, g, b;
	int		 c, bright;

	for (e = i; e < n && e - i < 16 && s[e] != ']'; e++)
		;
	if (e >= n || s[e] != ']')
		return (i);
	if (e - i == 4 && (s[i] == 'F' || s[i] == 'B') &&
	    s[i + 1] >= '0' && s[i + 1] <= '5' &&
	    s[i + 2] >= '0' && s[i + 2] <= '5' &&
	    s[i + 3] >= '0' && s[i + 3] <= '5') {
		r = (unsigned int)(s[i + 1] - '0') * 51;
		g = (unsigned int)(s[i + 2] - '0') * 51;
		b = (unsigned int)(s[i + 3] - '0') * 51;
		rgb_to16(r, g, b, &c, &bright);
		if (s[i] == 'F') {
			set_want(cv->w, &pf_codes[R_BLACK + c +
			    (bright ? 8 : 0)], 1);
		} else {
			if (bright && c == C_ORANGE)
				c = C_BYELLOW;
			set_want(cv->w, &pf_codes[R_B_BLACK + c], 0);
		}
	}
	return (e + 1);
}

/* ------------------------------------------------------------ HTML */

static void
put_cp(struct writer *w, unsigned int c)
{
	char	 b[4];

	if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return;
	if (c < 0x80) {
		b[0] = (char)c;
		w_text(w, b, 1);
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3f));
		w_text(w, b, 2);
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | (c >> 12));
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		w_text(w, b, 3);
	} else {
		b[0] = (char)(0xf0 | (c >> 18));
		b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		w_text(w, b, 4);
	}
}

static size_t
parse_entity(struct conv *cv, const unsigned char *s, size_t i, size_t n)
{
	static const struct {
		const char	*name;
		unsigned int	 cp;
	} ent[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' },
		{ "quot", '"' }, { "apos", '\'' }, { "nbsp", 0xa0 },
	};
	size_t		 e, k, len;
	unsigned int	 c = 0;

	for (e = i + 1; e < n && e - i <= 10 && s[e] != ';'; e++)
		;
	if (e >= n || s[e] != ';') {
		w_text(cv->w, "&", 1);
		return (i + 1);
	}
	len = e - i - 1;
	if (len >= 2 && s[i + 1] == '#') {
		if (s[i + 2] == 'x' || s[i + 2] == 'X') {
			for (k = i + 3; k < e; k++) {
				if (s[k] >= '0' && s[k] <= '9')
					c = c * 16 + (s[k] - '0');
				else if ((s[k] | 0x20) >= 'a' &&
				    (s[k] | 0x20) <= 'f')
					c = c * 16 + ((s[k] | 0x20) - 'a' + 10);
				else
					break;
			}
		} else {
			for (k = i + 2; k < e && s[k] >= '0' && s[k] <= '9';
			    k++)
				c = c * 10 + (s[k] - '0');
		}
		if (k == e && k > i + 2) {
			put_cp(cv->w, c);
			return (e + 1);
		}
	} else {
		for (k = 0; k < sizeof ent / sizeof ent[0]; k++) {
			if (strlen(ent[k].name) == len &&
			    memcmp(ent[k].name, s + i + 1, len) == 0) {
				put_cp(cv->w, ent[k].cp);
				return (e + 1);
			}
		}
	}
	w_text(cv->w, "&", 1);
	return (i + 1);
}

/* A tag: our spans push and pop the state, <br> is a newline, the rest go. */
static size_t
parse_tag(struct conv *cv, const unsigned char *s, size_t i, size_t n)
{
	struct writer	*w = cv->w;
	const char	*h;
	size_t		 e, k, a, len, r;
	unsigned char	 q;

	for (e = i + 1; e < n && e - i < 1024 && s[e] != '>'; e++)
		;
	if (e >= n || s[e] != '>') {
		w_text(w, "<", 1);
		return (i + 1);
	}
	len = e - i - 1;
	if (len >= 5 && memcmp(s + i + 1, "/span", 5) == 0) {
		if (cv->depth > 0) {
			w->want = cv->stack[--cv->depth];
			w->dirty = 1;
		}
	} else if (len >= 4 && memcmp(s + i + 1, "span", 4) == 0 &&
	    (len == 4 || s[i + 5] == ' ')) {
		if (cv->depth < sizeof cv->stack / sizeof cv->stack[0])
			cv->stack[cv->depth++] = w->want;
		for (k = i + 5; k + 7 < e; k++) {
			if (memcmp(s + k, "class=", 6) == 0)
				break;
		}
		if (k + 7 < e && (s[k + 6] == '"' || s[k + 6] == '\'')) {
			q = s[k + 6];
			for (k += 7; k < e && s[k] != q; k = a) {
				while (k < e && s[k] == ' ')
					k++;
				for (a = k; a < e && s[a] != ' ' && s[a] != q;
				    a++)
					;
				for (r = 0; r < R_STRIP; r++) {
					h = pf_codes[r].html;
					if (h != NULL && strlen(h) == a - k &&
					    memcmp(h, s + k, a - k) == 0) {
						set_want(w, &pf_codes[r], 0);
						break;
					}
				}
			}
		}
	} else if (len >= 2 && (s[i + 1] | 0x20) == 'b' &&
	    (s[i + 2] | 0x20) == 'r' && (len == 2 || s[i + 3] == '/' ||
	    s[i + 3] == ' '))
		w_newline(w);
	return (e + 1);
}

/* ------------------------------------------------------- converter */

#define ONES		0x0101010101010101ULL
#define HIGHS		0x8080808080808080ULL
#define HASZERO(x)	(((x) - ONES) & ~(x) & HIGHS)

/*
 * The end of the plain text from i: eight bytes at a time while none is a
 * control byte, DEL, 0xc2 or one of the three code characters cc (ESC
 * where a profile has fewer), then byte by byte.
 */
static size_t
scan_text(const unsigned char *s, size_t i, size_t n,
    const unsigned char *cc)
{
	uint64_t	 x;
	unsigned char	 c;
#if defined(__SSE2__)
	__m128i		 v, m, lim = _mm_set1_epi8(0x1f);
	__m128i		 del = _mm_set1_epi8(0x7f);
	__m128i		 c2 = _mm_set1_epi8((char)0xc2);
	__m128i		 k0 = _mm_set1_epi8((char)cc[0]);
	__m128i		 k1 = _mm_set1_epi8((char)cc[1]);
	__m128i		 k2 = _mm_set1_epi8((char)cc[2]);
	unsigned int	 bits;

	while (i + 16 <= n) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		m = _mm_cmpeq_epi8(_mm_max_epu8(v, lim), lim);
		m = _mm_or_si128(m, _mm_cmpeq_epi8(v, del));
		m = _mm_or_si128(m, _mm_cmpeq_epi8(v, c2));
		m = _mm_or_si128(m, _mm_cmpeq_epi8(v, k0));
		m = _mm_or_si128(m, _mm_cmpeq_epi8(v, k1));
		m = _mm_or_si128(m, _mm_cmpeq_epi8(v, k2));
		bits = (unsigned int)_mm_movemask_epi8(m);
		if (bits != 0)
			return (i + (size_t)__builtin_ctz(bits));
		i += 16;
	}
#endif

	while (i + 8 <= n) {
		memcpy(&x, s + i, 8);
		if ((((x - ONES * 0x20) & ~x & HIGHS) |
		    HASZERO(x ^ (ONES * 0x7f)) | HASZERO(x ^ (ONES * 0xc2)) |
		    HASZERO(x ^ (ONES * cc[0])) | HASZERO(x ^ (ONES * cc[1])) |
		    HASZERO(x ^ (ONES * cc[2]))) != 0)
			break;
		i += 8;
	}
	for (; i < n; i++) {
		c = s[i];
		if (cls_base[c] != B_TEXT || c == cc[0] || c == cc[1] ||
		    c == cc[2])
			break;
	}
	return (i);
}

void
i3__convert(struct conv *cv, const unsigned char *s, size_t n)
{
	unsigned char		 cc[3] = { 0x1b, 0x1b, 0x1b }, b;
	size_t			 ncc = 0;
	struct writer		*w = cv->w;
	struct writer		*sgr = NULL;
	const struct pf_code	*c;
	size_t			 i = 0, j;

	switch (cv->from) {
	case I3_COLOUR_PINKFISH:
		cc[0] = cc[1] = cc[2] = '%';
		ncc = 1;
		/* A code before the first %^ counts too (terminal_colour). */
		for (j = 0; j < n && j <= PF_MAXNAME && s[0] >= 'A' &&
		    s[0] <= 'Z'; j++) {
			if (s[j] == '%' && j + 1 < n && s[j + 1] == '^')
				break;
		}
		if (j > 0 && j < n && s[j] == '%' &&
		    (c = i3__pf_lookup(s, j)) != NULL) {
			set_want(w, c, 0);
			i = j;
		}
		break;
	case I3_COLOUR_ANSI:
	case I3_COLOUR_XTERM256:
		sgr = w;
		break;
	case I3_COLOUR_HTML:
		cc[0] = '<';
		cc[1] = cc[2] = '&';
		ncc = 2;
		break;
	case I3_COLOUR_SMAUG:
		cc[0] = '&';
		cc[1] = '^';
		cc[2] = '}';
		ncc = 3;
		break;
	case I3_COLOUR_ROM:
		cc[0] = cc[1] = cc[2] = '{';
		ncc = 1;
		break;
	case I3_COLOUR_TBA:
		cc[0] = cc[1] = cc[2] = '\t';
		ncc = 1;
		break;
	case I3_COLOUR_CIRCLE:
		cc[0] = cc[1] = cc[2] = '@';
		ncc = 1;
		break;
	}
	while (i < n) {
		j = scan_text(s, i, n, cc);
		if (j > i)
			w_text(w, (const char *)s + i, j - i);
		if (j >= n)
			break;
		b = s[j];
		switch (ncc != 0 && memchr(cc, b, ncc) != NULL ? B_CODE :
		    cls_base[b]) {
		case B_NL:
			w_newline(w);
			i = j + 1;
			break;
		case B_TAB:
			w_text(w, " ", 1);
			i = j + 1;
			break;
		case B_C2:
			if (j + 1 < n && s[j + 1] >= 0x80 && s[j + 1] <= 0x9f)
				i = skip_control(s, j, n, sgr);
			else {
				w_text(w, (const char *)s + j, 1);
				i = j + 1;
			}
			break;
		case B_CTL:
			i = skip_control(s, j, n, sgr);
			break;
		default:
			if (cv->from == I3_COLOUR_PINKFISH)
				i = parse_pinkfish(cv, s, j, n);
			else if (cv->from == I3_COLOUR_HTML)
				i = s[j] == '<' ? parse_tag(cv, s, j, n) :
				    parse_entity(cv, s, j, n);
			else
				i = parse_letter(cv, s, j, n);
			break;
		}
	}
	w_end(w);
}

int
i3__profile_ok(int p, i3_error *err)
{
	if (p < 0 || p >= I3_COLOUR_NPROFILES) {
		i3__seterr(err, I3_ECOLOUR, 0, "unknown colour profile %d", p);
		return (0);
	}
	return (1);
}

char *
i3__w_result(struct writer *w, size_t *outlen, i3_error *err)
{
	if (!w->nomem && w->b.data == NULL)
		i3__w_put(w, "", 0);
	else if (!w->nomem)
		w->b.data[w->b.len] = '\0';	/* reserved, maybe not written */
	if (w->nomem) {
		i3_buf_free(&w->b);
		i3__seterr(err, I3_ENOMEM, 0, "out of memory");
		return (NULL);
	}
	if (outlen != NULL)
		*outlen = w->b.len;
	return (w->b.data);
}

static char *
copy_text(const char *text, size_t len, size_t *outlen, i3_error *err)
{
	char	*p;

	if ((p = malloc(len + 1)) == NULL) {
		i3__seterr(err, I3_ENOMEM, 0, "out of memory");
		return (NULL);
	}
	if (len != 0)
		memcpy(p, text, len);
	p[len] = '\0';
	if (outlen != NULL)
		*outlen = len;
	return (p);
}

/* ---------------------------------------------------------- public */

static int
name_eq(const char *a, const char *b)
{
	unsigned char	 x, y;

	do {
		x = (unsigned char)*a++;
		y = (unsigned char)*b++;
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return (0);
	} while (x != '\0');
	return (1);
}

int
i3_colour_profile(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < I3_COLOUR_NPROFILES; i++) {
		if (name_eq(name, profile_names[i]))
			return ((int)i);
	}
	for (i = 0; i < sizeof profile_aliases / sizeof profile_aliases[0];
	    i++) {
		if (name_eq(name, profile_aliases[i].name))
			return (profile_aliases[i].profile);
	}
	return (-1);
}

const char *
i3_colour_profile_name(int profile)
{
	if (profile < 0 || profile >= I3_COLOUR_NPROFILES)
		return ("unknown");
	return (profile_names[profile]);
}

char *
i3_colour_convert(const char *text, size_t len, int from, int to,
    size_t *outlen, i3_error *err)
{
	struct writer	 w;
	struct conv	 cv;

	if (!i3__profile_ok(from, err) || !i3__profile_ok(to, err))
		return (NULL);
	if (text == NULL && len != 0) {
		i3__seterr(err, I3_EINVAL, 0, "no text");
		return (NULL);
	}
	if (from == I3_COLOUR_NONE || to == I3_COLOUR_NONE)
		return (copy_text(text, len, outlen, err));
	i3__w_init(&w, to, from == I3_COLOUR_PINKFISH);
	if (len != 0 && i3_buf_reserve(&w.b, len + len / 4 + 16) == -1)
		w.nomem = 1;
	memset(&cv, 0, sizeof cv);
	cv.w = &w;
	cv.from = from;
	i3__convert(&cv, (const unsigned char *)text, len);
	return (i3__w_result(&w, outlen, err));
}

char *
i3_colour_render(const char *text, size_t len, int profile, size_t *outlen,
    i3_error *err)
{
	return (i3_colour_convert(text, len, I3_COLOUR_PINKFISH, profile,
	    outlen, err));
}

char *
i3_colour_parse(const char *text, size_t len, int profile, size_t *outlen,
    i3_error *err)
{
	return (i3_colour_convert(text, len, profile, I3_COLOUR_PINKFISH,
	    outlen, err));
}
