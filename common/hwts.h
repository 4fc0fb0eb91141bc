/* hwts.h — can a port give hardware timestamps? ETHTOOL_GET_TS_INFO (what `ethtool -T IF`
 * prints): a PTP hardware clock and hardware TX and RX stamping with raw hardware reporting. */
#ifndef LAB_HWTS_H
#define LAB_HWTS_H

#include <stddef.h>

/* 1: the port has them; 0: it has not, why says what is missing ("veth: no PTP hardware
 * clock"); -1: the query failed (why says how). */
int lab_hwts_probe(const char *iface, char *why, size_t whylen);

/* --stamps hw for a program on iface: returns only when the port can; else one line and exit 2
 * (LAB_EXIT_USAGE), before anything was changed. Hardware stamps are on the NIC's PHC, not on
 * the lab's one clock: converting them (PTP_SYS_OFFSET) is not done yet, so a port that has a
 * PHC is refused too, saying so. */
void lab_hwts_require(const char *flag, const char *iface);

#endif
