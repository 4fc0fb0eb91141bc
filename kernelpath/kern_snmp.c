/* kern_snmp.c — parsing counters (UDP RcvbufErrors, the IP forwarding counters) out of
 * /proc/net/snmp, /proc/net/netstat and /proc/net/snmp6. */
#include "kern_snmp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next line of text after *p (NUL-terminated copy into line); 0 at the end. */
static int next_line(const char **p, char *line, size_t cap)
{
	const char *s = *p, *e;
	size_t n;
	if (!*s)
		return 0;
	e = strchr(s, '\n');
	n = e ? (size_t)(e - s) : strlen(s);
	*p = e ? e + 1 : s + n;
	if (n >= cap)
		n = cap - 1; /* a longer line is cut: its tail holds no column we look for */
	memcpy(line, s, n);
	line[n] = '\0';
	return 1;
}

static int parse_u64(const char *tok, uint64_t *v)
{
	char *end;
	if (!tok || !*tok || *tok == '-')
		return -1;
	errno = 0;
	unsigned long long x = strtoull(tok, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int kern_snmp_field(const char *text, const char *table, const char *field, uint64_t *v)
{
	char head[4096], vals[4096], prefix[32];
	const char *p = text;
	size_t pl = (size_t)snprintf(prefix, sizeof(prefix), "%s: ", table);
	if (pl >= sizeof(prefix))
		return -1;
	while (next_line(&p, head, sizeof(head))) {
		if (strncmp(head, prefix, pl) != 0)
			continue;
		/* the first "<table>:" line names the columns, the second holds the values */
		if (!next_line(&p, vals, sizeof(vals)) || strncmp(vals, prefix, pl) != 0)
			return -1;
		char *sh, *sv;
		char *h = strtok_r(head + pl, " \t", &sh);
		char *x = strtok_r(vals + pl, " \t", &sv);
		while (h && x) {
			if (!strcmp(h, field))
				return parse_u64(x, v);
			h = strtok_r(NULL, " \t", &sh);
			x = strtok_r(NULL, " \t", &sv);
		}
		return -1;
	}
	return -1;
}

int kern_snmp6_field(const char *text, const char *field, uint64_t *v)
{
	char line[512];
	const char *p = text;
	while (next_line(&p, line, sizeof(line))) {
		char *s, *k = strtok_r(line, " \t", &s), *x = strtok_r(NULL, " \t", &s);
		if (k && !strcmp(k, field))
			return parse_u64(x, v);
	}
	return -1;
}

int kern_snmp_udp_rcvbuf(const char *text, uint64_t *v)
{
	return kern_snmp_field(text, "Udp", "RcvbufErrors", v);
}

int kern_snmp6_udp_rcvbuf(const char *text, uint64_t *v)
{
	return kern_snmp6_field(text, "Udp6RcvbufErrors", v);
}

/* The whole of a small procfs file, NUL-terminated, or NULL (errno set). */
char *kern_slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	size_t cap = 16384, n = 0;
	char *buf;
	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		size_t k = fread(buf + n, 1, cap - 1 - n, f);
		n += k;
		if (k == 0)
			break;
		if (n == cap - 1) {
			char *b = realloc(buf, cap * 2);
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

int kern_snmp_read(uint64_t *udp4, uint64_t *udp6, bool *have6)
{
	char *t = kern_slurp("/proc/net/snmp");
	int rc;
	if (!t)
		return -1;
	rc = kern_snmp_udp_rcvbuf(t, udp4);
	free(t);
	if (rc < 0) {
		errno = EPROTO;
		return -1;
	}
	*udp6 = 0;
	*have6 = false;
	t = kern_slurp("/proc/net/snmp6");
	if (t) {
		*have6 = kern_snmp6_udp_rcvbuf(t, udp6) == 0;
		free(t);
	}
	return 0;
}

int kern_snmp_read_csum(uint64_t *csum4, uint64_t *csum6)
{
	char *t = kern_slurp("/proc/net/snmp");
	int rc;
	*csum4 = *csum6 = 0;
	if (!t)
		return -1;
	rc = kern_snmp_field(t, "Udp", "InCsumErrors", csum4);
	free(t);
	t = kern_slurp("/proc/net/snmp6");
	if (t) {
		if (kern_snmp6_field(t, "Udp6InCsumErrors", csum6) < 0)
			*csum6 = 0;
		free(t);
	}
	return rc;
}
