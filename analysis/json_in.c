/* json_in.c — the strict JSON reader of json_in.h. Recursion is capped (JV_MAX_DEPTH) so a
 * hostile file cannot overflow the stack. */
#include "json_in.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JV_MAX_DEPTH 64
#define JV_MAX_FILE (64u << 20) /* inputs are small counters files; refuse anything absurd */

struct parser {
	const char *p, *end, *start;
	char *err;
	size_t errlen;
	bool failed;
};

static void fail(struct parser *ps, const char *why)
{
	if (!ps->failed)
		snprintf(ps->err, ps->errlen, "%s at byte %zu", why, (size_t)(ps->p - ps->start));
	ps->failed = true;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static struct jv *new_jv(struct parser *ps, enum jv_type t)
{
	struct jv *v = calloc(1, sizeof(*v));
	if (!v)
		fail(ps, "out of memory");
	else
		v->type = t;
	return v;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_hex4(struct parser *ps, unsigned *out)
{
	unsigned v = 0;
	if (ps->end - ps->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(ps->p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	ps->p += 4;
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* At the opening quote. Escapes never grow the text, so the raw length bounds the output. */
static char *parse_string(struct parser *ps)
{
	const char *q = ++ps->p;
	while (q < ps->end && *q != '"') {
		if (*q == '\\' && q + 1 < ps->end)
			q++;
		q++;
	}
	if (q >= ps->end) {
		fail(ps, "unterminated string");
		return NULL;
	}
	char *out = malloc((size_t)(q - ps->p) + 1), *o = out;
	if (!out) {
		fail(ps, "out of memory");
		return NULL;
	}
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;
		if (c < 0x20) {
			fail(ps, "control character in string");
			free(out);
			return NULL;
		}
		if (c != '\\') {
			*o++ = (char)c;
			ps->p++;
			continue;
		}
		ps->p++;
		char e = *ps->p++;
		switch (e) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (parse_hex4(ps, &cp) < 0) {
				fail(ps, "bad \\u escape");
				free(out);
				return NULL;
			}
			if (cp >= 0xd800 && cp < 0xdc00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
			    ps->p[1] == 'u') {
				const char *save = ps->p;
				ps->p += 2;
				if (parse_hex4(ps, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				else
					ps->p = save;
			}
			if (cp == 0)
				cp = '?'; /* keep the C string whole */
			o += put_utf8(o, cp);
			break;
		}
		default:
			fail(ps, "bad escape in string");
			free(out);
			return NULL;
		}
	}
	ps->p++;
	*o = '\0';
	return out;
}

static struct jv *parse_value(struct parser *ps, int depth);

static int grow(struct parser *ps, struct jv *v, size_t *cap)
{
	if (v->n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 4;
	struct jv **ni = realloc(v->items, nc * sizeof(*ni));
	if (!ni) {
		fail(ps, "out of memory");
		return -1;
	}
	v->items = ni;
	if (v->type == JV_OBJ) {
		char **nk = realloc(v->keys, nc * sizeof(*nk));
		if (!nk) {
			fail(ps, "out of memory");
			return -1;
		}
		v->keys = nk;
	}
	*cap = nc;
	return 0;
}

static struct jv *parse_container(struct parser *ps, int depth, bool obj)
{
	struct jv *v = new_jv(ps, obj ? JV_OBJ : JV_ARR);
	size_t cap = 0;
	char close = obj ? '}' : ']';
	if (!v)
		return NULL;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return v;
	}
	for (;;) {
		char *k = NULL;
		skip_ws(ps);
		if (obj) {
			if (ps->p >= ps->end || *ps->p != '"') {
				fail(ps, "expected a member name");
				break;
			}
			k = parse_string(ps);
			if (!k)
				break;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(k);
				fail(ps, "expected ':'");
				break;
			}
			ps->p++;
		}
		struct jv *item = parse_value(ps, depth + 1);
		if (!item || grow(ps, v, &cap) < 0) {
			free(k);
			jv_free(item);
			break;
		}
		if (obj)
			v->keys[v->n] = k;
		v->items[v->n++] = item;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return v;
		}
		fail(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		break;
	}
	jv_free(v);
	return NULL;
}

static struct jv *parse_number(struct parser *ps)
{
	const char *s = ps->p;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
		fail(ps, "bad number");
		return NULL;
	}
	if (*ps->p == '0')
		ps->p++;
	else
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
			fail(ps, "bad number");
			return NULL;
		}
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
			fail(ps, "bad number");
			return NULL;
		}
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	struct jv *v = new_jv(ps, JV_NUM);
	if (!v)
		return NULL;
	v->s = strndup(s, (size_t)(ps->p - s));
	if (!v->s) {
		free(v);
		fail(ps, "out of memory");
		return NULL;
	}
	return v;
}

static bool lit(struct parser *ps, const char *word)
{
	size_t l = strlen(word);
	if ((size_t)(ps->end - ps->p) >= l && memcmp(ps->p, word, l) == 0) {
		ps->p += l;
		return true;
	}
	return false;
}

