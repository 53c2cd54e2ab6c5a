/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who publishes the process context (OTEP 4719: at most one per process).
 * Each case runs in a child forked from a parent that never touched otelctx,
 * so it starts from a process without keys, records or context:
 *   - the first key, record_new, record_init or own record publishes one
 *     automatically (schema and key map, no resource);
 *   - another SDK's mapping, under each name readers accept, makes
 *     otelctx_process_publish -EEXIST and maps nothing, while keys and
 *     records keep working;
 *   - external mode maps nothing, removes the automatic one, and hands the
 *     schema, the key map and a listener to the SDK's own publisher;
 *   - a payload over 65536 bytes is -E2BIG, the published context byte for
 *     byte unchanged, the key map unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "forked_case.h"
#include "otelctx.h"
#include "process_ctx_util.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

/* OTEL_CTX mappings in /proc/self/maps, whoever made them. */
static int count_ctx_mappings(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    int n = 0;

    CHECK(maps != NULL);
    while (fgets(line, sizeof(line), maps) != NULL)
        n += strstr(line, "OTEL_CTX") != NULL;
    fclose(maps);
    return n;
}

/* Whether the payload holds needle (a key name, the schema string). */
static int payload_has(const struct header *h, const char *needle)
{
    return memmem((const void *)(uintptr_t)h->payload, h->payload_size, needle,
                  strlen(needle)) != NULL;
}

/* The automatic context: schema, key map, an empty or absent Resource
 * (field 1, tag 0x0a, then its length). */
static void check_automatic(const char *key)
{
    const struct header *h = find_process_ctx();
    CHECK(h != NULL);
    CHECK_EQ(count_ctx_mappings(), 1);
    CHECK(payload_has(h, "threadlocal.schema_version") && payload_has(h, "tlsdesc_v1_dev"));
    CHECK(payload_has(h, "threadlocal.attribute_key_map"));
    const uint8_t *payload = (const uint8_t *)(uintptr_t)h->payload;
    CHECK(payload[0] != 0x0a || payload[1] == 0);
    if (key != NULL)
        CHECK(payload_has(h, key));
}

static void auto_by_key(void)
{
    CHECK(find_process_ctx() == NULL);
    CHECK_EQ(otelctx_key_index("auto.key"), 0);
    check_automatic("auto.key");
}

static void auto_by_record_new(void)
{
    CHECK(find_process_ctx() == NULL);
    otelctx_record *r = otelctx_record_new();
    CHECK(r != NULL);
    check_automatic(NULL);
    otelctx_record_free(r);
}

static void auto_by_record_init(void)
{
    static otelctx_record storage;
    CHECK(find_process_ctx() == NULL);
    CHECK_EQ(otelctx_record_init(&storage), 0);
    check_automatic(NULL);
}

static void auto_by_own_record(void)
{
    static const uint8_t trace[16] = {1}, span[8] = {2};
    CHECK(find_process_ctx() == NULL);
    CHECK_EQ(otelctx_update(trace, span, 1, NULL, 0), 0);
    check_automatic(NULL);
    /* A later publish with a resource updates it in place. */
    const struct header *h = find_process_ctx();
    const otelctx_kv resource[] = {{"service.name", "owner"}};
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    CHECK(find_process_ctx() == h && payload_has(h, "owner"));
    CHECK_EQ(count_ctx_mappings(), 1);
}

enum { KERNEL_CANNOT_NAME = 77 };

/* Another SDK's context, made the way each kind of publisher makes it. A
 * kernel without CONFIG_ANON_VMA_NAME cannot name anonymous mappings: no SDK
 * can make the anon kinds there and no reader could find them; the case
 * exits KERNEL_CANNOT_NAME and is reported as not possible here. */
static void map_foreign(const char *kind)
{
    void *addr = MAP_FAILED;
    if (strcmp(kind, "memfd") == 0) {
        int fd = memfd_create("OTEL_CTX", MFD_CLOEXEC);
        CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
        addr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        close(fd);
    } else {
        int shared = strcmp(kind, "anon_shmem") == 0;
        addr = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                    (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
        CHECK(addr != MAP_FAILED);
        if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)addr, 4096,
                  (unsigned long)"OTEL_CTX") != 0) {
            CHECK_EQ(errno, EINVAL);
            exit(KERNEL_CANNOT_NAME);
        }
    }
    CHECK(addr != MAP_FAILED);
    memcpy(addr, "OTEL_CTX", 8);
}

static void foreign(const char *kind)
{
    static const uint8_t trace[16] = {1}, span[8] = {2};
    const otelctx_kv resource[] = {{"service.name", "second"}};

    map_foreign(kind);
    const struct header *theirs = find_process_ctx();
    CHECK(theirs != NULL);
    CHECK_EQ(otelctx_key_index("k"), 0);          /* no automatic one either */
    CHECK_EQ(otelctx_process_publish(resource, 1), -EEXIST);
    CHECK_EQ(count_ctx_mappings(), 1);
    CHECK(find_process_ctx() == theirs);
    CHECK_EQ(otelctx_key_index("k2"), 1);          /* keys and records work */
    otelctx_record *r = otelctx_record_new();
    CHECK(r != NULL && otelctx_update(trace, span, 1, NULL, 0) == 0);
    CHECK_EQ(count_ctx_mappings(), 1);
    otelctx_record_free(r);
}

