/* run.c — reading a results directory: the paths it holds (records/, skipped/, failed-*.txt)
 * in the lab's order, and run.json. */
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lab_paths.h"

void lab_run_note(struct lab_run *r, const char *fmt, ...)
{
	va_list ap;
	if (r->nnotes >= (int)(sizeof(r->notes) / sizeof(r->notes[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nnotes++], sizeof(r->notes[0]), fmt, ap);
	va_end(ap);
}

static bool valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= 32)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

struct found {
	char name[32];
	bool rec, skipped, failed;
	int rank; /* in the registry's order for the run's topology (set before the sort) */
};

static int add_found(struct found *f, size_t *nf, const char *name, size_t len, int kind)
{
	size_t i;
	for (i = 0; i < *nf; i++)
		if (strlen(f[i].name) == len && memcmp(f[i].name, name, len) == 0)
			break;
	if (i == *nf) {
		if (*nf >= LAB_MAX_PATHS)
			return -1;
		memset(&f[i], 0, sizeof(f[i]));
		memcpy(f[i].name, name, len);
		(*nf)++;
	}
	if (kind == 0)
		f[i].rec = true;
	else if (kind == 1)
		f[i].skipped = true;
	else
		f[i].failed = true;
	return 0;
}

/* Entries of dir named <prefix><name><suffix>. A missing dir is no entries. */
static int scan(const char *dir, const char *prefix, const char *suffix, int kind, struct found *f,
		size_t *nf, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t pl = strlen(prefix), sl = strlen(suffix);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l <= pl + sl || strncmp(e->d_name, prefix, pl) ||
		    strcmp(e->d_name + l - sl, suffix))
			continue;
		if (!valid_name(e->d_name + pl, l - pl - sl))
			continue;
		if (add_found(f, nf, e->d_name + pl, l - pl - sl, kind) < 0) {
			closedir(d);
			snprintf(err, errlen, "%s: more than %d paths", dir, LAB_MAX_PATHS);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

/* The registry's lines for a topology (reflect|forward, the run's: run.json run.topology) give
 * the paths' order, drop points and floor. */
static bool in_topology(int i, const char *topology)
{
	return strcmp(lab_path_defs[i].topology, topology) == 0;
}

const struct lab_path_def *lab_path_def_of(const char *topology, const char *name)
{
	for (int i = 0; i < LAB_NPATH_DEFS; i++)
		if (in_topology(i, topology) && strcmp(name, lab_path_defs[i].name) == 0)
			return &lab_path_defs[i];
	return NULL;
}

/* The registry's order (common/paths.tsv); paths it does not know come after, by name. */
static int rank(const char *topology, const char *name)
{
	const struct lab_path_def *d = lab_path_def_of(topology, name);
	return d ? (int)(d - lab_path_defs) : LAB_NPATH_DEFS;
}

const struct lab_path *lab_run_floor(const struct lab_run *r)
{
	for (int i = 0; i < LAB_NPATH_DEFS; i++)
		if (in_topology(i, r->topology) && lab_path_defs[i].floor)
			return lab_run_find(r, lab_path_defs[i].name);
	return NULL;
}

const char *const *lab_path_drop_points(const char *topology, const char *name)
{
	const struct lab_path_def *d = lab_path_def_of(topology, name);
	return d ? d->drops : NULL;
}

static int cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int d = x->rank - y->rank;
	return d ? d : strcmp(x->name, y->name);
}

/* The first line of a small text file, trimmed; "" when unreadable. */
static void first_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, (int)len, f)) {
		size_t l = strcspn(out, "\r\n");
		out[l] = '\0';
		for (char *c = out; *c; c++)
			if ((unsigned char)*c < 0x20)
				*c = ' ';
	}
	fclose(f);
}

/* gen_cpu and dut_cpu of run.json, unless given on the command line */
static void run_cores(const struct lab_run *r, struct lab_analyze_opts *o)
{
	int64_t v;
	if (!r->run)
		return;
	if (o->gen_cpu < 0 && jv_i64(jv_get(r->run, "gen_cpu"), &v) && v >= 0 && v < 4096)
		o->gen_cpu = (int)v;
	if (o->dut_cpu < 0 && jv_i64(jv_get(r->run, "dut_cpu"), &v) && v >= 0 && v < 4096)
		o->dut_cpu = (int)v;
}

