/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A writer for one TLS access model (tests/tls_models/read_model.py drives
 * it). The slot is slot.c's, built into a shared library (linked, or
 * dlopened with -DWRITER_DLOPEN) or into this executable; this file reaches
 * it only through tls_model_slot(). No libotelctx: the record is laid out
 * here, per OTEP 4947, so that the process has exactly one slot.
 *
 * Usage: writer SEED                       (slot linked)
 *        writer SEED LIB [FILLER...]       (-DWRITER_DLOPEN: fillers are
 *                                           dlopened first, at least one must
 *                                           be refused for lack of static TLS)
 * Prints "built MODEL" (the model the slot object was compiled for,
 * WRITER_BUILT), one "thread TID static|dynamic RECORD_HEX" per publishing
 * thread (where the slot lives: in the thread's own stack mapping or in
 * memory allocated apart; the record's header and attrs_data as published),
 * then "ready". The threads spin, so that perf samples land on them, until
 * stdin reaches end of file; then they detach and the writer exits 0.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "../stack_mapping.h"

enum { THREADS = 2, RECORD_SIZE = 640, HEADER_SIZE = 28, ATTRS_MAX = 612 };

struct writer_thread {
    pthread_t handle;
    uint64_t seed;
    _Alignas(8) uint8_t record[RECORD_SIZE];
    size_t record_used;
    pid_t tid;
    int dynamic_tls;
};

static void **(*slot_of_thread)(void);
static struct writer_thread threads[THREADS];
static pthread_barrier_t published;
static atomic_int stop;

/* xorshift64: the record's bytes follow from the seed the test chose. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* trace id, span id (both non-zero), valid = 1, flags, then 1..3 entries
 * of key index 0..7 and 0..24 printable bytes; attrs_data_size last. */
static size_t build_record(uint8_t *record, uint64_t seed)
{
    uint64_t state = seed | 1;
    size_t used = 0;

    for (int i = 0; i < 24; i++)
        record[i] = (uint8_t)next_random(&state);
    record[0] |= 1;
    record[16] |= 1;
    record[24] = 1;
    record[25] = (uint8_t)next_random(&state);
    int entries = 1 + (int)(next_random(&state) % 3);
    for (int e = 0; e < entries; e++) {
        uint8_t length = (uint8_t)(next_random(&state) % 25);
        record[HEADER_SIZE + used] = (uint8_t)(next_random(&state) % 8);
        record[HEADER_SIZE + used + 1] = length;
        for (uint8_t b = 0; b < length; b++)
            record[HEADER_SIZE + used + 2 + b] = (uint8_t)(0x21 + next_random(&state) % 94);
        used += 2u + length;
    }
    uint16_t size = (uint16_t)used;
    memcpy(record + 26, &size, sizeof(size));
    return HEADER_SIZE + used;
}

static void *publish_and_spin(void *arg)
{
    struct writer_thread *w = arg;
    void **slot = slot_of_thread();
    unsigned long spins = 0;

    CHECK(*slot == NULL);
    w->record_used = build_record(w->record, w->seed);
    *slot = w->record;
    w->tid = gettid();
    w->dynamic_tls = !in_stack_mapping(slot);
    pthread_barrier_wait(&published);
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        spins++;
    *slot = NULL;
    return (void *)spins;
}

#ifdef WRITER_DLOPEN
static void load_slot(int argc, char **argv)
{
    int refused = 0;

    CHECK(argc >= 3);
    for (int i = 3; i < argc; i++) {
        if (dlopen(argv[i], RTLD_NOW | RTLD_LOCAL) == NULL) {
            /* Refused for lack of static TLS, and for nothing else. */
            const char *error = dlerror();
            if (strstr(error, "static TLS") == NULL) {
                fprintf(stderr, "writer: dlopen %s: %s\n", argv[i], error);
                exit(1);
            }
            refused++;
        }
    }
    CHECK(argc == 3 || refused > 0); /* otherwise the surplus was never used up */
    void *lib = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "writer: dlopen %s: %s\n", argv[2], dlerror());
        exit(1);
    }
    /* POSIX's way to store a dlsym result in a function pointer. */
    *(void **)&slot_of_thread = dlsym(lib, "tls_model_slot");
    CHECK(slot_of_thread != NULL);
}
#else
void **tls_model_slot(void);

static void load_slot(int argc, char **argv)
{
    (void)argv;
    CHECK(argc == 2);
    slot_of_thread = tls_model_slot;
}
#endif

int main(int argc, char **argv)
{
    char line[256];

    CHECK(argc >= 2);
    uint64_t seed = strtoull(argv[1], NULL, 0);
    load_slot(argc, argv);
    *slot_of_thread() = NULL; /* the main thread's slot exists, and is NULL */
    CHECK_EQ(pthread_barrier_init(&published, NULL, THREADS + 1), 0);
    for (int i = 0; i < THREADS; i++) {
        threads[i].seed = seed + 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
        CHECK_EQ(pthread_create(&threads[i].handle, NULL, publish_and_spin, &threads[i]), 0);
    }
    pthread_barrier_wait(&published);
    printf("built %s\n", WRITER_BUILT);
    for (int i = 0; i < THREADS; i++) {
        printf("thread %d %s ", (int)threads[i].tid, threads[i].dynamic_tls ? "dynamic" : "static");
        for (size_t b = 0; b < threads[i].record_used; b++)
            printf("%02x", threads[i].record[b]);
        printf("\n");
    }
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL)
        continue;
    atomic_store(&stop, 1);
    for (int i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_join(threads[i].handle, NULL), 0);
    return 0;
}
