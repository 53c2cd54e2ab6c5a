/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Class "terminal escapes": everything a reader prints comes from here with
 * ESC sequences, BEL, DEL, C1 controls (U+009B, a lone 0x9b) and invalid
 * UTF-8 in it:
 *   - comm (PR_SET_NAME);
 *   - the slot object's path: LIBRARY is copied to such a name in DIR and
 *     dlopened (the slot object is printed by its path);
 *   - a second mapping whose path mentions OTEL_CTX (--strict names it);
 *   - the process context: PAYLOAD (resource keys and values, schema, key
 *     names), published by hand, the library in external mode;
 *   - the record's attribute values (valid UTF-8 with controls: what the
 *     library accepts).
 *   hostile_escapes LIBRARY DIR PAYLOAD
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <otelctx.h>

#include "raw_ctx.h"

#define HOSTILE_BYTES "\x1b[31m\xc2\x9b\x9b\xff\x07\x7f"

static void copy(const char *from, const char *to)
{
    struct stat st;
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0755);
    if (in < 0 || out < 0 || fstat(in, &st) != 0 ||
        sendfile(out, in, NULL, (size_t)st.st_size) != st.st_size)
        hostile_die(to);
    close(in);
    close(out);
}

static void map_named_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
    if (fd < 0 || ftruncate(fd, 4096) != 0 ||
        mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
        hostile_die(path);
    close(fd);
}

/* Stores the address of name into *function (POSIX's way from void * to
 * a function pointer). */
static void symbol(void *library, const char *name, void *function)
{
    void *found = dlsym(library, name);
    if (found == NULL) {
        fprintf(stderr, "hostile target: %s: %s\n", name, dlerror());
        exit(1);
    }
    memcpy(function, &found, sizeof(found));
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: hostile_escapes LIBRARY DIR PAYLOAD\n");
        return 2;
    }
    char library_copy[4096], ctx_file[4096];
    snprintf(library_copy, sizeof(library_copy), "%s/lib" HOSTILE_BYTES ".so", argv[2]);
    snprintf(ctx_file, sizeof(ctx_file), "%s/OTEL_CTX" HOSTILE_BYTES, argv[2]);
    copy(argv[1], library_copy);
    map_named_file(ctx_file);
    if (prctl(PR_SET_NAME, "\x1b[31m\xc2\x9b\xff\x07!", 0, 0, 0) != 0)
        hostile_die("PR_SET_NAME");

    void *library = dlopen(library_copy, RTLD_NOW);
    if (library == NULL) {
        fprintf(stderr, "hostile target: dlopen: %s\n", dlerror());
        return 1;
    }
    int (*external)(void);
    int (*update)(const uint8_t *, const uint8_t *, uint8_t, const otelctx_attr *, size_t);
    symbol(library, "otelctx_process_external", &external);
    symbol(library, "otelctx_update", &update);
    external();

    size_t size;
    const uint8_t *payload = raw_ctx_slurp(argv[3], &size);
    raw_ctx_publish((uint32_t)size, (uint64_t)(uintptr_t)payload);

    static const uint8_t trace[16] = {0xaa, 5}, span[8] = {0xbb, 5};
    static const char value0[] = "v\x1b[31m\xc2\x9b", value1[] = "\x07" "bell\x1b]0;t\x07",
                      value2[] = "\x7f" "del";
    const otelctx_attr attrs[] = {
        {.key = 0, .value = value0, .len = sizeof(value0) - 1},
        {.key = 1, .value = value1, .len = sizeof(value1) - 1},
        {.key = 2, .value = value2, .len = sizeof(value2) - 1},
    };
    if (update(trace, span, 1, attrs, 3) != 0)
        hostile_die("otelctx_update");
    hostile_ready_and_wait();
}
