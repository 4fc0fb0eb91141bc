/* bpfclock.h — what lab-bpfclock's program and its loader share. */
#ifndef LAB_BPFCLOCK_H
#define LAB_BPFCLOCK_H

#define LAB_BPFCLOCK_BUCKETS 4096 /* 1 ns each; the last holds 4095 ns and more */

#endif