static void foreign_memfd(void) { foreign("memfd"); }
static void foreign_anon(void) { foreign("anon"); }
static void foreign_anon_shmem(void) { foreign("anon_shmem"); }

struct heard {
    int calls;
    uint8_t last_index;
    char last_name[32];
};

static void on_key(uint8_t index, const char *name, void *arg)
{
    struct heard *h = arg;
    const char *const *names;
    /* Called with the key already in the map, and no lock held. */
    CHECK(otelctx_key_map(&names) > index && names[index] == name);
    CHECK_EQ(otelctx_key_index(name), index);
    h->calls++;
    h->last_index = index;
    snprintf(h->last_name, sizeof(h->last_name), "%s", name);
}

static void external(void)
{
    static struct heard heard;
    const char *const *names;

    CHECK_EQ(otelctx_process_external(), 0);
    CHECK_EQ(otelctx_key_listener(on_key, &heard), 0);
    CHECK_EQ(otelctx_key_index("ext.a"), 0);
    CHECK_EQ(otelctx_key_index("ext.b"), 1);
    CHECK_EQ(otelctx_key_index("ext.a"), 0);       /* known: no call */
    CHECK(heard.calls == 2 && heard.last_index == 1 && strcmp(heard.last_name, "ext.b") == 0);
    CHECK_EQ(otelctx_key_map(&names), 2);
    CHECK(strcmp(names[0], "ext.a") == 0 && strcmp(names[1], "ext.b") == 0);
    CHECK_EQ(otelctx_key_map(NULL), 2);
    CHECK(strcmp(otelctx_schema_version(), "tlsdesc_v1_dev") == 0);
    otelctx_record *r = otelctx_record_new();
    CHECK(r != NULL);
    CHECK_EQ(otelctx_process_publish(NULL, 0), -EEXIST);
    CHECK_EQ(count_ctx_mappings(), 0);
    CHECK_EQ(otelctx_key_listener(NULL, NULL), 0);
    CHECK_EQ(otelctx_key_index("ext.c"), 2);
    CHECK_EQ(heard.calls, 2);
    otelctx_record_free(r);
}

static void external_after_auto(void)
{
    CHECK_EQ(otelctx_key_index("before"), 0);
    CHECK_EQ(count_ctx_mappings(), 1);
    CHECK_EQ(otelctx_process_external(), 0);
    CHECK_EQ(count_ctx_mappings(), 0);
    CHECK_EQ(otelctx_key_index("after"), 1);
    CHECK_EQ(count_ctx_mappings(), 0);
}

static void too_big(void)
{
    static char value[70000];
    char name[256];
    const otelctx_kv big[] = {{"service.name", value}};

    CHECK_EQ(otelctx_key_index("first"), 0);
    const struct header *h = find_process_ctx();
    CHECK(h != NULL);
    struct header before = *h;
    memset(value, 'v', sizeof(value) - 1);
    CHECK_EQ(otelctx_process_publish(big, 1), -E2BIG);
    CHECK(memcmp(h, &before, sizeof(before)) == 0);

    /* Keys of 255 bytes: the key map itself reaches the cap before 256 keys. */
    int index = 0;
    memset(name, 'k', 255);
    name[255] = '\0';
    for (int i = 1; index >= 0 && i < 256; i++) {
        snprintf(name, 8, "%07d", i);
        name[7] = 'k';
        index = otelctx_key_index(name);
    }
    CHECK_EQ(index, -E2BIG);
    size_t n = otelctx_key_map(NULL);
    CHECK(n > 200 && n < 256);
    before = *h;
    CHECK(h->payload_size <= 65536);
    CHECK_EQ(otelctx_key_index(name), -E2BIG);     /* still not registered */
    CHECK_EQ(otelctx_key_map(NULL), n);
    CHECK(memcmp(h, &before, sizeof(before)) == 0);
}

static const struct forked_case cases[] = {
    {"auto_by_key", auto_by_key},
    {"auto_by_record_new", auto_by_record_new},
    {"auto_by_record_init", auto_by_record_init},
    {"auto_by_own_record", auto_by_own_record},
    {"foreign_memfd", foreign_memfd},
    {"foreign_anon", foreign_anon},
    {"foreign_anon_shmem", foreign_anon_shmem},
    {"external", external},
    {"external_after_auto", external_after_auto},
    {"too_big", too_big},
};

int main(void)
{
    int failed = 0;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int status = forked_case_run(&cases[i]);
        if (status == KERNEL_CANNOT_NAME) {
            printf("n/a  %s: this kernel cannot name anonymous mappings\n", cases[i].name);
            continue;
        }
        int ok = status == 0;
        printf("%s %s\n", ok ? "ok  " : "FAIL", cases[i].name);
        failed |= !ok;
    }
    return failed;
}
