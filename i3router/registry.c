/*
 * registry.c: what i3router knows: the MUDs and channels, their mudlist and
 * chanlist packets, fake MUDs, and the --state file that keeps passwords
 * and the mudlist across restarts.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3router.h"

/* ------------------------------------------------------ muds, channels */

struct mud *
mud_find(const char *name)
{
	json_t	*v;

	if (name == NULL || (v = json_object_get(R.mudidx, name)) == NULL)
		return (NULL);
	return (R.muds[json_integer_value(v)]);
}

struct mud *
mud_add(const char *name)
{
	struct mud	*m;

	if (R.nmuds == R.cmuds) {
		R.cmuds = R.cmuds ? R.cmuds * 2 : 64;
		R.muds = xrealloc(R.muds, R.cmuds * sizeof *R.muds);
	}
	m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	R.muds[R.nmuds] = m;
	json_object_set_new(R.mudidx, name, json_integer((json_int_t)R.nmuds));
	R.nmuds++;
	return (m);
}

long long
new_password(void)
{
	return (100000000LL + (long long)(random() % 900000000L));
}

struct chan *
chan_find(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (NULL);
	for (i = 0; i < R.nchans; i++)
		if (strcmp(R.chans[i]->name, name) == 0)
			return (R.chans[i]);
	return (NULL);
}

struct chan *
chan_add(const char *name, const char *owner, int type)
{
	struct chan	*ch;

	ch = xcalloc(1, sizeof *ch);
	ch->name = xstrdup(name);
	ch->owner = xstrdup(owner);
	ch->type = type;
	ch->listen = json_object();
	ch->list = json_object();
	R.chans = xrealloc(R.chans, (R.nchans + 1) * sizeof *R.chans);
	R.chans[R.nchans++] = ch;
	R.chanlist_id++;
	return (ch);
}

void
chan_remove(struct chan *ch)
{
	size_t	i;

	for (i = 0; i < R.nchans; i++)
		if (R.chans[i] == ch)
			break;
	if (i == R.nchans)
		return;
	memmove(R.chans + i, R.chans + i + 1,
	    (R.nchans - i - 1) * sizeof *R.chans);
	R.nchans--;
	free(ch->name);
	free(ch->owner);
	json_decref(ch->listen);
	json_decref(ch->list);
	free(ch);
	R.chanlist_id++;
}

void
add_channels(const char *list)
{
	char	*s, *p, *tok, *save = NULL;

	s = xstrdup(list);
	for (p = s; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL)
		if (*tok != '\0' && chan_find(tok) == NULL)
			chan_add(tok, R.name, 0);
	free(s);
}

void
add_fake_muds(long n)
{
	static const char *libs[][4] = {
		{ "Dead Souls 3.9", "Dead Souls", "FluffOS v2019", "LP" },
		{ "SmaugFUSS 1.9.4", "SmaugFUSS", "SmaugFUSS", "Diku" },
		{ "CoffeeMud 5.10", "CoffeeMud", "CoffeeMud", "CoffeeMud" },
		{ "Lima 1.1", "Lima", "FluffOS v2023", "LP" },
		{ "tbaMUD 2023", "CircleMUD", "tbaMUD", "DikuMUD" },
		{ "Discworld", "Discworld", "FluffOS v2017", "LPMud" },
	};
	static const char *status[] = {
		"open for public", "mudlib development", "beta testing",
		"restricted access"
	};
	struct mud	*m;
	char		 name[32], ip[32], mail[64], url[64];
	long		 i;
	size_t		 k;

	for (i = 1; i <= n && R.nmuds < MAX_MUDS; i++) {
		snprintf(name, sizeof name, "FakeMud%03ld", i);
		if (mud_find(name) != NULL)
			continue;
		k = (size_t)i % (sizeof libs / sizeof libs[0]);
		snprintf(ip, sizeof ip, "192.0.2.%ld", i % 254 + 1);
		snprintf(mail, sizeof mail, "admin@fakemud%03ld.example.org",
		    i);
		snprintf(url, sizeof url, "http://fakemud%03ld.example.org/",
		    i);
		m = mud_add(name);
		m->fake = 1;
		m->chansvc = 1;
		m->password = new_password();
		m->info = json_pack("[i,s,i,i,i,s,s,s,s,s,s,"
		    "{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i},{s:s,s:s}]",
		    -1, ip, (int)(4000 + i % 1000), 0, 0, libs[k][0],
		    libs[k][1], libs[k][2], libs[k][3],
		    status[(size_t)i % 4], mail,
		    "tell", 1, "emoteto", 1, "who", 1, "finger", 1,
		    "locate", 1, "channel", 1, "ucache", 1, "auth", 1,
		    "url", url, "time", "2026-01-01 00:00:00");
	}
	R.mudlist_id++;
}

/* ------------------------------------------------------------- state */

