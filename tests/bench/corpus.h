/*
 * corpus.h: a realistic I3 traffic corpus for the benchmarks, made in memory
 * from a seed (header-only; every function is static).
 *
 * corpus_make(seed, n) returns a JSON array of n raw packets: first a
 * 200-MUD mudlist and a 170-channel chanlist, then a mix of tells, emotes,
 * channel-m/e/t, who/finger/locate replies, one-entry mudlist deltas and
 * errors; about 30% of the texts carry Pinkfish codes.
 */

#ifndef CORPUS_H
#define CORPUS_H

#include <stdio.h>
#include <string.h>

#include <jansson.h>

struct corpus_rng {
	unsigned long long	s;
};

static unsigned int
corpus_rand(struct corpus_rng *r)
{
	r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
	return ((unsigned int)(r->s >> 33));
}

static const char *
corpus_pick(struct corpus_rng *r, const char *const *v, size_t n)
{
	return (v[corpus_rand(r) % n]);
}

static const char *const corpus_words[] = {
	"the", "a", "dragon", "sword", "quest", "anyone", "know", "where",
	"is", "hello", "everyone", "lag", "server", "reboot", "tonight",
	"newbie", "help", "please", "thanks", "mudlib", "driver", "code",
	"bug", "fixed", "area", "builder", "wizard", "level", "exp", "gold",
	"heh", "lol", "brb", "afk", "back", "again", "working", "on", "my",
	"new", "zone", "with", "and", "for", "you", "how", "what", "when",
};

static const char *const corpus_colours[] = {
	"%^RED%^", "%^GREEN%^", "%^BOLD%^", "%^CYAN%^", "%^YELLOW%^",
	"%^B_BLUE%^%^WHITE%^", "%^MAGENTA%^", "%^ORANGE%^",
};

static const char *const corpus_channels[] = {
	"dchat", "imud_gossip", "imud_code", "intergossip", "intercre",
	"dead_test4", "lpuni", "ds", "free_speech", "minecraft",
};

/* A sentence of 3 to 20 words, 30% of them coloured. */
static json_t *
corpus_text(struct corpus_rng *r, int emote)
{
	char	buf[512];
	size_t	len = 0, n, i;
	int	colour = corpus_rand(r) % 10 < 3;

	n = 3 + corpus_rand(r) % 18;
	if (emote)
		len += (size_t)snprintf(buf, sizeof buf, "$N ");
	for (i = 0; i < n && len < sizeof buf - 64; i++) {
		if (colour && corpus_rand(r) % 4 == 0)
			len += (size_t)snprintf(buf + len, sizeof buf - len,
			    "%s", corpus_pick(r, corpus_colours, 8));
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
		    corpus_pick(r, corpus_words, sizeof corpus_words /
		    sizeof corpus_words[0]), i + 1 < n ? " " : "");
	}
	if (colour)
		len += (size_t)snprintf(buf + len, sizeof buf - len,
		    "%%^RESET%%^");
	return (json_stringn(buf, len));
}

static void
corpus_mud(struct corpus_rng *r, char *buf, size_t size, unsigned int n)
{
	static const char *const a[] = { "Dark", "Silver", "Lost", "Dead",
	    "Eternal", "Iron", "Frost", "Star", "Shadow", "Elder" };
	static const char *const b[] = { "Realms", "Souls", "Lands", "Keep",
	    "Mud", "Haven", "Forge", "Isles", "Tower", "Vale" };

	(void)r;
	snprintf(buf, size, "%s%s%s", a[n % 10], b[(n / 10) % 10],
	    n >= 100 ? (n >= 200 ? " III" : " II") : "");
}

static void
corpus_user(struct corpus_rng *r, char *vis, char *low, size_t size)
{
	static const char *const names[] = { "Ann", "Bob", "Cratylus",
	    "Tricky", "Zara", "Mordred", "Elwen", "Quix", "Sarah", "Tim",
	    "Gwen", "Hrothgar", "Ilsa", "Jax", "Kell", "Lune" };
	const char	*n = names[corpus_rand(r) % 16];
	size_t		 i;

	snprintf(vis, size, "%s", n);
	for (i = 0; n[i] != '\0' && i + 1 < size; i++)
		low[i] = (n[i] >= 'A' && n[i] <= 'Z') ? n[i] + 32 : n[i];
	low[i] = '\0';
}

static json_t *
corpus_mudinfo(struct corpus_rng *r, unsigned int i)
{
	static const char *const libs[] = { "Dead Souls", "Lima",
	    "Nightmare", "SmaugFUSS", "CoffeeMud", "tbaMUD", "Discworld" };
	static const char *const drivers[] = { "FluffOS v2019", "MudOS v22",
	    "DGD 1.6", "Java", "C" };
	char		 ip[32], email[64];
	const char	*lib = libs[corpus_rand(r) % 7];

	snprintf(ip, sizeof ip, "%u.%u.%u.%u", 10 + i % 200, i % 256,
	    corpus_rand(r) % 256, 1 + corpus_rand(r) % 254);
	snprintf(email, sizeof email, "admin%u@mud%u.example.org", i, i);
	return (json_pack("[isiiissssssoo]",
	    corpus_rand(r) % 5 == 0 ? 0 : -1, ip, 4000 + (int)(i % 1000),
	    0, 0, lib, lib, drivers[corpus_rand(r) % 5],
	    corpus_rand(r) % 2 ? "LP" : "Diku", "open for public", email,
	    json_pack("{sisisisisisi}", "tell", 1, "who", 1, "finger", 1,
	    "locate", 1, "channel", 1, "emoteto", 1),
	    corpus_rand(r) % 3 == 0 ? json_integer(0) :
	    json_pack("{ssss}", "url", "http://mud.example.org/",
	    "architecture", "x86_64")));
}

