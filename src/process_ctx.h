/* SPDX-License-Identifier: Apache-2.0 */
/* The process context (OTEP 4719); it reads the key map (key_map.h) and is
 * driven by key registration (key_index.c). */
#ifndef OTELCTX_PROCESS_CTX_H
#define OTELCTX_PROCESS_CTX_H

#include "otelctx.h"

/*
 * With otelctx__registry_lock held: republishes the process context (update protocol) if
 * it is published, so it lists the key map as it is now; when none was ever
 * published, tries the automatic one. 0 when nothing is published; negative
 * errno when the new payload cannot be built, in which case the published
 * context is unchanged.
 */
int otelctx__process_republish(void);

/*
 * Without the lock: the first key lookup or record of the process publishes
 * the automatic process context (no resource, the threadlocal.* attributes)
 * unless one exists, otelctx is in external mode, or it was tried before;
 * in a forked child, the context it inherited (key map and resource) unless
 * external mode or an unpublish was inherited. One atomic load once settled.
 */
void otelctx__process_ensure(void);

/*
 * The owner's implementations, for every copy of otelctx in the process
 * (src/copies.h). The resource belongs to the copy that published it: the
 * others get -EEXIST from publish, -EPERM from unpublish and external mode,
 * so that two SDKs cannot replace or withdraw each other's.
 */
struct otelctx_copy;
int otelctx__process_publish_here(const struct otelctx_copy *caller,
                                  const otelctx_kv *resource, size_t n_resource);
int otelctx__process_unpublish_here(const struct otelctx_copy *caller);
int otelctx__process_external_here(const struct otelctx_copy *caller);
void otelctx__process_ensure_here(void);

#endif
