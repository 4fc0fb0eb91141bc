/* trace_names.c — see trace_names.h. */
#include "trace_names.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LT_MAX_IRQ (1u << 20)  /* numbers beyond are named irqN */
#define LT_RELOAD_NS 1000000000ull

static const char *const softirq_names[] = {
	"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
};

const char *lt_softirq_name(unsigned vec)
{
	return vec < sizeof(softirq_names) / sizeof(softirq_names[0]) ? softirq_names[vec] : NULL;
}

int lt_parse_cpulist(const char *text, uint64_t *mask, char *err, size_t errlen)
{
	const char *p = text;
	uint64_t m = 0;

	if (!text || !*text)
		goto bad;
	while (*p) {
		char *end;
		unsigned long a, b;
		if (!isdigit((unsigned char)*p))
			goto bad;
		a = strtoul(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				goto bad;
			b = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (b < a)
			goto bad;
		if (b > 63) {
			snprintf(err, errlen, "'%s': cpu %lu: only cpus 0 to 63 can be traced", text, b);
			return -1;
		}
		for (unsigned long c = a; c <= b; c++)
			m |= 1ull << c;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto bad;
	}
	*mask = m;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a cpu list (like 0,1 or 0-3)", text ? text : "");
	return -1;
}

const char *lt_format_cpulist(uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned c = 0; c < 64 && off < len; c++) {
		unsigned e = c;
		if (!(mask & (1ull << c)))
			continue;
		while (e + 1 < 64 && (mask & (1ull << (e + 1))))
			e++;
		int n = e > c ? snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", c, e) :
				snprintf(buf + off, len - off, "%s%u", off ? "," : "", c);
		if (n < 0)
			break;
		off += (size_t)n;
		c = e;
	}
	return buf;
}

int lt_online_cpus(const char *path, uint64_t *mask, unsigned *beyond)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	uint64_t m = 0;
	unsigned extra = 0;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	/* range by range, so that CPUs from 64 on are counted, not refused */
	for (char *save = NULL, *tok = strtok_r(line, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned a, b;
		int n = sscanf(tok, "%u-%u", &a, &b);
		if (n < 1)
			return -EINVAL;
		if (n == 1)
			b = a;
		for (unsigned c = a; c <= b; c++) {
			if (c >= 64) {
				extra++;
				continue;
			}
			m |= 1ull << c;
		}
	}
	*mask = m;
	if (beyond)
		*beyond = extra;
	return 0;
}

static void copy_name(char *dst, const char *src, size_t n)
{
	size_t l = strlen(src);
	memset(dst, 0, LT_NAME_LEN);
	memcpy(dst, src, l < n ? l : n);
}

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The next whitespace-separated token of *p: its start, length in *n; NULL at the end. */
static const char *token(const char **p, size_t *n)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '\n')
		return NULL;
	*n = strcspn(s, " \t\n");
	*p = s + *n;
	return s;
}

bool lt_interrupts_line(const char *line, unsigned ncpus, unsigned *irq, char *name, size_t len)
{
	const char *p = line, *t;
	char *end;
	size_t n;
	unsigned long v;

	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	v = strtoul(p, &end, 10);
	if (*end != ':' || v > UINT32_MAX)
		return false;
	*irq = (unsigned)v;
	p = end + 1;
	for (unsigned i = 0; i < ncpus; i++)
		if (!token(&p, &n))
			break;
	name[0] = 0;
	/* chip, then hwirq ("5" or "5-edge"), "Level"/"Edge" and "-flow" where the kernel shows
	 * them; what follows is the handler name(s) */
	if (!token(&p, &n))
		return true;
	t = token(&p, &n);
	if (t && all_digits(t, strcspn(t, "- \t\n")))
		t = token(&p, &n);
	if (t && ((n == 5 && !strncmp(t, "Level", 5)) || (n == 4 && !strncmp(t, "Edge", 4))))
		t = token(&p, &n);
	if (t && *t == '-')
		t = token(&p, &n);
	if (!t)
		return true;
	snprintf(name, len, "%.*s", (int)strcspn(t, "\n"), t);
	return true;
}

struct lt_proc {
	uint32_t key; /* tgid + 1; 0 = empty */
	bool lab;
};

