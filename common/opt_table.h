/* opt_table.h — a program's flags as tables (in the manner of xdp-tools' option tables): one
 * entry per flag gives getopt_long its option, the value its parser and range, and --help its
 * line, with the default read from the struct the flag sets, so that the help cannot disagree
 * with the code. Every error is one line on stderr and exit 2. */
#ifndef LAB_OPT_TABLE_H
#define LAB_OPT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum lab_opt_kind {
	LAB_OPT_END = 0,  /* ends a table */
	LAB_OPT_STR,      /* const char *: the argument as given */
	LAB_OPT_UINT,     /* an unsigned integer field (1, 2, 4 or 8 bytes), in [min, max] */
	LAB_OPT_INT,      /* a signed integer field, given in [min, max]; a negative default
			     reads as `unset` in --help */
	LAB_OPT_DBL,      /* double, in [dmin, dmax] */
	LAB_OPT_ENUM,     /* an integer field: the index of the argument in names[] */
	LAB_OPT_SET,      /* no argument: the field becomes `value` (true, or an enum constant) */
	LAB_OPT_ALIAS,    /* another spelling of the flag named `alias` (any group) */
	LAB_OPT_HELP,     /* the help callback on stdout, exit 0 */
	LAB_OPT_VERSION,  /* "<prog> <version>", exit 0 */
	LAB_OPT_VERBOSE,  /* debug lines on */
};

struct lab_opt {
	const char *name;          /* the long flag without "--" */
	char short_name;           /* 'v', 'h', or 0 */
	enum lab_opt_kind kind;
	size_t off, size;          /* the field in the group's base struct: LAB_FIELD() */
	const char *arg;           /* the value's name in --help: N, IF, PATH (ENUM: the words) */
	uint64_t min, max;         /* UINT, INT */
	double dmin, dmax;         /* DBL */
	int64_t value;             /* SET */
	const char *const *names;  /* ENUM: the accepted words, NULL-terminated */
	const char *alias;         /* ALIAS: the flag it stands for */
	const char *unset;         /* the default when the field holds none (NULL, negative) */
	bool range;                /* --help names the range: "(1-256, default 32)" */
	bool zero_unset;           /* UINT, DBL: 0 in the field means `unset` (chosen later) */
	const char *help;
};

#define LAB_FIELD(type, field) .off = offsetof(type, field), .size = sizeof(((type *)0)->field)

struct lab_opt_group {
	const char *title;          /* the heading of its --help section */
	const struct lab_opt *opts; /* ends with a LAB_OPT_END entry; at most 64 flags */
	void *base;                 /* the struct the offsets point into */
	uint64_t seen;              /* bit i: opts[i] (or an alias of it) was given */
};

/* Parse argv[1..] against the groups. -h/--help call help(stdout, arg) (with LAB_OPT_DUMP=markdown:
 * lab_opts_markdown of every group) and exit 0; --version
 * prints "<prog> <LAB_VERSION_STRING>" and exits 0. An unknown flag, a missing or bad value or
 * a word that is not a flag: one line, exit 2. */
void lab_opts_parse(int argc, char **argv, struct lab_opt_group *groups, size_t n_groups,
		    void (*help)(FILE *f, void *arg), void *arg);

/* lab_opts_parse for a command that takes words besides its flags (directories, files):
 * getopt_long moves them after the flags, and the index of the first in argv is returned (argc
 * when there is none). bad_flag, when not NULL, reports an unknown flag (missing false) or one
 * without its value (missing true) in the command's own words and does not return; NULL: the
 * line of lab_opts_parse. */
int lab_opts_parse_args(int argc, char **argv, struct lab_opt_group *groups, size_t n_groups,
			void (*help)(FILE *f, void *arg), void *arg,
			void (*bad_flag)(const char *flag, bool missing));

/* The --help section of a group: its title, then each flag, wrapped, with its default as the
 * base struct holds it now (call before parsing). */
void lab_opts_print(FILE *f, const struct lab_opt_group *g);

/* A group as a Markdown table, `| flag | value | default | meaning |`, under a "### title"
 * heading: what -h/--help prints, for every group, when LAB_OPT_DUMP=markdown is set in the
 * environment (docs/gen_flags.py writes docs/flags.md from it). */
void lab_opts_markdown(FILE *f, const struct lab_opt_group *g);

/* Was the flag given (by this name or an alias)? */
bool lab_opts_seen(const struct lab_opt_group *g, const char *name);

/* Print text wrapped to the help width, every line after the first indented by indent columns;
 * the first line starts at column col. */
void lab_opts_wrap(FILE *f, const char *text, unsigned col, unsigned indent);

#endif
