/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fork: the child is a copy of the forking thread, so it must see that
 * thread's slot and record (not the main thread's), then attach, update and
 * detach on its own, in a new thread too, without the parent's slot or
 * record changing by a single byte.
 */
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "otelctx.h"

extern _Thread_local otelctx_record *otel_thread_ctx_v1;

static const uint8_t main_id[16] = {0x11, 0x11};
static const uint8_t forker_id[16] = {0x22, 0x22};
static const uint8_t child_id[16] = {0x33, 0x33};
static const otelctx_attr attr = {.key = 4, .value = "forker", .len = 6};

static void *child_thread(void *arg)
{
    (void)arg;
    CHECK(otel_thread_ctx_v1 == NULL);
    CHECK_EQ(otelctx_update(child_id, child_id, 1, NULL, 0), 0);
    CHECK(otel_thread_ctx_v1 != NULL);
    return NULL;
}

static void child(const otelctx_record *forker_record)
{
    otelctx_record *extra = otelctx_record_new();
    pthread_t thread;

    CHECK(otel_thread_ctx_v1 == forker_record);
    CHECK(memcmp(otel_thread_ctx_v1->trace_id, forker_id, 16) == 0);
    CHECK_EQ(otel_thread_ctx_v1->attrs_data_size, 2 + attr.len);

    CHECK_EQ(otelctx_update(child_id, child_id, 1, NULL, 0), 0); /* in place */
    CHECK(otel_thread_ctx_v1 == forker_record);
    CHECK(memcmp(otel_thread_ctx_v1->trace_id, child_id, 16) == 0);
    CHECK(extra != NULL);
    CHECK(otelctx_attach(extra) == forker_record);
    CHECK(otelctx_detach() == extra);
    CHECK(otel_thread_ctx_v1 == NULL);
    CHECK_EQ(pthread_create(&thread, NULL, child_thread, NULL), 0);
    CHECK_EQ(pthread_join(thread, NULL), 0);
    otelctx_record_free(extra);
    _exit(0);
}

static void *forker(void *arg)
{
    otelctx_record *main_record = arg, *mine, before;
    int status;

    CHECK_EQ(otelctx_update(forker_id, forker_id, 1, &attr, 1), 0);
    mine = otel_thread_ctx_v1;
    CHECK(mine != NULL && mine != main_record);
    memcpy(&before, mine, sizeof(before));

    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        child(mine);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    CHECK(otel_thread_ctx_v1 == mine);
    CHECK(memcmp(mine, &before, sizeof(before)) == 0);
    return NULL;
}

int main(void)
{
    otelctx_record *main_record = otelctx_record_new(), main_before;
    pthread_t thread;

    CHECK(main_record != NULL);
    CHECK_EQ(otelctx_record_set(main_record, main_id, main_id, 1, NULL, 0), 0);
    CHECK(otelctx_attach(main_record) == NULL);
    memcpy(&main_before, main_record, sizeof(main_before));

    CHECK_EQ(pthread_create(&thread, NULL, forker, main_record), 0);
    CHECK_EQ(pthread_join(thread, NULL), 0);

    CHECK(otel_thread_ctx_v1 == main_record);
    CHECK(memcmp(main_record, &main_before, sizeof(main_before)) == 0);
    CHECK(otelctx_detach() == main_record);
    otelctx_record_free(main_record);
    return 0;
}
