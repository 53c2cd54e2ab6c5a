/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a forked child publishes. Each case runs in a "parent" forked from a
 * process that never touched otelctx; the parent sets otelctx up, then forks
 * the child that the case checks:
 *   - the parent's context (resource "forked-service", its keys) is not in
 *     the child (MADV_DONTFORK), and writers on existing records (update on
 *     the attached record, record_set, update_span, attr_push, attr_pop)
 *     publish nothing;
 *   - the child's first key lookup (of a key that exists, or a new one),
 *     record_new, record_init, a new thread's own record or publish
 *     publishes the child's own context: the inherited key map and, unless
 *     the child publishes another, the inherited resource;
 *   - external mode and an unpublish stay in force in the child; another
 *     SDK's inherited mapping stays the only one.
 *   - a parent thread republishing while the parent forks: every child
 *     publishes a whole context;
 *   - a child made by _Fork (no fork handlers run): its first new key or
 *     publish maps its own context instead of writing to the parent's
 *     mapping, which is not there.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "forked_case.h"
#include "otelctx.h"
#include "process_ctx_util.h"

static const uint8_t trace_id[16] = {0xc1, 1};
static const uint8_t span_id[8] = {0xc2, 2};
static const otelctx_kv resource[] = {{"service.name", "forked-service"}};

static int payload_has(const struct header *h, const char *needle)
{
    return memmem((const void *)(uintptr_t)h->payload, h->payload_size, needle,
                  strlen(needle)) != NULL;
}

/* The child's context: the schema, the parent's two keys, with or
 * without the inherited resource. */
static void check_inherited(int with_resource)
{
    const struct header *h = find_process_ctx();
    CHECK(h != NULL && h->published_at_ns != 0);
    CHECK(payload_has(h, "tlsdesc_v1_dev"));
    CHECK(payload_has(h, "fork.a") && payload_has(h, "fork.b"));
    CHECK_EQ(payload_has(h, "forked-service"), with_resource);
}

/* Forks the child, runs child() there, and checks it exited 0. */
static void fork_child(void (*child)(void))
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        child();
        exit(0);
    }
    CHECK_EQ(forked_case_wait(pid), 0);
}

/* The pre-fork parent: two keys, the resource, an attached record. */
static void publishing_parent(void (*child)(void))
{
    static const otelctx_attr attr = {.key = 0, .value = "parent", .len = 6};
    CHECK_EQ(otelctx_key_index("fork.a"), 0);
    CHECK_EQ(otelctx_key_index("fork.b"), 1);
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    CHECK_EQ(otelctx_update(trace_id, span_id, 1, &attr, 1), 0);
    const struct header *h = find_process_ctx();
    CHECK(h != NULL);
    struct header before = *h;

    fork_child(child);
    CHECK(find_process_ctx() == h && memcmp(h, &before, sizeof(before)) == 0);
}

static void writers_do_not_publish(void)
{
    static const otelctx_attr attr = {.key = 1, .value = "child", .len = 5};
    static const uint8_t other_span[8] = {0xc3, 3};
    otelctx_record *attached = otelctx_current();

    CHECK(attached != NULL && find_process_ctx() == NULL);
    CHECK_EQ(otelctx_update(trace_id, span_id, 1, &attr, 1), 0);
    CHECK_EQ(otelctx_record_set(attached, trace_id, span_id, 1, &attr, 1), 0);
    CHECK_EQ(otelctx_update_span(other_span), 0);
    CHECK_EQ(otelctx_attr_push(&attr), 0);
    CHECK_EQ(otelctx_attr_pop(1), 1);
    CHECK(find_process_ctx() == NULL);
    CHECK(otelctx_current() == attached);
}

static void by_existing_key(void)
{
    writers_do_not_publish();
    CHECK_EQ(otelctx_key_index("fork.b"), 1);
    check_inherited(1);
    CHECK_EQ(otelctx_key_map(NULL), 2);
}

static void by_new_key(void)
{
    CHECK(find_process_ctx() == NULL);
    CHECK_EQ(otelctx_key_index("fork.child"), 2);
    check_inherited(1);
    CHECK(payload_has(find_process_ctx(), "fork.child"));
}

static void by_record_new(void)
{
    CHECK(find_process_ctx() == NULL);
    otelctx_record *r = otelctx_record_new();
    CHECK(r != NULL);
    check_inherited(1);
    otelctx_record_free(r);
}

static void by_record_init(void)
{
    static otelctx_record storage;
    CHECK(find_process_ctx() == NULL);
    CHECK_EQ(otelctx_record_init(&storage), 0);
    check_inherited(1);
}

static void *first_update(void *arg)
{
    (void)arg;
    CHECK_EQ(otelctx_update(trace_id, span_id, 1, NULL, 0), 0); /* a new own record */
    return NULL;
}

static void by_own_record(void)
{
    pthread_t thread;
    CHECK(find_process_ctx() == NULL);
    CHECK_EQ(pthread_create(&thread, NULL, first_update, NULL), 0);
    CHECK_EQ(pthread_join(thread, NULL), 0);
    check_inherited(1);
}

static void by_publish(void)
{
    const otelctx_kv own[] = {{"service.name", "child-service"}};
    CHECK(find_process_ctx() == NULL);
    CHECK_EQ(otelctx_process_publish(own, 1), 0);
    check_inherited(0);
    CHECK(payload_has(find_process_ctx(), "child-service"));
}

/* Unpublished in the child before anything published there: nothing
 * automatic, and the next publish has only its own resource. */
static void by_unpublish(void)
{
    CHECK_EQ(otelctx_process_unpublish(), -ENOENT);
    CHECK_EQ(otelctx_key_index("fork.a"), 0);
    otelctx_record *r = otelctx_record_new();
    CHECK(r != NULL && find_process_ctx() == NULL);
    CHECK_EQ(otelctx_process_publish(NULL, 0), 0);
    check_inherited(0);
    otelctx_record_free(r);
}

