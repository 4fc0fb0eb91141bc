/* fuzz_dir.h — the fuzz input as a directory of files, for the harnesses that read a whole
 * results directory (fuzz_run.c) or a lab-watch directory (fuzz_watchdir.c).
 *
 * Container: entries one after the other, each [u8 file][u32 length, little-endian][bytes];
 * file selects a name of the harness's table (modulo its size); a length past the input's end
 * takes what is left. The same file twice: the second entry is appended to the first (a
 * record file can grow past one entry). The directory is made afresh for each input and
 * removed after it (fuzz_dir_done). fuzz/mkseed.py builds seeds from real directories. */
#ifndef LAB_FUZZ_DIR_H
#define LAB_FUZZ_DIR_H

#include <stddef.h>
#include <stdint.h>

/* A fresh directory /dev/shm (else /tmp) /lab-fuzz-<tag>-<pid>/d holding the input's files; its path, or NULL
 * (the input is then skipped). */
const char *fuzz_dir_make(const char *tag, const uint8_t *data, size_t size,
			  const char *const *names, size_t nnames);
/* Remove the directory of the last fuzz_dir_make, whatever the code under test wrote in it. */
void fuzz_dir_done(void);

#endif
