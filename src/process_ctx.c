/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process context of OTEP 4719: a 32-byte header in a mapping named
 * OTEL_CTX, pointing at a protobuf payload in this process's heap. Readers
 * in other processes read it concurrently, so unlike the thread records this
 * needs real memory barriers, and the timestamp is the seqlock: 0 while the
 * header changes, a new larger value once it is consistent again.
 *
 * One process context per process (OTEP 4719): otelctx never maps a second
 * one next to another SDK's, and in external mode maps none at all. Readers
 * only look for thread contexts once they find threadlocal.schema_version, so
 * the first key or record publishes a context without resource ("auto"),
 * which otelctx_process_publish() later updates in place.
 *
 * fork: the mapping is not inherited (MADV_DONTFORK), the key map and the
 * published resource are (a pre-fork worker is the same service). The child
 * publishes its own context, with both, lazily at its first key lookup,
 * record creation or publish: at fork time it would have to allocate, and the
 * child of a multithreaded parent may only call async-signal-safe functions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "copies.h"
#include "key_map.h"
#include "otelctx.h"
#include "process_ctx.h"
#include "protobuf.h"
#include "utf8.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#define MAPPING_NAME "OTEL_CTX"
#define HEADER_VERSION 2
#define MAX_PAYLOAD 65536 /* the eBPF profiler drops anything larger */

struct process_header {
    char signature[8];
    uint32_t version;
    uint32_t payload_size;
    uint64_t published_at_ns;
    uint64_t payload;
};
_Static_assert(sizeof(struct process_header) == 32, "OTEP 4719 header is 32 bytes");

static struct {
    struct process_header *header; /* NULL: not published */
    pid_t owner;                   /* the process that mapped header */
    size_t mapping_len;
    int named;                     /* 1 when memfd or prctl gave the name */
    uint8_t *payload;
    uint64_t published_at_ns;
    otelctx_kv *resource;          /* deep copy, for republishing */
    size_t n_resource;
    const struct otelctx_copy *publisher; /* the copy that published resource */
    int external;                  /* otelctx_process_external() was called */
    int withdrawn;                 /* otelctx_process_unpublish() since the last publish */
} ctx;

/* Set once the automatic publication was tried (or made moot by an explicit
 * publish, unpublish or external mode), cleared in a forked child that has
 * to publish its own: the records' and keys' check is one load. */
static atomic_int settled;

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* ---- payload -------------------------------------------------------------- */

static int build_payload(const otelctx_kv *resource, size_t n_resource,
                         uint8_t **out, size_t *len)
{
    size_t n_keys;
    const char *const *keys = otelctx__key_map(&n_keys);
    size_t size = otelctx__encode_process_ctx(NULL, resource, n_resource, keys, n_keys);

    if (size > MAX_PAYLOAD)
        return -E2BIG;
    *out = malloc(size); /* never 0: the schema version is always there */
    if (*out == NULL)
        return -ENOMEM;
    otelctx__encode_process_ctx(*out, resource, n_resource, keys, n_keys);
    *len = size;
    return 0;
}

/* One block, freed with one free(): the array, then every string. */
static int copy_resource(const otelctx_kv *resource, size_t n, otelctx_kv **out)
{
    size_t bytes = n * sizeof(otelctx_kv);
    for (size_t i = 0; i < n; i++)
        bytes += strlen(resource[i].key) + strlen(resource[i].value) + 2;

    otelctx_kv *copy = malloc(bytes > 0 ? bytes : 1); /* NULL must mean failure */
    if (copy == NULL)
        return -ENOMEM;
    char *strings = (char *)(copy + n);
    for (size_t i = 0; i < n; i++) {
        size_t klen = strlen(resource[i].key) + 1, vlen = strlen(resource[i].value) + 1;
        copy[i].key = memcpy(strings, resource[i].key, klen);
        copy[i].value = memcpy(strings + klen, resource[i].value, vlen);
        strings += klen + vlen;
    }
    *out = copy;
    return 0;
}

