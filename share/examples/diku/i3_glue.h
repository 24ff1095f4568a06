/*
 * i3_glue.h: what a Diku/Circle/tbaMUD calls to be on Intermud-3 through
 * i3gw.  See PATCH.md for where each call goes.
 */

#ifndef I3_GLUE_H
#define I3_GLUE_H

struct char_data;

/* At boot, after the world is loaded: spawn i3gw, or re-attach after a
 * copyover (the handoff is in the environment, I3_HANDOFF). */
void	i3_boot(const char *i3gw_path, const char *config);
/* The fds the game loop's select() must watch (-1: none). */
int	i3_fd(void);
int	i3_want_write(void);
int	i3_wfd(void);
/* Every pulse (or whenever i3_fd() is readable): never blocks. */
void	i3_pulse(void);
/* Before the copyover's exec(): puts I3_HANDOFF in the environment. */
void	i3_copyover(void);
/* At shutdown: the gateway says goodbye to the router. */
void	i3_shutdown(void);
/* From the login and logout code: the gateway answers who/finger. */
void	i3_login(struct char_data *ch);
void	i3_logout(struct char_data *ch);
/* The player command. */
void	do_i3(struct char_data *ch, char *argument, int cmd, int subcmd);

#endif /* I3_GLUE_H */
