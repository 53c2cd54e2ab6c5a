/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otelctx and a foreign writer in one process, for tests/inspect/slots.py
 * and tests/sample/slots.py. The executable links libotelctx.so (the global
 * scope) and dlopens the foreign writer (tests/foreign_writer) RTLD_LOCAL:
 * - "distinct": with RTLD_DEEPBIND, the foreign library binds its slot
 *   reference to its own definition: two slots, as when a foreign SDK comes
 *   first in its own lookup scope;
 * - "shared": without, its reference binds to libotelctx.so's slot (the
 *   global scope comes first): two objects define the slot, one is used.
 * Which records are published, each writer in a thread of its own: "both"
 * (otelctx in one, the foreign writer in another), "same-thread" (both in
 * one thread), "otelctx" or "foreign" alone. The writer checks which slot
 * the foreign code reaches before it says "ready". Built as
 * slots_writer_interposed, the executable defines and exports the slot too.
 * With "busy" the
 * publishing threads spin (a sampler sees only threads on a CPU) instead
 * of blocking.
 *
 * Usage: slots_writer distinct|shared both|same-thread|otelctx|foreign LIBRARY [busy]
 * Prints "thread TID otelctx|foreign" for each record published, "ready",
 * then waits for stdin to close.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "otelctx.h"

#ifdef SLOTS_WRITER_EXECUTABLE_SLOT
/* slots_writer_interposed: the executable's own definition, exported: the
 * dynamic linker binds libotelctx.so's reference to it (and, without
 * RTLD_DEEPBIND, the foreign writer's). */
__attribute__((visibility("default"))) _Thread_local void *otel_thread_ctx_v1;
#endif

/* The ids each writer publishes: the tests look for them. */
static const uint8_t otelctx_trace[16] = {0x0c, 0x0c}, otelctx_span[8] = {0x0c, 1};
static const uint8_t foreign_trace[16] = {0xf0, 0xf0}, foreign_span[8] = {0xf0, 1};

static void (*foreign_publish)(const uint8_t *, const uint8_t *);
static void (*foreign_clear)(void);
static void *(*foreign_address)(void);
static pthread_barrier_t published, done;
static int busy;
static atomic_int stop; /* stdin closed */

/* What a thread publishes. */
enum { OTELCTX = 1, FOREIGN = 2 };

static void *publisher(void *arg)
{
    int what = (int)(intptr_t)arg;
    long tid = (long)syscall(SYS_gettid);

    if (what & OTELCTX) {
        const otelctx_attr method = {0, "GET", 3};
        CHECK_EQ(otelctx_update(otelctx_trace, otelctx_span, 1, &method, 1), 0);
        printf("thread %ld otelctx\n", tid);
    }
    if (what & FOREIGN) {
        foreign_publish(foreign_trace, foreign_span);
        printf("thread %ld foreign\n", tid);
    }
    pthread_barrier_wait(&published);
    while (busy && !atomic_load_explicit(&stop, memory_order_relaxed))
        ;
    pthread_barrier_wait(&done);
    if (what & FOREIGN)
        foreign_clear();
    otelctx_detach();
    return NULL;
}

int main(int argc, char **argv)
{
    const otelctx_kv resource[] = {{"service.name", "slots-writer"}};
    char line[16];
    pthread_t threads[2];
    int jobs[2], n = 0;

    CHECK(argc == 4 || argc == 5);
    int distinct = strcmp(argv[1], "distinct") == 0;
    CHECK(distinct || strcmp(argv[1], "shared") == 0);
    const char *who = argv[2];
    if (strcmp(who, "both") == 0) {
        jobs[n++] = OTELCTX;
        jobs[n++] = FOREIGN;
    } else {
        jobs[n++] = strcmp(who, "same-thread") == 0 ? OTELCTX | FOREIGN
                  : strcmp(who, "otelctx") == 0     ? OTELCTX
                                                    : FOREIGN;
        CHECK(jobs[0] != FOREIGN || strcmp(who, "foreign") == 0);
    }
    busy = argc == 5 && strcmp(argv[4], "busy") == 0;
    void *foreign = dlopen(argv[3], RTLD_NOW | RTLD_LOCAL | (distinct ? RTLD_DEEPBIND : 0));
    CHECK(foreign != NULL);
    *(void **)&foreign_publish = dlsym(foreign, "foreign_slot_publish");
    *(void **)&foreign_clear = dlsym(foreign, "foreign_slot_clear");
    *(void **)&foreign_address = dlsym(foreign, "foreign_slot_address");
    CHECK(foreign_publish != NULL && foreign_clear != NULL && foreign_address != NULL);
    /* The global scope's slot (libotelctx.so's, or the executable's that
     * interposes it) is the one otelctx writes. */
    void *ours = dlsym(RTLD_DEFAULT, "otel_thread_ctx_v1");
    CHECK(ours != NULL);
    CHECK_EQ(foreign_address() != ours, distinct);

    CHECK(otelctx_key_index("http.method") == 0);
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    CHECK_EQ(pthread_barrier_init(&published, NULL, (unsigned)n + 1), 0);
    CHECK_EQ(pthread_barrier_init(&done, NULL, (unsigned)n + 1), 0);
    for (int i = 0; i < n; i++)
        CHECK_EQ(pthread_create(&threads[i], NULL, publisher, (void *)(intptr_t)jobs[i]), 0);
    pthread_barrier_wait(&published);
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL)
        ;
    atomic_store(&stop, 1);
    pthread_barrier_wait(&done);
    for (int i = 0; i < n; i++)
        CHECK_EQ(pthread_join(threads[i], NULL), 0);
    return 0;
}
