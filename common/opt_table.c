/* opt_table.c — see opt_table.h. The getopt_long array is built from the tables at parse time;
 * its val is 256 + (group << 6 | entry), so a flag finds its entry without a name lookup. */
#include "opt_table.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lab_config.h"
#include "log.h"
#include "util.h"

#define HELP_WIDTH 96   /* the widest --help line, as the hand-written ones were */
#define HELP_COLUMN 24  /* where a flag's text starts */
#define MAX_FLAGS 64    /* per group: the seen bits */

static void put_int(void *p, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;
	switch (size) {
	case 1: memcpy(p, &u8, 1); break;
	case 2: memcpy(p, &u16, 2); break;
	case 4: memcpy(p, &u32, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

static int64_t get_int(const void *p, size_t size, bool is_signed)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	switch (size) {
	case 1: memcpy(&u8, p, 1); return is_signed ? (int64_t)(int8_t)u8 : (int64_t)u8;
	case 2: memcpy(&u16, p, 2); return is_signed ? (int64_t)(int16_t)u16 : (int64_t)u16;
	case 4: memcpy(&u32, p, 4); return is_signed ? (int64_t)(int32_t)u32 : (int64_t)u32;
	default: memcpy(&u64, p, 8); return (int64_t)u64;
	}
}

static bool takes_arg(const struct lab_opt *o)
{
	return o->kind == LAB_OPT_STR || o->kind == LAB_OPT_UINT || o->kind == LAB_OPT_INT ||
	       o->kind == LAB_OPT_DBL || o->kind == LAB_OPT_ENUM;
}

/* "blocking, busy-poll or epoll" for the error line, "blocking|busy-poll|epoll" for --help */
static void enum_words(const struct lab_opt *o, const char *sep_mid, const char *sep_last, char *out,
		       size_t len)
{
	size_t u = 0;
	out[0] = '\0';
	for (size_t i = 0; o->names[i] && u < len; i++) {
		const char *sep = i == 0 ? "" : o->names[i + 1] ? sep_mid : sep_last;
		u += (size_t)snprintf(out + u, len - u, "%s%s", sep, o->names[i]);
	}
}

static void set_enum(const struct lab_opt *o, void *field, const char *text)
{
	char words[256];
	for (size_t i = 0; o->names[i]; i++)
		if (!strcmp(text, o->names[i])) {
			put_int(field, o->size, i);
			return;
		}
	enum_words(o, ", ", " or ", words, sizeof(words));
	lab_die(LAB_EXIT_USAGE, "--%s: '%s' is not %s", o->name, text, words);
}

static void set_value(const struct lab_opt *o, void *base, const char *text)
{
	void *field = (char *)base + o->off;
	switch (o->kind) {
	case LAB_OPT_STR: memcpy(field, &text, sizeof(text)); break;
	case LAB_OPT_UINT:
	case LAB_OPT_INT: put_int(field, o->size, lab_parse_u64(o->name, text, o->min, o->max)); break;
	case LAB_OPT_DBL: {
		double v = lab_parse_double(o->name, text, o->dmin, o->dmax);
		memcpy(field, &v, sizeof(v));
		break;
	}
	case LAB_OPT_ENUM: set_enum(o, field, text); break;
	case LAB_OPT_SET: put_int(field, o->size, (uint64_t)o->value); break;
	default: break;
	}
}

struct found {
	struct lab_opt_group *g;
	size_t i;
};

static struct found find_name(struct lab_opt_group *groups, size_t ng, const char *name)
{
	for (size_t k = 0; k < ng; k++)
		for (size_t i = 0; groups[k].opts[i].kind != LAB_OPT_END; i++)
			if (!strcmp(groups[k].opts[i].name, name) && groups[k].opts[i].kind != LAB_OPT_ALIAS)
				return (struct found){&groups[k], i};
	return (struct found){NULL, 0};
}

/* LAB_OPT_DUMP=markdown: --help prints the tables for docs/gen_flags.py instead of the text. */
static bool dump_wanted(void)
{
	const char *d = getenv("LAB_OPT_DUMP");
	return d && !strcmp(d, "markdown");
}

/* What a flag does: an alias acts as its target (and marks the target seen). */
static void apply(struct lab_opt_group *groups, size_t ng, struct found f, const char *text,
		  void (*help)(FILE *f, void *arg), void *arg)
{
	const struct lab_opt *o = &f.g->opts[f.i];
	if (o->kind == LAB_OPT_ALIAS) {
		struct found t = find_name(groups, ng, o->alias);
		if (t.g)
			apply(groups, ng, t, text, help, arg);
		return;
	}
	f.g->seen |= 1ull << f.i;
	switch (o->kind) {
	case LAB_OPT_HELP:
		if (dump_wanted()) {
			for (size_t k = 0; k < ng; k++)
				lab_opts_markdown(stdout, &groups[k]);
			exit(LAB_EXIT_OK);
		}
		help(stdout, arg);
		exit(LAB_EXIT_OK);
	case LAB_OPT_VERSION: printf("%s %s\n", lab_prog(), LAB_VERSION_STRING); exit(LAB_EXIT_OK);
	case LAB_OPT_VERBOSE: lab_set_verbose(true); break;
	default: set_value(o, f.g->base, text); break;
	}
}

static size_t count_flags(const struct lab_opt_group *groups, size_t ng)
{
	size_t n = 0;
	for (size_t k = 0; k < ng; k++)
		for (size_t i = 0; groups[k].opts[i].kind != LAB_OPT_END; i++)
			n++;
	return n;
}

/* The getopt_long array and short-option string for every flag of every group. */
static struct option *build_options(struct lab_opt_group *groups, size_t ng, char *shorts,
				     size_t slen)
{
	struct option *lo = calloc(count_flags(groups, ng) + 1, sizeof(*lo));
	size_t n = 0, s = 0;
	if (!lo)
		lab_die(LAB_EXIT_RUNTIME, "out of memory");
	for (size_t k = 0; k < ng; k++) {
		for (size_t i = 0; groups[k].opts[i].kind != LAB_OPT_END; i++) {
			const struct lab_opt *o = &groups[k].opts[i];
			struct found t = o->kind == LAB_OPT_ALIAS ? find_name(groups, ng, o->alias)
								  : (struct found){&groups[k], i};
			if (!t.g || i >= MAX_FLAGS)
				lab_die(LAB_EXIT_RUNTIME, "--%s: a bad option table", o->name);
			lo[n++] = (struct option){o->name, takes_arg(&t.g->opts[t.i]) ? required_argument
										: no_argument,
						  NULL, 256 + (int)(k << 6 | i)};
			if (o->short_name && s + 2 < slen) {
				shorts[s++] = o->short_name;
				if (takes_arg(&t.g->opts[t.i]))
					shorts[s++] = ':';
			}
		}
	}
	shorts[s] = '\0';
	return lo;
}

static struct found find_short(struct lab_opt_group *groups, size_t ng, int c)
{
	for (size_t k = 0; k < ng; k++)
		for (size_t i = 0; groups[k].opts[i].kind != LAB_OPT_END; i++)
			if (groups[k].opts[i].short_name == c)
				return (struct found){&groups[k], i};
	return (struct found){NULL, 0};
}

int lab_opts_parse_args(int argc, char **argv, struct lab_opt_group *groups, size_t ng,
			void (*help)(FILE *f, void *arg), void *arg,
			void (*bad_flag)(const char *flag, bool missing))
{
	char shorts[32];
	/* a leading ':' has getopt_long tell a missing value (':') from an unknown flag ('?') */
	struct option *lo = build_options(groups, ng, shorts + 1, sizeof(shorts) - 1);
	const char *optstring = shorts + 1;
	int c;

	if (bad_flag) {
		shorts[0] = ':';
		optstring = shorts;
	}
	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, optstring, lo, NULL)) != -1) {
		struct found f = c >= 256 ? (struct found){&groups[(c - 256) >> 6], (size_t)(c - 256) & 63}
					  : find_short(groups, ng, c);
		if (!f.g) {
			free(lo); /* bad_flag and lab_die do not return */
			if (bad_flag)
				bad_flag(argv[optind - 1], c == ':');
			lab_die(LAB_EXIT_USAGE, "%s: unknown flag or missing value; see --help",
				argv[optind - 1]);
		}
		apply(groups, ng, f, optarg, help, arg);
	}
	free(lo);
	return optind;
}

