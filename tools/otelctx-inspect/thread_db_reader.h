/* SPDX-License-Identifier: Apache-2.0 */
/*
 * glibc's libthread_db, the documented way (also gdb's) to find a thread's
 * TLS. Two implementations: thread_db.c, built where the C library ships
 * libthread_db (glibc), and thread_db_absent.c elsewhere (musl), where only
 * musl processes can be read, from their TLSDESC descriptors (tls.c). Not
 * named thread_db.h: with this directory on the include path (the fuzz
 * build) it would shadow <thread_db.h>.
 */
#ifndef OTELCTX_INSPECT_THREAD_DB_READER_H
#define OTELCTX_INSPECT_THREAD_DB_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "target.h"

/* Attaches libthread_db to the target; 0, or -1 with the reason in why. */
int thread_db_open(const struct target *t, char *why, size_t why_len);
void thread_db_close(void);

/* The address of offset in the TLS block of the object whose link_map is
 * link_map, in thread tid (ptrace-stopped). 0; 1 when the thread has not
 * allocated that block yet; -1 with why. */
int thread_db_tls_address(pid_t tid, uint64_t link_map, uint64_t offset, uint64_t *address,
                          char *why, size_t why_len);

#endif
