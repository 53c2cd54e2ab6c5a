/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a thread's otel_thread_ctx_v1 lives, resolved by glibc's
 * libthread_db (the documented way, also gdb's): this file implements the
 * proc_service callbacks libthread_db calls back into.
 */
#ifndef OTELCTX_INSPECT_TLS_H
#define OTELCTX_INSPECT_TLS_H

#include <stdint.h>
#include <sys/types.h>

#include "target.h"

/* 0, or -1 with the reason in why (no libthread_db support: not glibc). */
int tls_open(const struct target *t, char *why, size_t why_len);
void tls_close(void);

/* The link_map of a loaded object, from the dynamic linker's r_debug list;
 * 0 when not found. */
uint64_t tls_link_map(const struct target *t, const struct loaded_object *object);

/*
 * The address of TLS variable offset of the module link_map in thread tid,
 * which must be ptrace-stopped. 0; 1 when the thread has not allocated that
 * module's TLS yet (its slot is NULL by definition); -1 with why on error.
 */
int tls_address(pid_t tid, uint64_t link_map, uint64_t offset, uint64_t *address,
                char *why, size_t why_len);

#endif