void
state_load(void)
{
	json_t		*st, *muds, *v, *info;
	json_error_t	 jerr;
	const char	*name;
	struct mud	*m;

	if (R.state_path == NULL)
		return;
	if ((st = json_load_file(R.state_path, 0, &jerr)) == NULL) {
		if (access(R.state_path, F_OK) == 0)
			log_warnx("%s: %s", R.state_path, jerr.text);
		return;
	}
	R.mudlist_id = json_integer_value(json_object_get(st, "mudlist_id"));
	R.chanlist_id = json_integer_value(json_object_get(st,
	    "chanlist_id"));
	muds = json_object_get(st, "muds");
	json_object_foreach(muds, name, v) {
		if (mud_find(name) != NULL || R.nmuds >= MAX_MUDS)
			continue;
		m = mud_add(name);
		m->password = json_integer_value(json_object_get(v,
		    "password"));
		info = json_object_get(v, "info");
		if (json_is_array(info) && json_array_size(info) == 13) {
			m->info = json_deep_copy(info);
			json_array_set_new(m->info, 0, json_integer(0));
		}
		m->chansvc = json_is_true(json_object_get(v, "channel"));
	}
	json_decref(st);
	log_info("state: %zu muds from %s", R.nmuds, R.state_path);
}

/* Note a change; timers() writes the file at most every STATE_MS. */
void
state_save(void)
{
	if (R.state_path != NULL)
		R.state_dirty = 1;
}

void
state_write(void)
{
	json_t	*st, *muds;
	char	*tmp;
	size_t	 i;

	if (R.state_path == NULL || !R.state_dirty)
		return;
	R.state_dirty = 0;
	R.state_saved = now_ms();
	muds = json_object();
	for (i = 0; i < R.nmuds; i++) {
		if (R.muds[i]->fake)
			continue;
		json_object_set_new(muds, R.muds[i]->name, json_pack(
		    "{s:I,s:O?,s:b}", "password",
		    (json_int_t)R.muds[i]->password, "info", R.muds[i]->info,
		    "channel", R.muds[i]->chansvc));
	}
	st = json_pack("{s:I,s:I,s:o}", "mudlist_id",
	    (json_int_t)R.mudlist_id, "chanlist_id",
	    (json_int_t)R.chanlist_id, "muds", muds);
	xasprintf(&tmp, "%s.tmp%ld", R.state_path, (long)getpid());
	if (json_dump_file(st, tmp, JSON_INDENT(1)) == -1)
		log_warnx("cannot write %s", tmp);
	else if (rename(tmp, R.state_path) == -1)
		log_warn("rename %s", tmp);
	free(tmp);
	json_decref(st);
}

/* ------------------------------------------------ mudlist, chanlist */

json_t *
mudlist_map(void)
{
	json_t	*map = json_object();
	size_t	 i;

	for (i = 0; i < R.nmuds; i++)
		if (R.muds[i]->info != NULL)
			json_object_set(map, R.muds[i]->name,
			    R.muds[i]->info);
	return (map);
}

json_t *
mudlist_pkt(const char *target, json_t *map)
{
	json_t	*p;

	p = i3_packet_header("mudlist", I3_TTL, R.name, NULL, target, NULL);
	json_array_append_new(p, json_integer((json_int_t)R.mudlist_id));
	json_array_append_new(p, map);
	return (p);
}

/* A one-entry mudlist about m, to c or (c NULL) to every connected MUD. */
void
send_mudlist_one(struct mud *m, struct conn *except)
{
	json_t	*map, *p;

	map = json_object();
	json_object_set(map, m->name, m->info);
	p = mudlist_pkt(NULL, map);
	broadcast(p, except);
	json_decref(p);
}

json_t *
chanlist_map(void)
{
	json_t	*map = json_object();
	size_t	 i;

	for (i = 0; i < R.nchans; i++)
		json_object_set_new(map, R.chans[i]->name, json_pack("[s,i]",
		    R.chans[i]->owner, R.chans[i]->type));
	return (map);
}

void
send_chanlist(struct conn *c, const json_t *map)
{
	json_t	*p;

	if (c->mud == NULL)
		return;
	p = i3_packet_header("chanlist-reply", I3_TTL, R.name, NULL,
	    c->mud->name, NULL);
	json_array_append_new(p, json_integer((json_int_t)R.chanlist_id));
	json_array_append(p, (json_t *)map);
	conn_send(c, p);
	json_decref(p);
}

void
broadcast_chanlist(void)
{
	json_t	*map = chanlist_map();
	size_t	 i;

	for (i = 0; i < R.nconns; i++)
		if (R.conns[i]->mud != NULL &&
		    R.conns[i]->mud->conn == R.conns[i])
			send_chanlist(R.conns[i], map);
	json_decref(map);
	state_save();
}