/* Nothing published in the child, whatever it calls. */
static void publishes_nothing(void)
{
    CHECK_EQ(otelctx_key_index("fork.a"), 0);
    CHECK_EQ(otelctx_key_index("fork.new"), 2);
    otelctx_record *r = otelctx_record_new();
    CHECK(r != NULL);
    CHECK(find_process_ctx() == NULL);
    otelctx_record_free(r);
}

static void external_parent(void)
{
    CHECK_EQ(otelctx_process_external(), 0);
    CHECK_EQ(otelctx_key_index("fork.a"), 0);
    CHECK_EQ(otelctx_key_index("fork.b"), 1);
    fork_child(publishes_nothing);
}

static void unpublished_parent(void)
{
    CHECK_EQ(otelctx_key_index("fork.a"), 0);
    CHECK_EQ(otelctx_key_index("fork.b"), 1);
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    CHECK_EQ(otelctx_process_unpublish(), 0);
    fork_child(publishes_nothing);
}

/* Another SDK's mapping, without MADV_DONTFORK: the child inherits it (a
 * copy, with the payload as that SDK last published it) and otelctx keeps
 * out of its way there as in the parent. */
static void foreign_child(void)
{
    const struct header *theirs = find_process_ctx();
    CHECK(theirs != NULL);
    CHECK_EQ(otelctx_key_index("fork.a"), 0);
    CHECK_EQ(otelctx_process_publish(resource, 1), -EEXIST);
    otelctx_record *r = otelctx_record_new();
    CHECK(r != NULL && find_process_ctx() == theirs);
    otelctx_record_free(r);
}

static void foreign_parent(void)
{
    int fd = memfd_create("OTEL_CTX", MFD_CLOEXEC);
    CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
    void *theirs = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    CHECK(theirs != MAP_FAILED);
    memcpy(theirs, "OTEL_CTX", 8);
    CHECK_EQ(otelctx_key_index("fork.a"), 0);
    CHECK_EQ(otelctx_process_publish(resource, 1), -EEXIST);
    fork_child(foreign_child);
}

/* A parent thread republishes (two resources in turn) while the main
 * thread forks: the child of a multithreaded parent gets a consistent
 * state and publishes it. */
enum { RACING_FORKS = 10 };
static atomic_int stop_republishing;

static void *republish(void *arg)
{
    static const otelctx_kv other[] = {{"service.name", "forked-service-2"}};
    (void)arg;
    for (int i = 0; !atomic_load(&stop_republishing); i++)
        CHECK_EQ(otelctx_process_publish(i % 2 ? other : resource, 1), 0);
    return NULL;
}


static void racing_parent(void)
{
    pthread_t thread;
    CHECK_EQ(otelctx_key_index("fork.a"), 0);
    CHECK_EQ(otelctx_key_index("fork.b"), 1);
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    CHECK_EQ(otelctx_update(trace_id, span_id, 1, NULL, 0), 0);
    CHECK_EQ(pthread_create(&thread, NULL, republish, NULL), 0);
    for (int i = 0; i < RACING_FORKS; i++)
        fork_child(by_existing_key); /* both resources contain "forked-service" */
    atomic_store(&stop_republishing, 1);
    CHECK_EQ(pthread_join(thread, NULL), 0);
}

/* What the child of _Fork may do: it knows nothing of the fork, so only a
 * call that publishes (a new key, a publish) can find out. */
static void after_underscore_fork(void)
{
    CHECK(find_process_ctx() == NULL);
    CHECK_EQ(otelctx_key_index("fork.child"), 2);
    check_inherited(1);
    CHECK(payload_has(find_process_ctx(), "fork.child"));
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    CHECK_EQ(otelctx_process_unpublish(), 0);
    CHECK(find_process_ctx() == NULL);
}

static void underscore_fork_parent(void)
{
    CHECK_EQ(otelctx_key_index("fork.a"), 0);
    CHECK_EQ(otelctx_key_index("fork.b"), 1);
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    pid_t pid = _Fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        after_underscore_fork();
        _exit(0);
    }
    CHECK_EQ(forked_case_wait(pid), 0);
}

static void parent_by_existing_key(void) { publishing_parent(by_existing_key); }
static void parent_by_new_key(void) { publishing_parent(by_new_key); }
static void parent_by_record_new(void) { publishing_parent(by_record_new); }
static void parent_by_record_init(void) { publishing_parent(by_record_init); }
static void parent_by_own_record(void) { publishing_parent(by_own_record); }
static void parent_by_publish(void) { publishing_parent(by_publish); }
static void parent_by_unpublish(void) { publishing_parent(by_unpublish); }

static const struct forked_case cases[] = {
    {"child_by_existing_key", parent_by_existing_key},
    {"child_by_new_key", parent_by_new_key},
    {"child_by_record_new", parent_by_record_new},
    {"child_by_record_init", parent_by_record_init},
    {"child_by_own_record", parent_by_own_record},
    {"child_by_publish", parent_by_publish},
    {"child_unpublishes_inherited", parent_by_unpublish},
    {"external_inherited", external_parent},
    {"unpublish_inherited", unpublished_parent},
    {"foreign_mapping_inherited", foreign_parent},
    {"fork_while_republishing", racing_parent},
    {"underscore_fork", underscore_fork_parent},
};

int main(void)
{
    int failed = 0;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int ok = forked_case_run(&cases[i]) == 0;
        printf("%s %s\n", ok ? "ok  " : "FAIL", cases[i].name);
        failed |= !ok;
    }
    return failed;
}
