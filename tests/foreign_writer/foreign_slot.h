/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A foreign writer: a library that is not otelctx and defines its own
 * otel_thread_ctx_v1 (8-byte TLS, default visibility, reached through a
 * TLSDESC relocation against the exported symbol), as custom-labels,
 * libdatadog or dd-trace-php's own writer do. Which slot its code writes is
 * the dynamic linker's choice: its own when it binds first to itself
 * (dlopen RTLD_DEEPBIND, or nothing else defining the slot), otherwise the
 * slot of the object that defines it first in the global scope (libotelctx.so
 * linked by the executable, for example).
 */
#ifndef OTELCTX_TESTS_FOREIGN_SLOT_H
#define OTELCTX_TESTS_FOREIGN_SLOT_H

#include <stdint.h>

/* Publishes, in this thread, a record with these ids (flags 01, no
 * attributes) in the slot the library's code reaches. */
void foreign_slot_publish(const uint8_t trace_id[16], const uint8_t span_id[8]);

/* Stores NULL in that slot (this thread). */
void foreign_slot_clear(void);

/* The address of that slot in this thread. */
void *foreign_slot_address(void);

#endif
