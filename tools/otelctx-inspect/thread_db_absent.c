/* SPDX-License-Identifier: Apache-2.0 */
/* A C library without libthread_db (musl): only musl processes are read. */
#include "thread_db_reader.h"

#include <stdio.h>

int thread_db_open(const struct target *t, char *why, size_t why_len)
{
    (void)t;
    snprintf(why, why_len, "this otelctx-inspect was built without libthread_db (not against "
             "glibc), so it reads musl processes only");
    return -1;
}

void thread_db_close(void)
{
}

int thread_db_tls_address(pid_t tid, uint64_t link_map, uint64_t offset, uint64_t *address,
                          char *why, size_t why_len)
{
    (void)link_map, (void)offset, (void)address;
    snprintf(why, why_len, "no libthread_db to resolve the TLS of thread %d", (int)tid);
    return -1;
}
