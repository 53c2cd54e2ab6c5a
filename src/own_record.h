/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OTELCTX_OWN_RECORD_H
#define OTELCTX_OWN_RECORD_H

#include "otelctx.h"

/*
 * The calling thread's own record, used by otelctx_update() when nothing is
 * attached: allocated on first use, freed when the thread exits. NULL when
 * it cannot be allocated.
 */
otelctx_record *otelctx__own_record(void);

/* A zeroed record (valid 0) for a writer that fills it before publishing
 * it; the process context is ensured as for every new record. NULL when
 * out of memory. Defined with the records (record.c). */
otelctx_record *otelctx__record_alloc(void);

#endif