static struct jv *parse_value(struct parser *ps, int depth)
{
	struct jv *v;
	if (depth > JV_MAX_DEPTH) {
		fail(ps, "nested too deeply");
		return NULL;
	}
	skip_ws(ps);
	if (ps->p >= ps->end) {
		fail(ps, "unexpected end of input");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
		return parse_container(ps, depth, true);
	case '[':
		return parse_container(ps, depth, false);
	case '"':
		v = new_jv(ps, JV_STR);
		if (v && !(v->s = parse_string(ps))) {
			free(v);
			return NULL;
		}
		return v;
	case 't':
	case 'f':
	case 'n':
		if (lit(ps, "true") || lit(ps, "false")) {
			v = new_jv(ps, JV_BOOL);
			if (v)
				v->b = ps->p[-1] == 'e' && ps->p[-2] == 'u';
			return v;
		}
		if (lit(ps, "null"))
			return new_jv(ps, JV_NULL);
		fail(ps, "unknown literal");
		return NULL;
	default:
		return parse_number(ps);
	}
}

struct jv *jv_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser ps = {text, text + len, text, err, errlen, false};
	struct jv *v = parse_value(&ps, 0);
	if (v) {
		skip_ws(&ps);
		if (ps.p != ps.end) {
			fail(&ps, "trailing data after the document");
			jv_free(v);
			v = NULL;
		}
	}
	return v;
}

struct jv *jv_parse_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char why[256];
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (len == cap) {
			if (cap >= JV_MAX_FILE) {
				fclose(f);
				free(buf);
				snprintf(err, errlen, "%s: larger than %u MiB, not a lab JSON file", path,
					 JV_MAX_FILE >> 20);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	bool rerr = ferror(f);
	fclose(f);
	if (!buf || rerr) {
		free(buf);
		snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
		return NULL;
	}
	if (len == 0) {
		free(buf);
		snprintf(err, errlen, "%s: empty file", path);
		return NULL;
	}
	struct jv *v = jv_parse(buf, len, why, sizeof(why));
	free(buf);
	if (!v)
		snprintf(err, errlen, "%s: not valid JSON: %s", path, why);
	return v;
}

void jv_free(struct jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jv_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->s);
	free(v);
}

const struct jv *jv_get(const struct jv *v, const char *key)
{
	if (!v || v->type != JV_OBJ)
		return NULL;
	/* the last duplicate wins, as in most readers */
	for (size_t i = v->n; i-- > 0;)
		if (strcmp(v->keys[i], key) == 0)
			return v->items[i];
	return NULL;
}

static bool is_integer_text(const char *s)
{
	return !strpbrk(s, ".eE");
}

bool jv_u64(const struct jv *v, uint64_t *out)
{
	if (!v || v->type != JV_NUM || !is_integer_text(v->s) || v->s[0] == '-')
		return false;
	errno = 0;
	unsigned long long x = strtoull(v->s, NULL, 10);
	if (errno)
		return false;
	*out = x;
	return true;
}

bool jv_i64(const struct jv *v, int64_t *out)
{
	if (!v || v->type != JV_NUM || !is_integer_text(v->s))
		return false;
	errno = 0;
	long long x = strtoll(v->s, NULL, 10);
	if (errno)
		return false;
	*out = x;
	return true;
}

bool jv_dbl(const struct jv *v, double *out)
{
	if (!v || v->type != JV_NUM)
		return false;
	/* a number past double's range (1e999) is no value: inf would run a plot's axis loop forever */
	double d = strtod(v->s, NULL);
	if (!isfinite(d))
		return false;
	*out = d;
	return true;
}

void jv_emit(struct lab_json *j, const char *key, const struct jv *v)
{
	uint64_t u;
	int64_t i;
	double d;
	switch (v->type) {
	case JV_NULL: lab_json_null(j, key); break;
	case JV_BOOL: lab_json_bool(j, key, v->b); break;
	case JV_STR: lab_json_str(j, key, v->s); break;
	case JV_NUM:
		if (jv_u64(v, &u))
			lab_json_u64(j, key, u);
		else if (jv_i64(v, &i))
			lab_json_i64(j, key, i);
		else if (jv_dbl(v, &d))
			lab_json_dbl(j, key, d);
		else
			lab_json_null(j, key);
		break;
	case JV_ARR:
		lab_json_arr(j, key);
		for (size_t k = 0; k < v->n; k++) {
			if (v->items[k]->type == JV_OBJ) {
				lab_json_arr_obj(j);
				for (size_t m = 0; m < v->items[k]->n; m++)
					jv_emit(j, v->items[k]->keys[m], v->items[k]->items[m]);
				lab_json_obj_end(j);
			} else {
				jv_emit(j, NULL, v->items[k]);
			}
		}
		lab_json_arr_end(j);
		break;
	case JV_OBJ:
		lab_json_obj(j, key);
		for (size_t k = 0; k < v->n; k++)
			jv_emit(j, v->keys[k], v->items[k]);
		lab_json_obj_end(j);
		break;
	}
}