struct lt_names {
	char interrupts[256], proc_root[256];
	char (*irq)[LT_NAME_LEN]; /* by number; "" = not known */
	size_t n_irq;
	uint64_t loaded_ns;
	struct lt_proc *procs;
	size_t n_procs, cap_procs;
	uint64_t lab_procs;
};

static void load_interrupts(struct lt_names *n)
{
	char line[4096], name[256];
	unsigned ncpus = 0, irq;
	FILE *f = fopen(n->interrupts, "r");

	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		for (const char *p = line; (p = strstr(p, "CPU")); p += 3)
			ncpus++;
	while (fgets(line, sizeof(line), f)) {
		if (!lt_interrupts_line(line, ncpus, &irq, name, sizeof(name)) || irq >= LT_MAX_IRQ)
			continue;
		if (irq >= n->n_irq) {
			size_t want = irq + 64;
			void *g = realloc(n->irq, want * LT_NAME_LEN);
			if (!g)
				break;
			n->irq = g;
			memset(n->irq + n->n_irq, 0, (want - n->n_irq) * LT_NAME_LEN);
			n->n_irq = want;
		}
		copy_name(n->irq[irq], name, LT_NAME_LEN);
	}
	fclose(f);
}

struct lt_names *lt_names_new(const char *interrupts_path, const char *proc_root)
{
	struct lt_names *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	snprintf(n->interrupts, sizeof(n->interrupts), "%s", interrupts_path);
	snprintf(n->proc_root, sizeof(n->proc_root), "%s", proc_root);
	load_interrupts(n);
	return n;
}

void lt_names_free(struct lt_names *n)
{
	if (!n)
		return;
	free(n->irq);
	free(n->procs);
	free(n);
}

void lt_names_irq(struct lt_names *n, unsigned irq, uint64_t now_ns, char *name)
{
	char fallback[LT_NAME_LEN + 8];

	if ((irq >= n->n_irq || !n->irq[irq][0]) && now_ns - n->loaded_ns >= LT_RELOAD_NS) {
		n->loaded_ns = now_ns;
		load_interrupts(n);
	}
	if (irq < n->n_irq && n->irq[irq][0]) {
		memcpy(name, n->irq[irq], LT_NAME_LEN);
		return;
	}
	snprintf(fallback, sizeof(fallback), "irq%u", irq);
	copy_name(name, fallback, LT_NAME_LEN);
}

static bool starts_lab(const char *s)
{
	return !strncmp(s, "lab-", 4);
}

/* Read the process's name, else its argv[0]'s base name, and say whether it is the lab's. */
static bool read_is_lab(const struct lt_names *n, uint32_t tgid)
{
	char path[512], buf[4096];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%u/comm", n->proc_root, tgid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len > 0) {
			buf[len] = 0;
			if (starts_lab(buf))
				return true;
		}
	}
	snprintf(path, sizeof(path), "%s/%u/cmdline", n->proc_root, tgid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = 0;
	const char *base = strrchr(buf, '/');
	return starts_lab(base ? base + 1 : buf);
}

static struct lt_proc *proc_slot(struct lt_proc *tab, size_t cap, uint32_t key)
{
	size_t i = (key * 2654435761u) & (cap - 1);
	while (tab[i].key && tab[i].key != key)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int grow_procs(struct lt_names *n)
{
	size_t cap = n->cap_procs ? n->cap_procs * 2 : 1024;
	struct lt_proc *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < n->cap_procs; i++)
		if (n->procs[i].key)
			*proc_slot(tab, cap, n->procs[i].key) = n->procs[i];
	free(n->procs);
	n->procs = tab;
	n->cap_procs = cap;
	return 0;
}

bool lt_names_is_lab(struct lt_names *n, uint32_t tgid, const char *thread_comm)
{
	struct lt_proc *p;

	if (thread_comm && starts_lab(thread_comm))
		return true;
	if (tgid == 0)
		return false;
	if ((n->n_procs + 1) * 2 > n->cap_procs && grow_procs(n) < 0)
		return read_is_lab(n, tgid);
	p = proc_slot(n->procs, n->cap_procs, tgid + 1);
	if (!p->key) {
		p->key = tgid + 1;
		p->lab = read_is_lab(n, tgid);
		n->n_procs++;
		n->lab_procs += p->lab;
	}
	return p->lab;
}

void lt_names_proc_counts(const struct lt_names *n, uint64_t *seen, uint64_t *lab)
{
	*seen = n->n_procs;
	*lab = n->lab_procs;
}