static int load_scenarios(const char *dir, const struct lab_analyze_opts *o, struct lab_run *r,
			  char *err, size_t errlen);

/* run.json (its "run" object, or the whole document of an older run) and the topology it names.
 * 0, or -1 with the reason in err. */
static int load_run_json(const char *dir, struct lab_run *r, char *err, size_t errlen)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s/run.json", dir);
	if (stat(p, &st) == 0) {
		r->doc = jv_parse_file(p, err, errlen);
		if (!r->doc)
			return -1;
		if (r->doc->type != JV_OBJ) {
			snprintf(err, errlen, "%s: not a JSON object", p);
			lab_run_free(r);
			return -1;
		}
		r->run = jv_get(r->doc, "run");
		if (!r->run)
			r->run = r->doc;
		if (r->run->type != JV_OBJ) {
			snprintf(err, errlen, "%s: 'run' is not an object", p);
			lab_run_free(r);
			return -1;
		}
	} else {
		lab_run_note(r, "run.json is missing: the run's configuration comes from the record "
				"headers and this host");
	}

	const struct jv *tv = r->run ? jv_get(r->run, "topology") : NULL;
	snprintf(r->topology, sizeof(r->topology), "%s",
		 tv && tv->type == JV_STR && !strcmp(tv->s, "forward") ? "forward" : "reflect");
	return 0;
}

/* The run's paths: records/<p>.rec, skipped/<p>.txt and failed-<p>.txt, in the registry's order.
 * 0, or -1 with the reason in err (none at all: not a results directory). */
static int find_paths(const char *dir, struct lab_run *r, struct found *f, size_t *nf, char *err,
		      size_t errlen)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/records", dir);
	if (scan(p, "", ".rec", 0, f, nf, err, errlen) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/skipped", dir);
	if (scan(p, "", ".txt", 1, f, nf, err, errlen) < 0)
		return -1;
	if (scan(dir, "failed-", ".txt", 2, f, nf, err, errlen) < 0)
		return -1;
	if (*nf == 0) {
		snprintf(err, errlen, "%s: no records/<path>.rec and no skipped/<path>.txt: not a "
				      "results directory of the lab", dir);
		lab_run_free(r);
		return -1;
	}
	for (size_t i = 0; i < *nf; i++)
		f[i].rank = rank(r->topology, f[i].name);
	qsort(f, *nf, sizeof(f[0]), cmp_found);
	return 0;
}

/* One path: analyzed from its records, or a skipped one with its reason (skipped/<p>.txt, or
 * why its run failed). 0, or -1 with the reason in err. */
static int load_path(const char *dir, const struct found *f, const struct lab_analyze_opts *o,
		     struct lab_path *lp, char *err, size_t errlen)
{
	char p[4200], why[400] = "";

	if (f->failed) {
		snprintf(p, sizeof(p), "%s/failed-%s.txt", dir, f->name);
		first_line(p, why, sizeof(why));
	}
	if (f->rec) {
		if (lab_analyze_path(dir, f->name, o, lp, err, errlen) < 0)
			return -1;
		if (f->failed)
			lab_path_note(lp, "this path's run failed: %s", why[0] ? why : "(no reason given)");
		if (f->skipped)
			lab_path_note(lp, "skipped/%s.txt exists, but so do its records: analyzed", f->name);
		return 0;
	}
	memcpy(lp->name, f->name, sizeof(lp->name));
	lp->skipped = true;
	if (f->skipped) {
		snprintf(p, sizeof(p), "%s/skipped/%s.txt", dir, f->name);
		first_line(p, lp->reason, sizeof(lp->reason));
		if (!lp->reason[0])
			snprintf(lp->reason, sizeof(lp->reason), "no reason given");
	} else {
		snprintf(lp->reason, sizeof(lp->reason), "failed: %s",
			 why[0] ? why : "no records were written");
	}
	return 0;
}

