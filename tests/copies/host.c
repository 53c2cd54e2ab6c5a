/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process holding several copies of otelctx, as a Python service with
 * native extensions does: host [--unload K] COPY... where COPY is
 * local:PATH or global:PATH (dlopen RTLD_LOCAL or RTLD_GLOBAL, in order) or
 * self (the host's own copy, when it links libotelctx.a).
 *
 * In process it checks what one copy promises the others (docs/api.md,
 * "Several copies in one process"): one key map, seen whole by every copy;
 * every copy's key listener told of every key; one process context, whose
 * resource only the copy that published it may replace or withdraw; one
 * writer guard (a writer of one copy interrupted by a handler that calls
 * another copy's writers); every copy passing otelctx_self_check(). Then
 * thread i names itself (pthread_setname_np), publishes through copy i and
 * checks that every copy reads the same slot; the records are printed as "expect" lines for the readers
 * (copies_reader.py), then "ready"; it spins until stdin closes.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "copy_api.h"

#define MAX_COPIES 8

static struct copy_api copies[MAX_COPIES];
static int n_copies, key_of[MAX_COPIES];
static atomic_int stop;

#define RESOLVE(c, field, symbol) (*(void **)&(c)->field = resolve((c), symbol))

static void *resolve(struct copy_api *c, const char *symbol)
{
    void *f = dlsym(c->handle, symbol);
    if (f == NULL) {
        fprintf(stderr, "host: %s: no %s: %s\n", c->path, symbol, dlerror());
        exit(1);
    }
    return f;
}

static void load(struct copy_api *c, const char *arg)
{
#ifdef HOST_LINKS_OTELCTX
    if (strcmp(arg, "self") == 0) {
        *c = (struct copy_api){"self", NULL, otelctx_key_index, otelctx_key_map,
                               otelctx_key_listener, otelctx_update, otelctx_update_span,
                               otelctx_attr_push, otelctx_attr_pop, otelctx_record_set,
                               otelctx_record_new, otelctx_attach, otelctx_detach,
                               otelctx_current, otelctx_self_check, otelctx_process_publish,
                               otelctx_process_unpublish};
        return;
    }
#endif
    int flags = strncmp(arg, "global:", 7) == 0 ? RTLD_GLOBAL : RTLD_LOCAL;
    const char *path = strchr(arg, ':');
    CHECK(path != NULL);
    c->path = path + 1;
    c->handle = dlopen(c->path, RTLD_NOW | flags);
    if (c->handle == NULL) {
        fprintf(stderr, "host: %s\n", dlerror());
        exit(1);
    }
    RESOLVE(c, key_index, "otelctx_key_index");
    RESOLVE(c, key_map, "otelctx_key_map");
    RESOLVE(c, key_listener, "otelctx_key_listener");
    RESOLVE(c, update, "otelctx_update");
    RESOLVE(c, update_span, "otelctx_update_span");
    RESOLVE(c, attr_push, "otelctx_attr_push");
    RESOLVE(c, attr_pop, "otelctx_attr_pop");
    RESOLVE(c, record_set, "otelctx_record_set");
    RESOLVE(c, record_new, "otelctx_record_new");
    RESOLVE(c, attach, "otelctx_attach");
    RESOLVE(c, detach, "otelctx_detach");
    RESOLVE(c, current, "otelctx_current");
    RESOLVE(c, self_check, "otelctx_self_check");
    RESOLVE(c, process_publish, "otelctx_process_publish");
    RESOLVE(c, process_unpublish, "otelctx_process_unpublish");
}

/* ---- the key map and its listeners -------------------------------------- */

static void check_key_map(void)
{
    const char *const *names0;
    size_t n0 = copies[0].key_map(&names0);

    for (int i = 0; i < n_copies; i++) {
        const char *const *names;
        CHECK_EQ(copies[i].key_map(&names), n0);
        CHECK(names == names0);
        char want[32];
        snprintf(want, sizeof(want), "copy%d.tag", i);
        CHECK(strcmp(names[key_of[i]], want) == 0);
    }
}

struct heard {
    int calls;
    char name[32];
};

static void on_key(uint8_t index, const char *name, void *arg)
{
    struct heard *h = arg;

    (void)index;
    h->calls++;
    snprintf(h->name, sizeof(h->name), "%s", name);
}

static void check_listeners(void)
{
    struct heard heard[MAX_COPIES] = {0};

    for (int i = 0; i < n_copies; i++)
        CHECK_EQ(copies[i].key_listener(on_key, &heard[i]), 0);
    CHECK(copies[n_copies - 1].key_index("listened.key") >= 0);
    for (int i = 0; i < n_copies; i++) {
        CHECK_EQ(heard[i].calls, 1);
        CHECK(strcmp(heard[i].name, "listened.key") == 0);
    }
    /* A copy removes its own listener only. */
    CHECK_EQ(copies[0].key_listener(NULL, NULL), 0);
    CHECK(copies[n_copies - 1].key_index("second.key") >= 0);
    CHECK_EQ(heard[0].calls, 1);
    for (int i = 1; i < n_copies; i++)
        CHECK_EQ(heard[i].calls, 2);
    for (int i = 1; i < n_copies; i++)
        CHECK_EQ(copies[i].key_listener(NULL, NULL), 0);
}

/* ---- the process context ------------------------------------------------ */

static int ctx_mappings(void)
{
    char line[4096];
    int n = 0;
    FILE *maps = fopen("/proc/self/maps", "r");

    CHECK(maps != NULL);
    while (fgets(line, sizeof(line), maps) != NULL)
        n += strstr(line, "OTEL_CTX") != NULL;
    fclose(maps);
    return n;
}

static void check_process_context(void)
{
    const otelctx_kv mine = {"service.name", "copy0"}, again = {"service.name", "copy0-again"};
    const otelctx_kv theirs = {"service.name", "copy1"};

    CHECK_EQ(copies[0].process_publish(&mine, 1), 0);
    if (n_copies > 1) {
        CHECK_EQ(copies[1].process_publish(&theirs, 1), -EEXIST);
        CHECK_EQ(copies[1].process_unpublish(), -EPERM);
    }
    CHECK_EQ(copies[0].process_publish(&again, 1), 0);
    CHECK_EQ(ctx_mappings(), 1);
    printf("resource {\"service.name\": \"copy0-again\"}\n");
}

/* ---- one guard ---------------------------------------------------------- */

static sigjmp_buf out_of_writer;
static otelctx_record *guarded_record, *spare_record;
static int busy_update, busy_record_set, busy_span, busy_push;

/* Runs inside the first copy's writer: every writer of the last copy must
 * find the guard taken, although it is another copy's code. */
static void on_fault(int sig)
{
    const struct copy_api *b = &copies[n_copies - 1];
    const uint8_t trace[16] = {0xee, 1}, span[8] = {0xee, 2};
    const otelctx_attr attr = {0, "nested", 6};

    (void)sig;
    busy_update = b->update(trace, span, 1, &attr, 1);
    busy_record_set = b->record_set(spare_record, trace, span, 1, &attr, 1);
    busy_span = b->update_span(span);
    busy_push = b->attr_push(&attr);
    siglongjmp(out_of_writer, 1);
}

static void *nested_writer(void *unreadable)
{
    const struct copy_api *a = &copies[0];
    const uint8_t trace[16] = {0xdd, 1}, span[8] = {0xdd, 2};
    const otelctx_attr faulting = {0, unreadable, 7};

    guarded_record = a->record_new();
    spare_record = a->record_new();
    CHECK(guarded_record != NULL && spare_record != NULL);
    CHECK(a->attach(guarded_record) == NULL);
    if (sigsetjmp(out_of_writer, 1) == 0) {
        a->record_set(guarded_record, trace, span, 1, &faulting, 1);
        CHECK(!"otelctx_record_set read the inaccessible value without a fault");
    }
    CHECK(a->detach() == guarded_record);
    return NULL;
}

static void check_one_guard(void)
{
    struct sigaction sa = {0}, old;
    pthread_t thread;
    void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    CHECK(page != MAP_FAILED);
    sa.sa_handler = on_fault;
    CHECK_EQ(sigaction(SIGSEGV, &sa, &old), 0);
    CHECK_EQ(pthread_create(&thread, NULL, nested_writer, page), 0);
    CHECK_EQ(pthread_join(thread, NULL), 0);
    CHECK_EQ(sigaction(SIGSEGV, &old, NULL), 0);
    CHECK_EQ(busy_update, -EBUSY);
    CHECK_EQ(busy_record_set, -EBUSY);
    CHECK_EQ(busy_span, -EBUSY);
    CHECK_EQ(busy_push, -EBUSY);
    munmap(page, 4096);
}

/* ---- publishing threads ------------------------------------------------- */

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t published;

static void *publisher(void *arg)
{
    int i = (int)(intptr_t)arg;
    const struct copy_api *c = &copies[i];
    uint8_t trace[16] = {0xc0, (uint8_t)i, 1}, span[8] = {0x5a, (uint8_t)i, 2};
    char value[8];
    snprintf(value, sizeof(value), "v%d", i);
    const otelctx_attr attr = {(uint8_t)key_of[i], value, strlen(value)};

    /* The runtime's name for the thread, as readers should show it; the
     * first one is hostile text (a terminal escape). */
    char name[16];
    snprintf(name, sizeof(name), i == 0 ? "\033[2Jcopy%d" : "copy%d-pub", i);
    CHECK_EQ(pthread_setname_np(pthread_self(), name), 0);
    CHECK_EQ(c->update(trace, span, 1, &attr, 1), 0);
    /* Every copy reads the slot this copy wrote. */
    for (int j = 0; j < n_copies; j++)
        CHECK(copies[j].current() == c->current());
    pthread_mutex_lock(&print_lock);
    printf("thread %ld\n", (long)syscall(SYS_gettid));
    printf("expect {\"tid\": %ld, \"trace_id\": \"", (long)syscall(SYS_gettid));
    for (int b = 0; b < 16; b++)
        printf("%02x", trace[b]);
    printf("\", \"span_id\": \"");
    for (int b = 0; b < 8; b++)
        printf("%02x", span[b]);
    printf("\", \"trace_flags\": 1, \"attributes\": {\"copy%d.tag\": \"%s\"}, \"name_hex\": \"",
           i, value);
    for (const char *n = name; *n != '\0'; n++)
        printf("%02x", (unsigned char)*n);
    printf("\"}\n");
    pthread_mutex_unlock(&print_lock);
    pthread_barrier_wait(&published);
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        ; /* on CPU, for the sampler */
    return NULL;
}

int main(int argc, char **argv)
{
    int unload = -1, first = 1;
    pthread_t threads[MAX_COPIES];

    if (argc > 2 && strcmp(argv[1], "--unload") == 0) {
        unload = atoi(argv[2]);
        first = 3;
    }
    for (int a = first; a < argc && n_copies < MAX_COPIES; a++)
        load(&copies[n_copies++], argv[a]);
    CHECK(n_copies >= 1 && unload < n_copies);

    for (int i = 0; i < n_copies; i++) {
        char name[32];
        snprintf(name, sizeof(name), "copy%d.tag", i);
        key_of[i] = copies[i].key_index(name);
        CHECK(key_of[i] >= 0);
    }
    check_key_map();
    check_listeners();
    check_process_context();
    check_one_guard();
    for (int i = 0; i < n_copies; i++) {
        char why[1024];
        int err = copies[i].self_check(why, sizeof(why));
        if (err != 0) {
            fprintf(stderr, "host: %s: otelctx_self_check %d: %s\n", copies[i].path, err, why);
            return 1;
        }
    }

    CHECK_EQ(pthread_barrier_init(&published, NULL, (unsigned)n_copies + 1), 0);
    for (int i = 0; i < n_copies; i++)
        CHECK_EQ(pthread_create(&threads[i], NULL, publisher, (void *)(intptr_t)i), 0);
    pthread_barrier_wait(&published);
    if (unload >= 0) {
        /* A copy in use stays mapped (pinned): its thread's record, its
         * code and the slot stay readable. */
        CHECK_EQ(dlclose(copies[unload].handle), 0);
        CHECK(dlopen(copies[unload].path, RTLD_NOW | RTLD_NOLOAD) != NULL);
        CHECK(copies[0].key_index("after.unload") >= 0);
    }
    printf("ready\n");
    fflush(stdout);

    char buf[256];
    while (fread(buf, 1, sizeof(buf), stdin) > 0)
        ;
    atomic_store(&stop, 1);
    for (int i = 0; i < n_copies; i++)
        CHECK_EQ(pthread_join(threads[i], NULL), 0);
    return 0;
}
