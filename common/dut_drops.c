/* dut_drops.c — a DUT program's drop points: the list a sample carries, and its check against
 * the path registry (common/paths.tsv), whose keys the analysis subtracts from the losses. */
#include <stdio.h>
#include <string.h>

#include "dut.h"
#include "lab_paths.h"

void lab_dut_add_drop(struct lab_dut_sample *s, const char *name, uint64_t value)
{
	if (s->n_drops < LAB_DUT_MAX_DROPS)
		s->drops[s->n_drops++] = (struct lab_dut_drop){name, value};
}

static bool reported(const struct lab_dut_sample *s, const char *name)
{
	for (unsigned i = 0; i < s->n_drops; i++)
		if (!strcmp(s->drops[i].name, name))
			return true;
	return false;
}

static bool listed(const char *const *drops, const char *name)
{
	for (; *drops; drops++)
		if (!strcmp(*drops, name))
			return true;
	return false;
}

int lab_dut_drops_registered(const char *path, const char *topology,
			     const struct lab_dut_sample *s, char *err, size_t errlen)
{
	for (size_t p = 0; p < LAB_NPATH_DEFS; p++) {
		const struct lab_path_def *def = &lab_path_defs[p];
		if (strcmp(def->name, path) != 0 || strcmp(def->topology, topology) != 0)
			continue;
		for (unsigned i = 0; i < s->n_drops; i++)
			if (!listed(def->drops, s->drops[i].name)) {
				snprintf(err, errlen, "drop point %s is not registered for path %s "
					 "(%s, common/paths.tsv): the analysis will not expect it",
					 s->drops[i].name, path, topology);
				return -1;
			}
		for (const char *const *r = def->drops; *r; r++)
			if (!reported(s, *r)) {
				snprintf(err, errlen, "path %s registers drop point %s (common/paths.tsv), "
					 "which this program does not report", path, *r);
				return -1;
			}
		return 0;
	}
	snprintf(err, errlen, "path %s is not in the registry (common/paths.tsv) for the %s topology",
		 path, topology);
	return -1;
}
