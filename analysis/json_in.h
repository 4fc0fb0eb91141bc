/* json_in.h — a small strict JSON reader (RFC 8259) for the run's inputs: run.json, the
 * reflectors' counters and lab-gen's stats. Whole document in memory as a tree; numbers keep
 * their text so integers pass through to summary.json without a round trip through double. */
#ifndef LAB_JSON_IN_H
#define LAB_JSON_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	bool b;
	char *s;           /* JV_STR: the decoded string; JV_NUM: the number's text */
	size_t n;          /* JV_ARR / JV_OBJ: element count */
	char **keys;       /* JV_OBJ */
	struct jv **items; /* JV_ARR / JV_OBJ */
};

/* Parse len bytes. Returns the tree, or NULL with a one-line reason (and byte offset) in err. */
struct jv *jv_parse(const char *text, size_t len, char *err, size_t errlen);
/* Read and parse a file; the reason names the file. */
struct jv *jv_parse_file(const char *path, char *err, size_t errlen);
void jv_free(struct jv *v);

/* Member of an object (NULL when v is not an object or has no such key). */
const struct jv *jv_get(const struct jv *v, const char *key);
/* A number as an unsigned/signed integer or double; false when it is not one (or out of range). */
bool jv_u64(const struct jv *v, uint64_t *out);
bool jv_i64(const struct jv *v, int64_t *out);
bool jv_dbl(const struct jv *v, double *out);

/* Write v as the member key (NULL inside an array) with the common JSON writer. */
void jv_emit(struct lab_json *j, const char *key, const struct jv *v);

#endif