static int is_utf8(const char *s)
{
    return otelctx__utf8_valid((const uint8_t *)s, strlen(s));
}

/* Keys and values go into protobuf string fields: a strict proto3 decoder
 * rejects the whole payload for one that is not UTF-8. */
static int check_resource(const otelctx_kv *resource, size_t n)
{
    if (resource == NULL && n > 0)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (resource[i].key == NULL || resource[i].value == NULL)
            return -EINVAL;
        if (!is_utf8(resource[i].key) || !is_utf8(resource[i].value))
            return -EINVAL;
        for (size_t j = 0; j < i; j++)
            if (strcmp(resource[i].key, resource[j].key) == 0)
                return -EINVAL;
    }
    return 0;
}

/* ---- header --------------------------------------------------------------- */

/* CLOCK_BOOTTIME, but strictly larger than the last value published. */
static uint64_t next_timestamp(void)
{
    struct timespec ts;
    uint64_t now = 0;
    if (clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
        now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (now <= ctx.published_at_ns)
        now = ctx.published_at_ns + 1;
    ctx.published_at_ns = now;
    return now;
}

/* The kernel drops the name of an anonymous mapping's VMA when it splits or
 * merges, so the name is re-issued on every update. */
static int name_mapping(void)
{
    return prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)ctx.header,
                 ctx.mapping_len, (unsigned long)MAPPING_NAME) == 0;
}

