/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process context as a reader finds it: the mapping in /proc/self/maps,
 * its header, published automatically by the first key and updated in place
 * by otelctx_process_publish, republishing on new keys, bad input leaving it
 * intact, fork and unpublish. With a path argument, writes the final payload there for
 * process_ctx_decode.sh to decode with protoc.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "otelctx.h"
#include "process_ctx_util.h"

struct snapshot {
    struct header header;
    unsigned char payload[4096];
};

static void take(const struct header *h, struct snapshot *s)
{
    memcpy(&s->header, h, sizeof(*h));
    CHECK(h->payload_size <= sizeof(s->payload));
    memcpy(s->payload, (const void *)(uintptr_t)h->payload, h->payload_size);
}

static void check_unchanged(const struct header *h, const struct snapshot *before)
{
    struct snapshot now;
    take(h, &now);
    CHECK(memcmp(&now.header, &before->header, sizeof(now.header)) == 0);
    CHECK(memcmp(now.payload, before->payload, now.header.payload_size) == 0);
}

static void check_key_names(void)
{
    char long_name[300];
    memset(long_name, 'k', sizeof(long_name));
    long_name[256] = '\0';

    CHECK_EQ(otelctx_key_index("http.method"), 0);
    CHECK_EQ(otelctx_key_index("http.route"), 1);
    CHECK_EQ(otelctx_key_index("http.method"), 0);
    CHECK_EQ(otelctx_key_index(NULL), -EINVAL);
    CHECK_EQ(otelctx_key_index(""), -EINVAL);
    CHECK_EQ(otelctx_key_index(long_name), -EINVAL);
}

static void check_bad_input(const struct header *h)
{
    const otelctx_kv null_key[] = {{NULL, "v"}};
    const otelctx_kv null_value[] = {{"k", NULL}};
    const otelctx_kv duplicate[] = {{"k", "1"}, {"j", "2"}, {"k", "3"}};
    struct snapshot before;

    take(h, &before);
    CHECK_EQ(otelctx_process_publish(null_key, 1), -EINVAL);
    CHECK_EQ(otelctx_process_publish(null_value, 1), -EINVAL);
    CHECK_EQ(otelctx_process_publish(duplicate, 3), -EINVAL);
    CHECK_EQ(otelctx_process_publish(NULL, 2), -EINVAL);
    CHECK_EQ(otelctx_key_index(""), -EINVAL);
    CHECK(find_process_ctx() == h);
    check_unchanged(h, &before);
}

static void check_fork(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        /* MADV_DONTFORK: the child has no mapping; its first new key
         * publishes the child's own (a new process), not into the parent's. */
        int ok = find_process_ctx() == NULL && otelctx_key_index("child.key") >= 0 &&
                 find_process_ctx() != NULL;
        _exit(ok ? 0 : 1);
    }
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(int argc, char **argv)
{
    const otelctx_kv resource[] = {
        {"service.name", "checkout"},
        {"deployment.environment", "prod"},
    };

    CHECK(find_process_ctx() == NULL);
    check_key_names(); /* the first key publishes a context without resource */
    const struct header *h = find_process_ctx();
    CHECK(h != NULL);
    uint64_t auto_ts = h->published_at_ns;
    uint32_t auto_size = h->payload_size;
    CHECK(auto_ts != 0);
    CHECK_EQ(otelctx_process_publish(resource, 2), 0);
    CHECK(find_process_ctx() == h); /* updated in place, still one mapping */
    CHECK(h->published_at_ns > auto_ts);
    CHECK(h->payload_size > auto_size);
    CHECK(memcmp(h->signature, "OTEL_CTX", 8) == 0);
    CHECK_EQ(h->version, 2);
    CHECK(h->payload_size > 0);
    CHECK(h->payload != 0);
    CHECK(h->published_at_ns != 0);

    /* A new key republishes with a larger timestamp and a larger payload. */
    uint64_t first_ts = h->published_at_ns;
    uint32_t first_size = h->payload_size;
    CHECK_EQ(otelctx_key_index("db.system"), 2);
    CHECK(h->published_at_ns > first_ts);
    CHECK(h->payload_size > first_size);

    check_bad_input(h);
    check_fork();

    if (argc > 1)
        CHECK_EQ(dump_payload(h, argv[1]), 0);

    CHECK_EQ(otelctx_process_unpublish(), 0);
    CHECK(find_process_ctx() == NULL);
    CHECK_EQ(otelctx_process_unpublish(), -ENOENT);
    CHECK_EQ(otelctx_key_index("after.unpublish"), 3);
    CHECK(find_process_ctx() == NULL);
    return 0;
}
