/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The publisher of the linking scenarios (tests/scenario_reader.py drives it).
 *
 * Reads one context per line from stdin, chosen by the test:
 *   TRACE_HEX SPAN_HEX FLAGS [KEY:VALUE_HEX ...]
 * and publishes each on its own thread: even lines with otelctx_update (the
 * thread's own record), odd lines with record_new + record_set + attach.
 * Every key index up to the largest the lines use is first given a name
 * (scenario.key.N), so that the records' keys are in the key map, as a
 * reader wants them.
 * Each thread then finds its slot with dlsym("otel_thread_ctx_v1"), as a
 * reader resolving the symbol would, and checks the record against its line.
 * Prints "self_check RET WHY", one "thread TID static|dynamic" line per
 * context (where its slot lives: static TLS in the thread's stack block, or
 * dynamically allocated TLS), then "ready", and waits for stdin to close;
 * then every thread detaches, frees what it allocated and exits.
 * With OTELCTX_SCENARIO_BUSY=1 in the environment the threads spin in this
 * program's own code instead of blocking until then, so that a sampling
 * reader (perf events fire only on a running thread) catches them with
 * their records attached.
 *
 * Built linked to libotelctx.so, linked to libotelctx.a, or with
 * -DSCENARIO_DLOPEN: then argv is LIB [FILLER...]; fillers are dlopened
 * first and at least one must fail for lack of static TLS. With
 * -DSCENARIO_STATIC_PIE (no dynamic linker, so no dlsym) each thread takes
 * the slot's address from the variable itself.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "stack_mapping.h"
#include "otelctx.h"

enum { MAX_THREADS = 16, MAX_ATTRS = 16, LINE_MAX_LEN = 4096 };

/* The API, linked or resolved with dlsym. */
static struct {
    void *handle;
    otelctx_record *(*record_new)(void);
    int (*record_set)(otelctx_record *, const uint8_t *, const uint8_t *, uint8_t,
                      const otelctx_attr *, size_t);
    otelctx_record *(*attach)(otelctx_record *);
    int (*update)(const uint8_t *, const uint8_t *, uint8_t, const otelctx_attr *, size_t);
    int (*self_check)(char *, size_t);
    void (*record_free)(otelctx_record *);
    int (*key_index)(const char *);
} api;

struct context {
    uint8_t trace_id[16], span_id[8], flags;
    otelctx_attr attrs[MAX_ATTRS];
    uint8_t values[MAX_ATTRS][OTELCTX_VALUE_MAX];
    size_t n_attrs;
    int index;
    pid_t tid;
    int dynamic_tls;
};

static struct context contexts[MAX_THREADS];
static pthread_barrier_t published, released;
static int busy;                 /* OTELCTX_SCENARIO_BUSY=1 */
static atomic_int stop_spinning; /* stdin closed */

/* User code that keeps the thread on a CPU until main() says stop. */
static void spin_until_stopped(void)
{
    volatile unsigned long turns = 0;

    while (!atomic_load_explicit(&stop_spinning, memory_order_relaxed))
        turns++;
}

#ifndef SCENARIO_STATIC_PIE
static void *must_dlsym(const char *name)
{
    void *symbol = dlsym(api.handle, name);
    if (symbol == NULL) {
        fprintf(stderr, "scenario: dlsym %s: %s\n", name, dlerror());
        exit(1);
    }
    return symbol;
}
#endif

#ifdef SCENARIO_DLOPEN
static void load_fillers(int n, char **fillers)
{
    int refused = 0;

    for (int i = 0; i < n; i++) {
        if (dlopen(fillers[i], RTLD_NOW | RTLD_LOCAL) == NULL) {
            const char *error = dlerror();
            printf("filler %s refused: %s\n", fillers[i], error);
            CHECK(strstr(error, "static TLS") != NULL);
            refused++;
        }
    }
    CHECK(n == 0 || refused > 0); /* otherwise the surplus was never used up */
}

static void load_api(int argc, char **argv)
{
    CHECK(argc >= 2);
    load_fillers(argc - 2, argv + 2);
    api.handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (api.handle == NULL) {
        fprintf(stderr, "scenario: dlopen %s: %s\n", argv[1], dlerror());
        exit(1);
    }
    /* POSIX's way to store a dlsym result in a function pointer. */
    *(void **)&api.record_new = must_dlsym("otelctx_record_new");
    *(void **)&api.record_set = must_dlsym("otelctx_record_set");
    *(void **)&api.attach = must_dlsym("otelctx_attach");
    *(void **)&api.update = must_dlsym("otelctx_update");
    *(void **)&api.self_check = must_dlsym("otelctx_self_check");
    *(void **)&api.record_free = must_dlsym("otelctx_record_free");
    *(void **)&api.key_index = must_dlsym("otelctx_key_index");
}
#else
static void load_api(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    api.handle = RTLD_DEFAULT;
    api.record_new = otelctx_record_new;
    api.record_set = otelctx_record_set;
    api.attach = otelctx_attach;
    api.update = otelctx_update;
    api.self_check = otelctx_self_check;
    api.record_free = otelctx_record_free;
    api.key_index = otelctx_key_index;
}
#endif

static int hex_bytes(const char *hex, uint8_t *out, size_t max)
{
    size_t n = strlen(hex);
    if (n % 2 != 0 || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned byte;
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
            return -1;
        out[i] = (uint8_t)byte;
    }
    return (int)(n / 2);
}

static void parse_line(char *line, struct context *c)
{
    char *save = NULL;
    char *word = strtok_r(line, " \n", &save);

    CHECK(word != NULL && hex_bytes(word, c->trace_id, 16) == 16);
    word = strtok_r(NULL, " \n", &save);
    CHECK(word != NULL && hex_bytes(word, c->span_id, 8) == 8);
    word = strtok_r(NULL, " \n", &save);
    CHECK(word != NULL);
    c->flags = (uint8_t)strtoul(word, NULL, 0);
    while ((word = strtok_r(NULL, " \n", &save)) != NULL) {
        char *colon = strchr(word, ':');
        CHECK(colon != NULL && c->n_attrs < MAX_ATTRS);
        *colon = '\0';
        otelctx_attr *a = &c->attrs[c->n_attrs];
        int len = hex_bytes(colon + 1, c->values[c->n_attrs], OTELCTX_VALUE_MAX);
        CHECK(len >= 0);
        a->key = (uint8_t)strtoul(word, NULL, 0);
        a->value = (const char *)c->values[c->n_attrs];
        a->len = (size_t)len;
        c->n_attrs++;
    }
}

/* The record must say exactly what the line said, decoded entry by entry. */
static void check_record(const otelctx_record *r, const struct context *c)
{
    size_t pos = 0;

    CHECK_EQ(r->valid, 1);
    CHECK(memcmp(r->trace_id, c->trace_id, 16) == 0);
    CHECK(memcmp(r->span_id, c->span_id, 8) == 0);
    CHECK_EQ(r->trace_flags, c->flags);
    for (size_t i = 0; i < c->n_attrs; i++) {
        CHECK(pos + 2 <= r->attrs_data_size);
        CHECK_EQ(r->attrs_data[pos], c->attrs[i].key);
        CHECK_EQ(r->attrs_data[pos + 1], c->attrs[i].len);
        CHECK(pos + 2 + c->attrs[i].len <= r->attrs_data_size);
        CHECK(memcmp(&r->attrs_data[pos + 2], c->values[i], c->attrs[i].len) == 0);
        pos += 2 + c->attrs[i].len;
    }
    CHECK_EQ(pos, r->attrs_data_size);
}

static void free_record(otelctx_record *record)
{
    CHECK(record != NULL);
    api.record_free(record);
}

#ifdef SCENARIO_STATIC_PIE
extern _Thread_local otelctx_record *otel_thread_ctx_v1;
static otelctx_record **thread_slot(void) { return &otel_thread_ctx_v1; }
#else
static otelctx_record **thread_slot(void) { return must_dlsym("otel_thread_ctx_v1"); }
#endif

static void *publish(void *arg)
{
    struct context *c = arg;
    otelctx_record **slot = thread_slot();

    CHECK(*slot == NULL);
    if (c->index % 2 == 0) {
        CHECK_EQ(api.update(c->trace_id, c->span_id, c->flags, c->attrs, c->n_attrs), 0);
    } else {
        otelctx_record *record = api.record_new();
        CHECK(record != NULL);
        CHECK_EQ(api.record_set(record, c->trace_id, c->span_id, c->flags,
                                c->attrs, c->n_attrs), 0);
        CHECK(api.attach(record) == NULL);
        CHECK(*slot == record);
    }
    CHECK(*slot != NULL);
    check_record(*slot, c);
    c->tid = gettid();
    c->dynamic_tls = !in_stack_mapping(slot);
    pthread_barrier_wait(&published);
    if (busy)
        spin_until_stopped();
    pthread_barrier_wait(&released);
    /* The own record of even threads is freed by the library at exit. */
    if (c->index % 2 != 0)
        free_record(api.attach(NULL));
    return NULL;
}

/* Names the key indexes 0 to the largest the n contexts use, in order. */
static void name_keys(int n)
{
    int keys = 0;

    for (int i = 0; i < n; i++)
        for (size_t a = 0; a < contexts[i].n_attrs; a++)
            if (contexts[i].attrs[a].key >= keys)
                keys = contexts[i].attrs[a].key + 1;
    for (int k = 0; k < keys; k++) {
        char name[32];
        snprintf(name, sizeof(name), "scenario.key.%d", k);
        CHECK_EQ(api.key_index(name), k);
    }
}

int main(int argc, char **argv)
{
    char line[LINE_MAX_LEN], why[256];
    pthread_t threads[MAX_THREADS];
    int n = 0;

    const char *busy_env = getenv("OTELCTX_SCENARIO_BUSY");

    busy = busy_env != NULL && strcmp(busy_env, "1") == 0;
    load_api(argc, argv);
    while (n < MAX_THREADS && fgets(line, sizeof(line), stdin) != NULL && line[0] != '\n') {
        contexts[n].index = n;
        parse_line(line, &contexts[n]);
        n++;
    }
    CHECK(n > 0);
    name_keys(n);

    int ret = api.self_check(why, sizeof(why));
    printf("self_check %d %s\n", ret, why);

    CHECK_EQ(pthread_barrier_init(&published, NULL, (unsigned)n + 1), 0);
    CHECK_EQ(pthread_barrier_init(&released, NULL, (unsigned)n + 1), 0);
    for (int i = 0; i < n; i++)
        CHECK_EQ(pthread_create(&threads[i], NULL, publish, &contexts[i]), 0);
    pthread_barrier_wait(&published);
    for (int i = 0; i < n; i++)
        printf("thread %d %s\n", (int)contexts[i].tid,
               contexts[i].dynamic_tls ? "dynamic" : "static");
    printf("ready\n");
    fflush(stdout);

    while (fgets(line, sizeof(line), stdin) != NULL)
        ;
    atomic_store_explicit(&stop_spinning, 1, memory_order_relaxed);
    pthread_barrier_wait(&released);
    for (int i = 0; i < n; i++)
        CHECK_EQ(pthread_join(threads[i], NULL), 0);
    return 0;
}
