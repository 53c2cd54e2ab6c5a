/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nested writers, made deterministic: otelctx_record_set is given a value
 * that lies in an inaccessible page, so it faults while copying it, inside
 * the writer (after valid = 0, before valid = 1). The SIGSEGV handler is the
 * nested caller: every writer that reads or writes the record must return
 * -EBUSY and change nothing (the record is compared byte for byte), while
 * attach, detach and current keep working. The handler then siglongjmps out
 * of the writer, and the documented aftermath is checked: the record stays
 * valid = 0 and that thread's writers keep returning -EBUSY; another thread
 * is not affected.
 *
 * Built a second time with OTELCTX_TEST_INTERPOSE (test_nested_interposed):
 * the executable defines and exports otel_thread_ctx_v1 itself, so the
 * library's slot is bound to the executable's and the library must keep its
 * guard byte in its own TLS block: the executable's byte right after its
 * slot (a canary) must stay 0 while the writer runs, and the guard must
 * still refuse the nested writers.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "otelctx.h"

#ifdef OTELCTX_TEST_INTERPOSE
#include "interposing_slot.h"
#endif

static const uint8_t trace_a[16] = {0xaa, 1}, span_a[8] = {0xaa, 2};
static const uint8_t trace_b[16] = {0xbb, 1}, span_b[8] = {0xbb, 2};
static const otelctx_attr attr_a = {1, "alpha", 5};

static otelctx_record *record, *other;
static sigjmp_buf out_of_writer;
static volatile sig_atomic_t handler_ran;
/* What the handler saw, checked outside it. */
static int busy_update, busy_record_set, busy_update_span, busy_flags, busy_push, busy_pop;
static int busy_update_set, busy_record_set_set;
static otelctx_attrset *set_a;
static int unchanged, attach_ok, current_ok, canary_clean = 1;

static void on_fault(int sig)
{
    otelctx_record before;

    (void)sig;
    handler_ran = 1;
#ifdef OTELCTX_TEST_INTERPOSE
    for (size_t i = 0; i < sizeof(otel_thread_ctx_v1.canary); i++)
        canary_clean &= otel_thread_ctx_v1.canary[i] == 0;
#endif
    memcpy(&before, record, sizeof(before));
    busy_update = otelctx_update(trace_a, span_a, 1, &attr_a, 1);
    busy_record_set = otelctx_record_set(record, trace_a, span_a, 1, &attr_a, 1);
    busy_update_span = otelctx_update_span(span_a);
    busy_flags = otelctx_update_flags(0);
    busy_update_set = otelctx_update_attrset(trace_a, span_a, 1, set_a);
    busy_record_set_set = otelctx_record_set_attrset(record, trace_a, span_a, 1, set_a);
    busy_push = otelctx_attr_push(&attr_a);
    busy_pop = otelctx_attr_pop(1);
    unchanged = memcmp(&before, record, sizeof(before)) == 0;
    current_ok = otelctx_current() == record;
    attach_ok = otelctx_attach(other) == record && otelctx_detach() == other &&
                otelctx_attach(record) == NULL;
    siglongjmp(out_of_writer, 1);
}

static void *fresh_thread(void *arg)
{
    otelctx_record *r = arg;

    CHECK(otelctx_attach(r) == NULL);
    CHECK_EQ(otelctx_update(trace_a, span_a, 1, &attr_a, 1), 0);
    CHECK_EQ(otelctx_update_span(span_b), 0);
    CHECK_EQ(r->valid, 1);
    CHECK(otelctx_detach() == r);
    return NULL;
}

static void *interrupted_thread(void *arg)
{
    const char *unreadable = arg;
    const otelctx_attr faulting = {2, unreadable, 7};

    CHECK(otelctx_attach(record) == NULL);
#ifdef OTELCTX_TEST_INTERPOSE
    CHECK(otel_thread_ctx_v1.slot == record); /* the library writes our slot */
#endif
    if (sigsetjmp(out_of_writer, 1) == 0) {
        otelctx_record_set(record, trace_b, span_b, 1, &faulting, 1);
        CHECK(!"otelctx_record_set read the inaccessible value without a fault");
    }
    CHECK(handler_ran);
    CHECK_EQ(busy_update, -EBUSY);
    CHECK_EQ(busy_record_set, -EBUSY);
    CHECK_EQ(busy_update_span, -EBUSY);
    CHECK_EQ(busy_flags, -EBUSY);
    CHECK_EQ(busy_update_set, -EBUSY);
    CHECK_EQ(busy_record_set_set, -EBUSY);
    CHECK_EQ(busy_push, -EBUSY);
    CHECK_EQ(busy_pop, -EBUSY);
    CHECK(unchanged);
    CHECK(canary_clean);
    CHECK(current_ok);
    CHECK(attach_ok);
    /* After the siglongjmp: the record is as the writer left it (hidden),
     * this thread's writers stay refused, the slot calls still work. */
    CHECK_EQ(record->valid, 0);
    CHECK_EQ(otelctx_update(trace_a, span_a, 1, &attr_a, 1), -EBUSY);
    CHECK_EQ(otelctx_record_set(other, trace_a, span_a, 1, &attr_a, 1), -EBUSY);
    CHECK(otelctx_detach() == record);
    return NULL;
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    struct sigaction sa = {0};
    pthread_t thread;

    char *unreadable = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(unreadable != MAP_FAILED);
    record = otelctx_record_new();
    other = otelctx_record_new();
    set_a = otelctx_attrset_new(&attr_a, 1, NULL);
    CHECK(record != NULL && other != NULL && set_a != NULL);
    CHECK_EQ(otelctx_record_set(record, trace_a, span_a, 1, &attr_a, 1), 0);
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    CHECK_EQ(sigaction(SIGSEGV, &sa, NULL), 0);

    CHECK_EQ(pthread_create(&thread, NULL, interrupted_thread, unreadable), 0);
    CHECK_EQ(pthread_join(thread, NULL), 0);
    /* The guard is the thread's own: another thread writes as usual, and the
     * next whole write makes the abandoned record valid again. */
    CHECK_EQ(pthread_create(&thread, NULL, fresh_thread, record), 0);
    CHECK_EQ(pthread_join(thread, NULL), 0);
    CHECK_EQ(otelctx_record_set(other, trace_b, span_b, 1, &attr_a, 1), 0);
    CHECK_EQ(other->valid, 1);
    CHECK(strcmp(otelctx_strerror(-EBUSY), otelctx_strerror(-EXDEV)) != 0);
    otelctx_record_free(record);
    otelctx_record_free(other);
    otelctx_attrset_free(set_a);
    munmap(unreadable, (size_t)page);
    return 0;
}
