/*
 * mud.h: the few CircleMUD/tbaMUD names i3_glue.c uses, for building it
 * outside a MUD (fakemud.c provides them).  In a real MUD, i3_glue.c
 * includes the MUD's own headers instead (see PATCH.md).
 */

#ifndef MUD_H
#define MUD_H

#define CON_PLAYING	0

struct char_data {
	char	*name;
	char	*title;
	int	 level;
};

struct descriptor_data {
	int			 connected;	/* STATE(d) */
	struct char_data	*character;
	struct descriptor_data	*next;
};

extern struct descriptor_data	*descriptor_list;

#define STATE(d)	((d)->connected)
#define GET_NAME(ch)	((ch)->name)
#define GET_TITLE(ch)	((ch)->title)
#define GET_LEVEL(ch)	((ch)->level)
#define LVL_IMMORT	31

#define ACMD(name) \
	void name(struct char_data *ch, char *argument, int cmd, int subcmd)

size_t	send_to_char(struct char_data *ch, const char *messg, ...)
	    __attribute__((format(printf, 2, 3)));
void	basic_mud_log(const char *format, ...)
	    __attribute__((format(printf, 1, 2)));
#define log	basic_mud_log

#endif /* MUD_H */