void lab_opts_parse(int argc, char **argv, struct lab_opt_group *groups, size_t ng,
		    void (*help)(FILE *f, void *arg), void *arg)
{
	int first = lab_opts_parse_args(argc, argv, groups, ng, help, arg, NULL);
	if (first < argc)
		lab_die(LAB_EXIT_USAGE, "unexpected argument '%s'; see --help", argv[first]);
}

bool lab_opts_seen(const struct lab_opt_group *g, const char *name)
{
	for (size_t i = 0; g->opts[i].kind != LAB_OPT_END; i++)
		if (!strcmp(g->opts[i].name, name) && g->opts[i].kind != LAB_OPT_ALIAS)
			return g->seen >> i & 1;
	return false;
}

void lab_opts_wrap(FILE *f, const char *text, unsigned col, unsigned indent)
{
	bool fresh = true; /* nothing written on this line yet: no space before the next word */
	for (const char *p = text; *p;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '\n' || (!fresh && col + 1 + strcspn(p, " \n") > HELP_WIDTH)) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
			fresh = true;
			p += *p == '\n';
			continue;
		}
		size_t word = strcspn(p, " \n");
		if (!fresh)
			col += (unsigned)fprintf(f, " ");
		fwrite(p, 1, word, f);
		col += (unsigned)word;
		p += word;
		fresh = false;
	}
	fputc('\n', f);
}

