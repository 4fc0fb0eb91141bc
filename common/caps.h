/* caps.h — least privilege and scope for the lab's long-running binaries.
 *
 * Capabilities: once a binary has attached its
 * programs, opened its sockets and mapped its memory, it keeps only the capabilities its run and
 * its cleanup still need, in every thread of the process (libraries such as DPDK start threads
 * of their own before we get control back), and for good (bounding set too, so not even an
 * execve gets them back). */
#ifndef LAB_CAPS_H
#define LAB_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keep exactly the capabilities in keep[0..n) (CAP_* numbers from <linux/capability.h>),
 * effective and permitted, in every thread; drop every other from the effective, permitted,
 * inheritable, ambient and bounding sets. Then check each thread's status file in /proc: its
 * CapEff must be the kept set. Returns 0, or -1 with a one-line reason in err.
 * Not reentrant; call from the main thread while no other thread changes its own capabilities. */
int lab_caps_keep(const int *keep, size_t n, char *err, size_t errlen);

/* The effective set of the calling thread as the bit mask of /proc/PID/status's CapEff. */
uint64_t lab_caps_effective(void);

/* Scope: the lab's interfaces live in its network namespaces. iface is refused unless this
 * process runs in a lab namespace (one of /run/netns/<prefix>-gen or -dut, as `setup/lab up`
 * makes them) or hw is set (the binary's --hw flag: a real NIC, named on purpose); with hw,
 * iface must be a hardware interface (it has /sys/class/net/IF/device). Returns 0, or -1 with a one-line reason (and the fix) in err. */
int lab_scope_check_iface(const char *iface, bool hw, char *err, size_t errlen);

/* "cap_net_admin,cap_ipc_lock" for a mask ("none" for 0), for log lines. */
const char *lab_caps_names(uint64_t mask, char *buf, size_t len);

#endif
