/* kern_batch.c — classification and reflection of one receive batch. */
#include "kern_batch.h"

unsigned kern_classify(struct kern_counts *c, struct kern_pkt *pkts, unsigned n)
{
	unsigned m = 0;
	c->received += n;
	for (unsigned i = 0; i < n; i++) {
		struct kern_pkt *p = &pkts[i];
		struct lab_hdr *h;
		enum lab_verdict v;

		p->send = false;
		p->stamp = NULL;
		if (p->truncated) {
			c->truncated++;
			c->malformed++;
			continue;
		}
		v = lab_payload_parse(p->payload, p->len, &h, &p->stamp);
		if (v != LAB_OK) {
			c->by_verdict[v]++;
			/* the payload parser only returns lab verdicts, all of them malformed; an
			 * unknown one would still be counted, as not lab */
			if (lab_verdict_malformed(v))
				c->malformed++;
			else
				c->not_lab++;
			continue;
		}
		/* a reflector must never echo a reflection: two of them would ping-pong forever */
		if (h->flags & LAB_F_MARKED) {
			c->already_reflected++;
			c->not_lab++;
			continue;
		}
		p->send = true;
		m++;
	}
	return m;
}

void kern_reflect(struct kern_pkt *pkts, unsigned n, uint64_t tx_ns)
{
	for (unsigned i = 0; i < n; i++)
		if (pkts[i].send)
			lab_payload_reflect(pkts[i].payload, pkts[i].stamp, pkts[i].rx_ns, tx_ns);
}

unsigned kern_fwd_check(struct kern_counts *c, struct kern_pkt *pkts, unsigned n)
{
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++) {
		struct kern_pkt *p = &pkts[i];
		if (!p->send)
			continue;
		if (p->ttl < 0) {
			c->ttl_missing++;
			c->tx_errors++;
			p->send = false;
		} else if (p->ttl <= 1) {
			/* a router drops it (RFC 1812 5.3.1); the kernel would send time exceeded */
			c->ttl_expired++;
			p->send = false;
		} else {
			m++;
		}
	}
	return m;
}

void kern_fwd_stamp(struct kern_pkt *pkts, unsigned n, int family, uint64_t tx_ns)
{
	for (unsigned i = 0; i < n; i++)
		if (pkts[i].send && pkts[i].family == family)
			lab_payload_forward(pkts[i].payload, pkts[i].stamp, pkts[i].rx_ns, tx_ns);
}