static void *map_header(size_t len, int *named)
{
    int fd = memfd_create(MAPPING_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
    if (fd < 0 && errno == EINVAL) /* kernels before 6.3 refuse MFD_NOEXEC_SEAL */
        fd = memfd_create(MAPPING_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd >= 0) {
        void *addr = MAP_FAILED;
        if (ftruncate(fd, (off_t)len) == 0)
            addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        close(fd);
        if (addr != MAP_FAILED) {
            *named = 1; /* /memfd:OTEL_CTX */
            return addr;
        }
    }
    *named = 0;
    void *addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return addr == MAP_FAILED ? NULL : addr;
}

static void unmap_header(void)
{
    munmap(ctx.header, ctx.mapping_len);
    ctx.header = NULL;
}

static void forget_published(void)
{
    free(ctx.payload);
    free(ctx.resource);
    ctx.payload = NULL;
    ctx.resource = NULL;
    ctx.n_resource = 0;
    ctx.publisher = NULL;
}

/* Whether another copy of otelctx published the resource now published. */
static int resource_of_another(const struct otelctx_copy *caller)
{
    return ctx.resource != NULL && ctx.publisher != caller;
}

/* fork: the lock is held across it, so the child gets the key map and the
 * context in a consistent state. The child has no mapping and must not
 * think it has; it keeps the resource and the payload (freed by its first
 * publish), so that nothing here allocates or frees. External mode and an
 * unpublish stand. */
static void atfork_prepare(void) { pthread_mutex_lock(&otelctx__registry_lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&otelctx__registry_lock); }
static void atfork_child(void)
{
    ctx.header = NULL;
    atomic_store(&settled, ctx.external || ctx.withdrawn);
    pthread_mutex_unlock(&otelctx__registry_lock);
}

static void register_atfork(void)
{
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* A child made without the fork handlers (_Fork, a raw clone) still holds
 * the parent's header, in memory it does not have (MADV_DONTFORK) and that
 * may hold another mapping since: the pid tells. Asked with the lock held
 * before the header is written or unmapped, which is rare enough for a
 * system call. */
static void drop_parents_header(void)
{
    if (ctx.header != NULL && ctx.owner != getpid())
        ctx.header = NULL;
}

/* Whether one /proc/self/maps line (no newline) names an OTEL_CTX mapping
 * exactly as a reader accepts it. The name follows five fields. */
static int names_ctx_mapping(const char *line, size_t len)
{
    static const char *const names[] = {"/memfd:" MAPPING_NAME, "/memfd:" MAPPING_NAME " (deleted)",
                                        "[anon_shmem:" MAPPING_NAME "]", "[anon:" MAPPING_NAME "]"};
    size_t at = 0;

    for (int field = 0; field < 5; field++) {
        while (at < len && line[at] == ' ')
            at++;
        while (at < len && line[at] != ' ')
            at++;
    }
    while (at < len && line[at] == ' ')
        at++;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (len - at == strlen(names[i]) && memcmp(line + at, names[i], len - at) == 0)
            return 1;
    return 0;
}

/* An OTEL_CTX mapping made by someone else (only asked while otelctx has
 * none of its own). Plain read(): no stdio allocation inside the library. */
static int foreign_mapping_exists(void)
{
    char buf[4096];
    size_t kept = 0;
    int found = 0, fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

    while (fd >= 0 && !found) {
        ssize_t n = read(fd, buf + kept, sizeof(buf) - kept);
        if (n <= 0)
            break;
        size_t end = kept + (size_t)n, from = 0;
        for (size_t i = 0; i < end && !found; i++) {
            if (buf[i] == '\n') {
                found = names_ctx_mapping(buf + from, i - from);
                from = i + 1;
            }
        }
        /* A partial last line moves to the front; one longer than the
         * buffer (a very long path) cannot be an OTEL_CTX name: dropped. */
        kept = end - from < sizeof(buf) ? end - from : 0;
        memmove(buf, buf + from, kept);
    }
    if (fd >= 0)
        close(fd);
    return found;
}

static int create_mapping(uint8_t *payload, size_t len)
{
    if (foreign_mapping_exists())
        return -EEXIST;
    long page = sysconf(_SC_PAGESIZE);
    ctx.mapping_len = page > 0 ? (size_t)page : 4096;
    ctx.header = map_header(ctx.mapping_len, &ctx.named);
    if (ctx.header == NULL)
        return -ENOMEM;
    ctx.owner = getpid();
    if (madvise(ctx.header, ctx.mapping_len, MADV_DONTFORK) != 0) {
        unmap_header();
        return -errno;
    }
    memcpy(ctx.header->signature, "OTEL_CTX", 8);
    ctx.header->version = HEADER_VERSION;
    ctx.header->payload_size = (uint32_t)len;
    ctx.header->payload = (uint64_t)(uintptr_t)payload;
    /* A reader that sees the timestamp must see every field above. */
    atomic_thread_fence(memory_order_seq_cst);
    __atomic_store_n(&ctx.header->published_at_ns, next_timestamp(), __ATOMIC_RELAXED);
    if (!name_mapping() && !ctx.named) {
        unmap_header(); /* no name at all: no reader could find it */
        return -ENOTSUP;
    }
    return 0;
}

static void update_mapping(uint8_t *payload, size_t len)
{
    /* Timestamp 0 first: readers retry instead of mixing old and new. */
    __atomic_store_n(&ctx.header->published_at_ns, 0, __ATOMIC_RELAXED);
    atomic_thread_fence(memory_order_seq_cst);
    __atomic_store_n(&ctx.header->payload, (uint64_t)(uintptr_t)payload, __ATOMIC_RELAXED);
    __atomic_store_n(&ctx.header->payload_size, (uint32_t)len, __ATOMIC_RELAXED);
    atomic_thread_fence(memory_order_seq_cst);
    __atomic_store_n(&ctx.header->published_at_ns, next_timestamp(), __ATOMIC_RELAXED);
    name_mapping();
}

/* Builds the payload first; on failure nothing published changes. */
static int publish_locked(otelctx_kv *resource, size_t n_resource)
{
    uint8_t *payload;
    size_t len;
    int err = build_payload(resource, n_resource, &payload, &len);
    if (err < 0)
        return err;

    drop_parents_header();
    if (ctx.header == NULL) {
        err = create_mapping(payload, len);
        if (err < 0) {
            free(payload);
            return err;
        }
    } else {
        update_mapping(payload, len);
    }
    /* A reader still copying the old payload sees the timestamp change and
     * retries, so the old buffer can go now. */
    free(ctx.payload);
    ctx.payload = payload;
    if (ctx.resource != resource) {
        free(ctx.resource);
        ctx.resource = resource;
        ctx.n_resource = n_resource;
    }
    return 0;
}

/* With the lock held: the automatic publication, tried once (and once more
 * in a forked child, with the resource it inherited). Its failure (another
 * SDK's mapping, no memory) leaves keys and records working. */
static void settle_locked(void)
{
    if (atomic_load_explicit(&settled, memory_order_relaxed))
        return;
    pthread_once(&atfork_once, register_atfork);
    if (!ctx.external && ctx.header == NULL)
        publish_locked(ctx.resource, ctx.n_resource);
    atomic_store_explicit(&settled, 1, memory_order_release);
}

void otelctx__process_ensure_here(void)
{
    if (atomic_load_explicit(&settled, memory_order_acquire))
        return;
    pthread_mutex_lock(&otelctx__registry_lock);
    settle_locked();
    pthread_mutex_unlock(&otelctx__registry_lock);
}

int otelctx__process_republish(void)
{
    if (ctx.header == NULL) {
        settle_locked();
        return 0;
    }
    return publish_locked(ctx.resource, ctx.n_resource);
}

int otelctx__process_publish_here(const struct otelctx_copy *caller,
                                  const otelctx_kv *resource, size_t n_resource)
{
    int err = check_resource(resource, n_resource);
    if (err < 0)
        return err;
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&otelctx__registry_lock);
    /* Copied under the lock, which the fork handler takes too: a child never
     * inherits a copy in flight that none of its threads owns. */
    otelctx_kv *copy;
    err = copy_resource(resource, n_resource, &copy);
    if (err == 0) {
        err = ctx.external || resource_of_another(caller) ? -EEXIST
                                                          : publish_locked(copy, n_resource);
        if (err == 0) {
            ctx.withdrawn = 0;
            ctx.publisher = caller;
        } else {
            free(copy);
        }
        atomic_store(&settled, 1);
    }
    pthread_mutex_unlock(&otelctx__registry_lock);
    return err;
}

int otelctx__process_unpublish_here(const struct otelctx_copy *caller)
{
    int err = -ENOENT;

    pthread_mutex_lock(&otelctx__registry_lock);
    if (resource_of_another(caller)) {
        pthread_mutex_unlock(&otelctx__registry_lock);
        return -EPERM;
    }
    drop_parents_header();
    if (ctx.header != NULL) {
        unmap_header();
        err = 0;
    }
    /* Also what a forked child inherited and has not published yet. */
    forget_published();
    ctx.withdrawn = 1;
    atomic_store(&settled, 1);
    pthread_mutex_unlock(&otelctx__registry_lock);
    return err;
}

const char *otelctx_schema_version(void)
{
    return OTELCTX_SCHEMA_VERSION;
}

int otelctx__process_external_here(const struct otelctx_copy *caller)
{
    pthread_mutex_lock(&otelctx__registry_lock);
    if (resource_of_another(caller)) {
        pthread_mutex_unlock(&otelctx__registry_lock);
        return -EPERM;
    }
    ctx.external = 1;
    drop_parents_header();
    if (ctx.header != NULL)
        unmap_header();
    forget_published();
    atomic_store(&settled, 1);
    pthread_mutex_unlock(&otelctx__registry_lock);
    return 0;
}

/* ---- every copy's entry points: the owner's state (src/copies.h) ---------- */

void otelctx__process_ensure(void)
{
    otelctx__owner()->ops->process_ensure();
}

int otelctx_process_publish(const otelctx_kv *resource, size_t n_resource)
{
    return otelctx__owner()->ops->process_publish(&otelctx__copy, resource, n_resource);
}

int otelctx_process_unpublish(void)
{
    return otelctx__owner()->ops->process_unpublish(&otelctx__copy);
}

int otelctx_process_external(void)
{
    return otelctx__owner()->ops->process_external(&otelctx__copy);
}
