/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OTELCTX_PROCESS_CTX_H
#define OTELCTX_PROCESS_CTX_H

#include <pthread.h>
#include <stddef.h>

/* Serialises every writer of the key map and the process context. */
extern pthread_mutex_t otelctx__process_lock;

/*
 * With the lock held: republishes the process context (update protocol) if
 * it is published, so it lists the key map as it is now; when none was ever
 * published, tries the automatic one. 0 when nothing is published; negative
 * errno when the new payload cannot be built, in which case the published
 * context is unchanged.
 */
int otelctx__process_republish(void);

/*
 * Without the lock: the first record of the process publishes the
 * automatic process context (no resource, the threadlocal.* attributes)
 * unless one exists, otelctx is in external mode, or it was tried before.
 * One atomic load once settled.
 */
void otelctx__process_ensure(void);

/* With the lock held: the registered key names, in index order. */
const char *const *otelctx__key_map(size_t *n_keys);

#endif
