/* test_trace_names.c — lab-trace's userspace names on fixtures (no root, no BPF): --cpus lists,
 * the online-CPU file, /proc/interrupts lines of x86 and arm64 (handler names, shared handlers,
 * no handler), IRQ names by number with the irqN fallback, softirq names, and which processes
 * are the lab's (by name, by argv[0] when DPDK renamed the main thread, not by an argument). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace_names.h"

static char fixtures[512];

/* two buffers: lt_names_new takes two fixture paths at once */
static const char *fixture(const char *name)
{
	static char path[2][1024];
	static int i;
	i ^= 1;
	snprintf(path[i], sizeof(path[i]), "%s/%s", fixtures, name);
	return path[i];
}

static void test_cpulist(void **state)
{
	uint64_t m = 0;
	char err[256], buf[128];
	(void)state;

	assert_int_equal(lt_parse_cpulist("0,1", &m, err, sizeof(err)), 0);
	assert_int_equal(m, 0x3);
	assert_int_equal(lt_parse_cpulist("0-3", &m, err, sizeof(err)), 0);
	assert_int_equal(m, 0xf);
	assert_int_equal(lt_parse_cpulist("1,1", &m, err, sizeof(err)), 0);
	assert_int_equal(m, 0x2);
	assert_int_equal(lt_parse_cpulist("0-2,5,63", &m, err, sizeof(err)), 0);
	assert_true(m == (0x27ull | 1ull << 63));
	assert_string_equal(lt_format_cpulist(m, buf, sizeof(buf)), "0-2,5,63");
	assert_int_equal(lt_parse_cpulist("64", &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "0 to 63"));
	const char *bad[] = {"", "a", "1-", "-1", "3-1", "1,", ",1", "1 2", "0x1", NULL};
	for (int i = 0; bad[i]; i++)
		assert_int_equal(lt_parse_cpulist(bad[i], &m, err, sizeof(err)), -1);
}

static void test_online(void **state)
{
	char path[] = "/tmp/lt-online-XXXXXX";
	uint64_t m = 0;
	unsigned beyond = 0;
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("0-3,8,62-65\n", f);
	fclose(f);
	assert_int_equal(lt_online_cpus(path, &m, &beyond), 0);
	assert_true(m == (0xfull | 1ull << 8 | 1ull << 62 | 1ull << 63));
	assert_int_equal(beyond, 2);
	unlink(path);
	assert_true(lt_online_cpus("/nonexistent/online", &m, NULL) < 0);
}

static void test_interrupts_line(void **state)
{
	char name[64];
	unsigned irq = 0;
	(void)state;

	assert_true(lt_interrupts_line(" 41:       2667          2 PCI-MSIX-0000:00:04.0   1-edge      virtio3-rx\n",
				       2, &irq, name, sizeof(name)));
	assert_int_equal(irq, 41);
	assert_string_equal(name, "virtio3-rx");
	assert_true(lt_interrupts_line(" 44:  0  0 PCI-MSIX-0000:00:06.0   0-edge      ehci_hcd:usb1, i801_smbus\n",
				       2, &irq, name, sizeof(name)));
	assert_string_equal(name, "ehci_hcd:usb1, i801_smbus");
	assert_true(lt_interrupts_line(" 45:  0  0 PCI-MSIX-0000:00:07.0   0-edge      \n", 2, &irq,
				       name, sizeof(name)));
	assert_string_equal(name, "");
	assert_true(lt_interrupts_line(" 11:  1 2 3 4     GICv3  27 Level     arch_timer\n", 4, &irq,
				       name, sizeof(name)));
	assert_int_equal(irq, 11);
	assert_string_equal(name, "arch_timer");
	assert_true(lt_interrupts_line(" 47:  1 0 0 0   ITS-MSI 524288 Edge      eth0-TxRx-0\n", 4, &irq,
				       name, sizeof(name)));
	assert_string_equal(name, "eth0-TxRx-0");
	assert_false(lt_interrupts_line("NMI:          0          0   Non-maskable interrupts\n", 2,
					&irq, name, sizeof(name)));
	assert_false(lt_interrupts_line("IPI0:  1 2   Rescheduling interrupts\n", 2, &irq, name,
					sizeof(name)));
	assert_false(lt_interrupts_line("           CPU0       CPU1\n", 2, &irq, name, sizeof(name)));
}

static void test_irq_names(void **state)
{
	char name[LT_NAME_LEN];
	struct lt_names *n = lt_names_new(fixture("interrupts.x86"), fixture("proc"));
	(void)state;

	assert_non_null(n);
	lt_names_irq(n, 41, 0, name);
	assert_memory_equal(name, "virtio3-rx\0\0\0\0\0", LT_NAME_LEN);
	lt_names_irq(n, 130, 0, name);
	assert_memory_equal(name, "nvme0q0\0\0\0\0\0\0\0\0", LT_NAME_LEN);
	lt_names_irq(n, 44, 0, name); /* 16 bytes, not NUL-terminated */
	assert_memory_equal(name, "ehci_hcd:usb1, i", LT_NAME_LEN);
	lt_names_irq(n, 45, 2000000000ull, name); /* no handler: irqN */
	assert_memory_equal(name, "irq45\0\0\0\0\0\0\0\0\0\0", LT_NAME_LEN);
	lt_names_irq(n, 99999, 4000000000ull, name);
	assert_memory_equal(name, "irq99999\0\0\0\0\0\0\0", LT_NAME_LEN);
	lt_names_free(n);

	n = lt_names_new(fixture("interrupts.arm64"), fixture("proc"));
	lt_names_irq(n, 11, 0, name);
	assert_string_equal(name, "arch_timer");
	lt_names_free(n);
}

static void test_softirq_names(void **state)
{
	(void)state;
	assert_string_equal(lt_softirq_name(0), "HI");
	assert_string_equal(lt_softirq_name(3), "NET_RX");
	assert_string_equal(lt_softirq_name(9), "RCU");
	assert_null(lt_softirq_name(10));
}

static void test_lab_processes(void **state)
{
	struct lt_names *n = lt_names_new(fixture("interrupts.x86"), fixture("proc"));
	uint64_t seen, lab;
	(void)state;

	assert_true(lt_names_is_lab(n, 100, "lab-gen"));
	assert_true(lt_names_is_lab(n, 100, "worker"));       /* a thread of lab-gen */
	assert_true(lt_names_is_lab(n, 200, "lcore-worker-1")); /* lab-dpdk by its argv[0] */
	assert_false(lt_names_is_lab(n, 300, "bash"));        /* lab-gen only as an argument */
	assert_false(lt_names_is_lab(n, 400, "gone"));        /* no such process */
	assert_true(lt_names_is_lab(n, 400, "lab-xsk"));      /* its thread's own name */
	assert_false(lt_names_is_lab(n, 0, "swapper/1"));
	lt_names_proc_counts(n, &seen, &lab);
	assert_int_equal(seen, 4);
	assert_int_equal(lab, 2);
	/* many processes: the cache grows and keeps its answers */
	for (uint32_t t = 1000; t < 5000; t++)
		assert_false(lt_names_is_lab(n, t, "x"));
	assert_true(lt_names_is_lab(n, 200, "x"));
	lt_names_free(n);
}

int main(void)
{
	const char *dir = getenv("LAB_TRACE_FIXTURES");
	snprintf(fixtures, sizeof(fixtures), "%s", dir ? dir : "tests/trace/fixtures");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_online),
		cmocka_unit_test(test_interrupts_line),
		cmocka_unit_test(test_irq_names),
		cmocka_unit_test(test_softirq_names),
		cmocka_unit_test(test_lab_processes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