static json_t *
corpus_make(unsigned int seed, size_t npackets)
{
	struct corpus_rng	 r = { seed * 2654435761ULL + 1 };
	json_t			*all, *info, *chans, *p, *who;
	char			 m1[64], m2[64], v1[32], u1[32], v2[32];
	char			 u2[32], name[64];
	unsigned int		 i, k, n;

	all = json_array();
	info = json_object();
	for (i = 0; i < 200; i++) {
		corpus_mud(&r, m1, sizeof m1, i);
		json_object_set_new(info, m1, corpus_mudinfo(&r, i));
	}
	json_array_append_new(all, json_pack("[sisisiio]", "mudlist", 5,
	    "*dalet", 0, "Alpha", 0, 1234, info));
	chans = json_object();
	for (i = 0; i < 170; i++) {
		corpus_mud(&r, m1, sizeof m1, corpus_rand(&r) % 200);
		if (i < 10)
			snprintf(name, sizeof name, "%s", corpus_channels[i]);
		else
			snprintf(name, sizeof name, "%s_%u",
			    corpus_channels[i % 10], i);
		json_object_set_new(chans, name, json_pack("[si]", m1,
		    (int)(corpus_rand(&r) % 3)));
	}
	json_array_append_new(all, json_pack("[sisisiio]", "chanlist-reply",
	    5, "*dalet", 0, "Alpha", 0, 567, chans));

	while (json_array_size(all) < npackets) {
		corpus_mud(&r, m1, sizeof m1, corpus_rand(&r) % 200);
		corpus_mud(&r, m2, sizeof m2, corpus_rand(&r) % 200);
		corpus_user(&r, v1, u1, sizeof v1);
		corpus_user(&r, v2, u2, sizeof v2);
		k = corpus_rand(&r) % 100;
		if (k < 20)
			p = json_pack("[sissssso]", "tell", 5, m1, u1, m2, u2,
			    v1, corpus_text(&r, 0));
		else if (k < 24)
			p = json_pack("[sissssso]", "emoteto", 5, m1, u1, m2,
			    u2, v1, corpus_text(&r, 1));
		else if (k < 54)
			p = json_pack("[sissiisso]", "channel-m", 5, m1, u1, 0,
			    0, corpus_pick(&r, corpus_channels, 10), v1,
			    corpus_text(&r, 0));
		else if (k < 62)
			p = json_pack("[sissiisso]", "channel-e", 5, m1, u1, 0,
			    0, corpus_pick(&r, corpus_channels, 10), v1,
			    corpus_text(&r, 1));
		else if (k < 66)
			p = json_pack("[sissiissssoss]", "channel-t", 5, m1,
			    u1, 0, 0, corpus_pick(&r, corpus_channels, 10), m2,
			    u2, "$N pokes $O.", corpus_text(&r, 1), v1, v2);
		else if (k < 72) {
			who = json_array();
			n = 1 + corpus_rand(&r) % 25;
			for (i = 0; i < n; i++) {
				corpus_user(&r, v2, u2, sizeof v2);
				json_array_append_new(who, json_pack("[sio]",
				    v2, (int)(corpus_rand(&r) % 3600),
				    corpus_rand(&r) % 3 ? corpus_text(&r, 0) :
				    json_integer(0)));
			}
			p = json_pack("[sisisso]", "who-reply", 5, m1, 0, m2,
			    u2, who);
		} else if (k < 76)
			p = json_pack("[sisisssssssiiss]", "finger-reply", 5,
			    m1, 0, m2, u2, v1, "the Adventurer", "Some One",
			    "someone@example.org", "Mon Jan  1 10:00:00 2024",
			    (int)(corpus_rand(&r) % 600), 0, "player",
			    "Plans: none.");
		else if (k < 80)
			p = json_pack("[sisissssii]", "locate-reply", 5, m1,
			    0, m2, u2, m1, v1, (int)(corpus_rand(&r) % 600),
			    0);
		else if (k < 84)
			p = json_pack("[sissiis]", "locate-req", 5, m1, u1, 0,
			    0, u2);
		else if (k < 90) {
			info = json_object();
			n = corpus_rand(&r) % 200;
			corpus_mud(&r, name, sizeof name, n);
			json_object_set_new(info, name, corpus_rand(&r) % 8 ?
			    corpus_mudinfo(&r, n) : json_integer(0));
			p = json_pack("[sisisiio]", "mudlist", 5, "*dalet", 0,
			    "Alpha", 0, 1234 + (int)json_array_size(all), info);
		} else if (k < 94)
			p = json_pack("[sisisssso]", "error", 5, "*dalet", 0,
			    m1, u1, "unk-dst", "destination unknown",
			    json_pack("[sissssss]", "tell", 5, m1, u1, m2, u2,
			    v1, "are you there?"));
		else if (k < 97)
			p = json_pack("[sisisisi]", "channel-listen", 5, m1, 0,
			    "*dalet", 0, corpus_pick(&r, corpus_channels, 10),
			    1);
		else
			p = json_pack("[sisssi]", "who-req", 5, m1, u1, m2, 0);
		if (p != NULL)
			json_array_append_new(all, p);
	}
	return (all);
}

#endif /* CORPUS_H */
