/* hugepages.c — the EAL's files on disk: are there free hugepages before it starts, and after
 * it stopped, the hugepage files of our file prefix (the EAL keeps them for the next run of the
 * same prefix) and its runtime directory, removed: the lab wants none left. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dp.h"
#include "log.h"

long dp_hugepages_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long v = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[512];
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(path);
}

/* <prefix>map_* in one hugetlbfs mount; returns how many went. */
static int remove_in(const char *dir, const char *name, size_t plen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int removed = 0;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char p[600];
		if (strncmp(e->d_name, name, plen) != 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

static int remove_hugepage_files(void)
{
	FILE *m = fopen("/proc/mounts", "r");
	char dev[256], dir[256], type[64], name[128];
	int removed = 0;
	size_t plen = (size_t)snprintf(name, sizeof(name), "%smap_", dp.file_prefix);
	if (!m)
		return 0;
	while (fscanf(m, "%255s %255s %63s %*[^\n]", dev, dir, type) == 3)
		if (strcmp(type, "hugetlbfs") == 0)
			removed += remove_in(dir, name, plen);
	fclose(m);
	return removed;
}

void dp_remove_eal_files(const char *runtime_dir)
{
	int removed = remove_hugepage_files();
	rm_tree(runtime_dir);
	lab_debug("removed %d hugepage files and %s", removed, runtime_dir);
}
