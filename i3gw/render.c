/*
 * render.c: each client's colour profile.  Events carry their raw fields
 * (Pinkfish as it came) and a "text" rendered in the client's profile; the
 * text a client sends is translated from its profile to Pinkfish and
 * cleaned of control bytes before it reaches the router.
 */

#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

/* The request fields that carry text for people to read. */
static const char *const render_fields[] = {
	"message", "emote", "message_others", "message_target", "visname",
	NULL
};

/* The profile every new client starts with (--render); none: as sent. */
int	render_default = I3_COLOUR_NONE;

/* "render": a profile name; 0, or -1 with -32602. */
int
render_set(struct client *cl, const json_t *params, struct rpc_error *re)
{
	const char	*name;
	int		 p;

	if (rpc_str(params, "render", 0, &name, re) == -1)
		return (-1);
	if (name == NULL)
		return (0);
	if ((p = i3_colour_profile(name)) == -1)
		return (rpc_fail(re, I3_RPC_PARAMS, "parameter render: unknown "
		    "profile %s (ansi, xterm256, plain, html, smaug, rom, tba, "
		    "circle, pinkfish, none)", name));
	cl->render = p;
	return (0);
}

/* render {render}: change this client's profile; the result names it. */
static int
render_rpc(struct request *rq)
{
	struct client	*cl = rq->cl;

	if (json_object_get(rq->params, "render") == NULL)
		return (rpc_fail(&rq->err, I3_RPC_PARAMS, "missing parameter: "
		    "render"));
	if (render_set(cl, rq->params, &rq->err) == -1)
		return (-1);
	rq->result = json_pack("{s:s}", "render",
	    i3_colour_profile_name(cl->render));
	return (0);
}

const struct svc svc_render = {
	.name = "render",
	.packets = { NULL },
	.on_packet = NULL,
	.methods = {
		{ "render", render_rpc, 0, 0,
		    "render",
		    "set the colour profile of this client's text" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	}
};

/* A control byte other than newline (C0, DEL, C1 as UTF-8)? */
static int
render_has_control(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f ||
		    (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] < 0xa0))
			return (1);
	}
	return (0);
}

/*
 * An event's params as a profile shows them (params stolen, the result
 * owned by the caller): "text" rendered in it.  The params may be shared
 * with other clients, so a changed copy is made, never an edit.
 */
json_t *
render_event(int profile, json_t *params)
{
	const json_t	*text;
	json_t		*copy;
	char		*out;
	size_t		 len;

	if (params == NULL)
		return (params);
	text = json_object_get(params, "text");
	if (!json_is_string(text))
		return (params);
	/*
	 * none: the codes as they came, but never a control byte from the
	 * remote side (ESC, CR...) that a terminal would act on.
	 */
	if (profile == I3_COLOUR_NONE) {
		if (!render_has_control(json_string_value(text),
		    json_string_length(text)))
			return (params);
		out = i3_text_sanitize(json_string_value(text),
		    json_string_length(text), 0, &len, NULL);
	} else
		out = i3_colour_render(json_string_value(text),
		    json_string_length(text), profile, &len, NULL);
	if (out == NULL)
		return (params);
	copy = json_copy(params);
	json_decref(params);
	if (copy == NULL) {
		free(out);
		return (NULL);
	}
	json_object_set_new(copy, "text", json_stringn(out, len));
	free(out);
	return (copy);
}

/*
 * A request's text fields, in place: from the client's profile to
 * Pinkfish, and no control bytes but newline whatever the profile.
 */
int
render_params(struct client *cl, json_t *params, struct rpc_error *re)
{
	const json_t	*v;
	char		*out;
	size_t		 len;
	int		 i, p = cl->render;
	i3_error	 err;

	for (i = 0; render_fields[i] != NULL; i++) {
		v = json_object_get(params, render_fields[i]);
		if (!json_is_string(v))
			continue;
		memset(&err, 0, sizeof err);
		if (p == I3_COLOUR_NONE || p == I3_COLOUR_PINKFISH ||
		    p == I3_COLOUR_PLAIN)
			out = i3_text_sanitize(json_string_value(v),
			    json_string_length(v), 0, &len, &err);
		else
			out = i3_colour_parse(json_string_value(v),
			    json_string_length(v), p, &len, &err);
		if (out == NULL)
			return (rpc_fail(re, I3_RPC_PARAMS, "parameter %s: %s",
			    render_fields[i], err.text));
		json_object_set_new(params, render_fields[i],
		    json_stringn(out, len));
		free(out);
	}
	return (0);
}
