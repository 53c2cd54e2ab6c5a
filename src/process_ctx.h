/* SPDX-License-Identifier: Apache-2.0 */
/* The process context (OTEP 4719); it reads the key map (key_map.h) and is
 * driven by key registration (key_index.c). */
#ifndef OTELCTX_PROCESS_CTX_H
#define OTELCTX_PROCESS_CTX_H

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

#endif
