/* The two modes of berth-shim: create (launch + supervise) and exec (join + run). */
#ifndef BERTH_SHIM_MODES_H
#define BERTH_SHIM_MODES_H

#include "options.h"

/* Return the process exit code. */
int run_create(const struct options *o);
int run_exec(const struct options *o);

#endif