int lab_run_load(const char *dir, const struct lab_analyze_opts *o, struct lab_run *r, char *err,
		 size_t errlen)
{
	struct found f[LAB_MAX_PATHS];
	size_t nf = 0;
	struct stat st;

	memset(r, 0, sizeof(*r));
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory (give a results directory)", dir);
		return -1;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	if (load_run_json(dir, r, err, errlen) < 0)
		return -1;

	struct lab_analyze_opts ao = *o; /* the cores of the run, for tail attribution */
	run_cores(r, &ao);
	ao.topology = r->topology;
	o = &ao;

	if (find_paths(dir, r, f, &nf, err, errlen) < 0)
		return -1;
	r->paths = calloc(nf, sizeof(*r->paths));
	if (!r->paths) {
		snprintf(err, errlen, "out of memory");
		lab_run_free(r);
		return -1;
	}
	for (size_t i = 0; i < nf; i++) {
		r->npaths = i + 1; /* so a failure below frees what this path holds */
		if (load_path(dir, &f[i], o, &r->paths[i], err, errlen) < 0) {
			lab_run_free(r);
			return -1;
		}
	}
	return load_scenarios(dir, o, r, err, errlen);
}

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

bool lab_run_window(const struct lab_run *s, const char *path, int64_t w[2], char *cmd, size_t len)
{
	char p[4300], err[256];
	int64_t a, b;
	snprintf(p, sizeof(p), "%s/window/%s.json", s->dir, path);
	struct stat st;
	if (stat(p, &st) < 0)
		return false;
	struct jv *d = jv_parse_file(p, err, sizeof(err));
	if (!d)
		return false;
	const struct jv *wv = jv_get(d, "window_ns"), *c = jv_get(d, "command");
	bool ok = wv && wv->type == JV_ARR && wv->n == 2 && jv_i64(wv->items[0], &a) &&
		  jv_i64(wv->items[1], &b) && a < b;
	if (ok) {
		w[0] = a;
		w[1] = b;
		if (cmd)
			snprintf(cmd, len, "%s", c && c->type == JV_STR ? c->s : "");
	}
	jv_free(d);
	return ok;
}

/* scenarios/<name>/: each a run of its own, analysed the same way (run.json run.scenarios gives
 * the order; a name it does not list comes after, by name) */
static int load_scenarios(const char *dir, const struct lab_analyze_opts *o, struct lab_run *r,
			  char *err, size_t errlen)
{
	char p[4200], names[LAB_MAX_SCENARIOS][32];
	size_t n = 0;
	snprintf(p, sizeof(p), "%s/scenarios", dir);
	DIR *d = opendir(p);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] == '.' || !valid_name(e->d_name, l) || l >= sizeof(names[0]))
			continue;
		if (n == LAB_MAX_SCENARIOS) {
			lab_run_note(r, "scenarios/: more than %d scenarios, the rest left out", LAB_MAX_SCENARIOS);
			break;
		}
		memcpy(names[n++], e->d_name, l + 1);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	/* run.json's order first */
	const struct jv *order = r->run ? jv_get(r->run, "scenarios") : NULL;
	size_t k = 0;
	for (size_t i = 0; order && order->type == JV_ARR && i < order->n; i++) {
		const struct jv *v = order->items[i];
		for (size_t m = k; v->type == JV_STR && m < n; m++)
			if (!strcmp(names[m], v->s)) {
				char t[32];
				memcpy(t, names[k], 32);
				memcpy(names[k], names[m], 32);
				memcpy(names[m], t, 32);
				k++;
				break;
			}
	}
	if (!n)
		return 0;
	r->scen = calloc(n, sizeof(*r->scen));
	if (!r->scen) {
		snprintf(err, errlen, "out of memory");
		lab_run_free(r);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/scenarios/%s", dir, names[i]);
		if (lab_run_load(p, o, &r->scen[r->nscen], err, errlen) < 0) {
			lab_run_free(r);
			return -1;
		}
		memcpy(r->scen_name[r->nscen], names[i], 32);
		r->nscen++;
	}
	return 0;
}

void lab_run_free(struct lab_run *r)
{
	for (size_t i = 0; i < r->nscen; i++)
		lab_run_free(&r->scen[i]);
	free(r->scen);
	r->scen = NULL;
	r->nscen = 0;
	for (size_t i = 0; i < r->npaths; i++)
		lab_path_free(&r->paths[i]);
	free(r->paths);
	jv_free(r->doc);
	r->paths = NULL;
	r->doc = NULL;
	r->run = NULL;
	r->npaths = 0;
}

const struct lab_path *lab_run_find(const struct lab_run *r, const char *name)
{
	for (size_t i = 0; i < r->npaths; i++)
		if (!r->paths[i].skipped && strcmp(r->paths[i].name, name) == 0)
			return &r->paths[i];
	return NULL;
}
