/* trace_names.h — what lab-trace adds in userspace to the programs' records, from /proc and
 * /sys: the CPU lists (--cpus, the online CPUs), hard IRQ handler names by number (the last
 * column of /proc/interrupts), softirq vector names, and which processes are the lab's (their
 * name starts with "lab-"). No BPF here: tests/trace/test_trace_names.c runs it on fixtures. */
#ifndef LAB_TRACE_NAMES_H
#define LAB_TRACE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LT_NAME_LEN 16 /* lab_evt.name */

/* "0,1", "0-3", "0-2,5": into a mask of cpus 0-63. Returns 0, or -1 with the reason in err. */
int lt_parse_cpulist(const char *text, uint64_t *mask, char *err, size_t errlen);
/* "0-1,4" for a mask (for messages and the stats). */
const char *lt_format_cpulist(uint64_t mask, char *buf, size_t len);
/* The online CPUs (path: /sys/devices/system/cpu/online); CPUs from 64 on are left out and
 * counted in *beyond when not NULL. Returns 0 or -errno. */
int lt_online_cpus(const char *path, uint64_t *mask, unsigned *beyond);

/* One line of /proc/interrupts: a numbered IRQ's number and its handler name(s) (the text after
 * the chip, hwirq and trigger columns: "virtio3-rx", "ehci_hcd:usb1, i801_smbus"), ncpus count
 * columns in between. Returns true for a numbered IRQ line (NMI:, LOC: ... are not). */
bool lt_interrupts_line(const char *line, unsigned ncpus, unsigned *irq, char *name, size_t len);

/* Handler names by IRQ number, read from /proc/interrupts at start and again (at most once a
 * second) when an unknown number comes by. */
struct lt_names;
struct lt_names *lt_names_new(const char *interrupts_path, const char *proc_root);
void lt_names_free(struct lt_names *n);
/* Fill name (LT_NAME_LEN bytes, NUL-padded) for an IRQ: its handler, else "irqN". */
void lt_names_irq(struct lt_names *n, unsigned irq, uint64_t now_ns, char *name);
/* The softirq vector's name (HI ... RCU), NULL past the last. */
const char *lt_softirq_name(unsigned vec);
/* Is tgid a lab process: /proc/<tgid>/comm, or the base name of its argv[0], starts with
 * "lab-" (lab-gen, lab-xsk, lab-kern, lab-dpdk and its lcore threads, lab-analyze, lab-noise,
 * lab-trace)? Read once per tgid (when first seen) and cached; a process gone before it was
 * seen is not the lab's. thread_comm starting with "lab-" also counts. */
bool lt_names_is_lab(struct lt_names *n, uint32_t tgid, const char *thread_comm);
/* The processes looked up so far, and how many were the lab's. */
void lt_names_proc_counts(const struct lt_names *n, uint64_t *seen, uint64_t *lab);

#endif