/* "(default 32)", "(1-256, default 32)", "(default: not pinned)", or "" without a default. */
static void default_text(const struct lab_opt *o, const void *base, char *out, size_t len)
{
	const void *field = (const char *)base + o->off;
	char v[128] = "", range[64] = "";
	const char *s;
	double d;
	int64_t i;
	switch (o->kind) {
	case LAB_OPT_STR:
		memcpy(&s, field, sizeof(s));
		snprintf(v, sizeof(v), "%s", s ? (*s ? s : "''") : "");
		break;
	case LAB_OPT_UINT:
		if (!o->zero_unset || get_int(field, o->size, false))
			snprintf(v, sizeof(v), "%" PRIu64, (uint64_t)get_int(field, o->size, false));
		break;
	case LAB_OPT_INT:
		if ((i = get_int(field, o->size, true)) >= 0)
			snprintf(v, sizeof(v), "%" PRId64, i);
		break;
	case LAB_OPT_DBL:
		memcpy(&d, field, sizeof(d));
		if (!o->zero_unset || d != 0)
			snprintf(v, sizeof(v), "%g", d);
		break;
	case LAB_OPT_ENUM: snprintf(v, sizeof(v), "%s", o->names[get_int(field, o->size, false)]); break;
	default: break;
	}
	if (o->range)
		snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64 "%s", o->min, o->max,
			 *v || o->unset ? ", " : "");
	if (*v)
		snprintf(out, len, "(%sdefault %s)", range, v);
	else if (o->unset)
		snprintf(out, len, "(%sdefault: %s)", range, o->unset);
	else
		snprintf(out, len, *range ? "(%s)" : "%s", range);
}

/* "  -v, --verbose", "  --port N", "  --mode blocking|busy-poll|epoll"; arg NULL: no value */
static unsigned print_flag(FILE *f, const struct lab_opt *o, const char *arg)
{
	char sh[8] = "";
	if (o->short_name)
		snprintf(sh, sizeof(sh), "-%c, ", o->short_name);
	int n = fprintf(f, "  %s--%s%s%s", sh, o->name, arg ? " " : "", arg ? arg : "");
	return n > 0 ? (unsigned)n : 0;
}

/* The value's name: its arg, or an enum's words; NULL for a flag without a value. */
static const char *arg_name(const struct lab_opt *o, char *buf, size_t len)
{
	if (!takes_arg(o))
		return o->kind == LAB_OPT_ALIAS ? o->arg : NULL;
	if (o->arg || o->kind != LAB_OPT_ENUM)
		return o->arg ? o->arg : "X";
	enum_words(o, "|", "|", buf, len);
	return buf;
}

