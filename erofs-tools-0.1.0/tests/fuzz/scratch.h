/* SPDX-License-Identifier: MIT */
/* A private scratch directory for the extracting harness. */
#ifndef FUZZ_SCRATCH_H
#define FUZZ_SCRATCH_H

#include <stddef.h>

/* Create the scratch parent once; the returned DIR path does not exist yet. */
const char *fuzz_scratch_init(void);
/*
 * After a run: abort() if anything appeared beside DIR or if DIR holds more
 * allocated bytes than @limit, then remove DIR whatever it contains.
 */
void fuzz_scratch_check_and_clear(unsigned long long limit);

#endif
