/* path.c — see path.h. */
#include "path.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>


void lab_path_note(struct lab_path *p, const char *fmt, ...)
{
	va_list ap;
	if (p->nnotes >= (int)(sizeof(p->notes) / sizeof(p->notes[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->nnotes++], sizeof(p->notes[0]), fmt, ap);
	va_end(ap);
}

void lab_path_free(struct lab_path *p)
{
	free(p->bursts);
	p->bursts = NULL;
	lab_tail_free(&p->tail);
	sn_series_free(&p->softnet);
}