void lab_opts_print(FILE *f, const struct lab_opt_group *g)
{
	fprintf(f, "%s\n", g->title);
	for (size_t i = 0; g->opts[i].kind != LAB_OPT_END; i++) {
		const struct lab_opt *o = &g->opts[i];
		char text[1024], dflt[160], words[128];
		if (o->kind == LAB_OPT_ALIAS) {
			snprintf(text, sizeof(text), "the same as --%s", o->alias);
		} else {
			default_text(o, g->base, dflt, sizeof(dflt));
			snprintf(text, sizeof(text), "%s%s%s", o->help ? o->help : "", *dflt ? " " : "", dflt);
		}
		unsigned col = print_flag(f, o, arg_name(o, words, sizeof(words)));
		/* the text starts in its column, or on the next line when the flag reaches it */
		if (col + 2 > HELP_COLUMN)
			fprintf(f, "\n%*s", HELP_COLUMN, "");
		else
			fprintf(f, "%*s", (int)(HELP_COLUMN - col), "");
		lab_opts_wrap(f, text, HELP_COLUMN, HELP_COLUMN);
	}
}

/* A table cell: '|' escaped, '<' and '>' as entities (else <prefix> reads as a tag), a line
 * break a space. */
static void md_cell(FILE *f, const char *text)
{
	fputc(' ', f);
	for (const char *p = text; *p; p++) {
		if (*p == '|')
			fputs("\\|", f);
		else if (*p == '<' || *p == '>')
			fputs(*p == '<' ? "&lt;" : "&gt;", f);
		else
			fputc(*p == '\n' ? ' ' : *p, f);
	}
	fputs(" |", f);
}

/* The value column: its name, and the range of a number. */
static void md_value(const struct lab_opt *o, char *out, size_t len)
{
	char words[128];
	const char *arg = arg_name(o, words, sizeof(words));
	if (!arg) {
		out[0] = '\0';
		return;
	}
	if (o->kind == LAB_OPT_UINT || o->kind == LAB_OPT_INT)
		snprintf(out, len, "`%s` (%" PRIu64 "-%" PRIu64 ")", arg, o->min, o->max);
	else if (o->kind == LAB_OPT_DBL)
		snprintf(out, len, "`%s` (%.15g-%.15g)", arg, o->dmin, o->dmax);
	else
		snprintf(out, len, "`%s`", arg);
}

/* The default column: default_text's value without its parentheses and range. */
static void md_default(const struct lab_opt *o, const void *base, char *out, size_t len)
{
	struct lab_opt bare = *o;
	char text[160];
	const char *p;

	bare.range = false;
	default_text(&bare, base, text, sizeof(text));
	p = !strncmp(text, "(default: ", 10) ? text + 10 : !strncmp(text, "(default ", 9) ? text + 9 : "";
	snprintf(out, len, "%.*s", *p ? (int)strlen(p) - 1 : 0, p);
}

void lab_opts_markdown(FILE *f, const struct lab_opt_group *g)
{
	size_t tl = strlen(g->title);
	fprintf(f, "### %.*s\n\n", (int)(tl && g->title[tl - 1] == ':' ? tl - 1 : tl), g->title);
	fputs("| flag | value | default | meaning |\n| --- | --- | --- | --- |\n", f);
	for (size_t i = 0; g->opts[i].kind != LAB_OPT_END; i++) {
		const struct lab_opt *o = &g->opts[i];
		char flag[96], value[192], dflt[160], text[1024];
		if (o->short_name)
			snprintf(flag, sizeof(flag), "`-%c`, `--%s`", o->short_name, o->name);
		else
			snprintf(flag, sizeof(flag), "`--%s`", o->name);
		if (o->kind == LAB_OPT_ALIAS) {
			snprintf(value, sizeof(value), o->arg ? "`%s`" : "", o->arg);
			dflt[0] = '\0';
			snprintf(text, sizeof(text), "the same as `--%s`", o->alias);
		} else {
			md_value(o, value, sizeof(value));
			md_default(o, g->base, dflt, sizeof(dflt));
			snprintf(text, sizeof(text), "%s", o->help ? o->help : "");
		}
		fputc('|', f);
		md_cell(f, flag);
		md_cell(f, value);
		md_cell(f, dflt);
		md_cell(f, text);
		fputc('\n', f);
	}
	fputc('\n', f);
}
