/* SPDX-License-Identifier: Apache-2.0 */
#include "tls.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "thread_db_reader.h"
#include "tls_access.h"

/* How this process's TLS is resolved. */
static enum { BY_THREAD_DB, BY_MUSL_DESCRIPTOR, BY_STATIC_OFFSET } how;

/* The executable's loaded object, or NULL. */
static const struct loaded_object *executable(const struct target *t)
{
    for (size_t i = 0; i < t->n_objects; i++)
        if (t->objects[i].is_executable)
            return &t->objects[i];
    return NULL;
}

int tls_open(const struct target *t, char *why, size_t why_len)
{
    char refused[128];

    /* No dynamic linker (-static-pie): every TLS block is the executable's,
     * at an offset from the thread pointer the linker fixed. Any libc. */
    const struct loaded_object *exe = executable(t);
    if (exe != NULL && !exe->elf.has_interp) {
        how = BY_STATIC_OFFSET;
        return 0;
    }
    how = BY_THREAD_DB;
    if (thread_db_open(t, refused, sizeof(refused)) == 0)
        return 0;
#if defined(__x86_64__)
    if (tls_access_is_musl(t)) {
        how = BY_MUSL_DESCRIPTOR;
        return 0;
    }
#endif
    snprintf(why, why_len, "cannot resolve the TLS of process %d: %s, and it is not a musl "
             "process on x86-64", (int)t->pid, refused);
    return -1;
}

/* The dynamic linker's list of loaded objects, read once per reading: the
 * load bias and link_map of each, at most LINK_MAPS_MAX. */
enum { LINK_MAPS_MAX = 4096 };
static struct link_map_entry {
    uint64_t l_addr, map;
} *link_maps;
static size_t n_link_maps;
static int link_maps_read;

void tls_close(void)
{
    thread_db_close();
    free(link_maps);
    link_maps = NULL;
    n_link_maps = 0;
    link_maps_read = 0;
}

/* The address of the debugger's view of the loaded objects: glibc's
 * _r_debug, or what musl's _dl_debug_addr points at (its struct debug has
 * the same head: version, then the list). 0 when there is none. */
static uint64_t debug_list(const struct target *t)
{
    uint64_t r_debug = target_symbol(t, "_r_debug"), musl = target_symbol(t, "_dl_debug_addr");

    if (r_debug == 0 && musl != 0 && target_read(t, musl, &r_debug, sizeof(r_debug)) != 0)
        r_debug = 0;
    return r_debug;
}

/* From struct r_debug { int r_version; struct link_map *r_map; ... } and
 * the public head of struct link_map { l_addr, l_name, l_ld, l_next, ... }
 * (musl's struct dso begins the same way: base, name, dynv, next). */
static void read_link_maps(const struct target *t)
{
    uint64_t r_debug = debug_list(t), map = 0;

    link_maps_read = 1;
    link_maps = malloc(LINK_MAPS_MAX * sizeof(*link_maps));
    if (link_maps == NULL || r_debug == 0 || target_read(t, r_debug + 8, &map, sizeof(map)) != 0)
        return;
    while (map != 0 && n_link_maps < LINK_MAPS_MAX) {
        uint64_t head[4];
        if (target_read(t, map, head, sizeof(head)) != 0)
            return;
        link_maps[n_link_maps++] = (struct link_map_entry){head[0], map};
        map = head[3];
    }
}

/* The link_map of a loaded object, or 0 when the dynamic linker does not
 * list an object at its load bias. */
static uint64_t link_map_of(const struct target *t, const struct loaded_object *object)
{
    if (!link_maps_read)
        read_link_maps(t);
    for (size_t i = 0; i < n_link_maps; i++)
        if (link_maps[i].l_addr == object->base)
            return link_maps[i].map;
    return 0;
}

/* The GOT pair of the object's TLSDESC relocation against the slot. */
static uint64_t descriptor_of(const struct loaded_object *object)
{
    const struct otelctx_elf_view *v = &object->elf.view;
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; v->rela[t] != NULL && i < v->rela_count[t]; i++) {
            const Elf64_Rela *r = &v->rela[t][i];
            const char *name;
            if (ELF64_R_SYM(r->r_info) == v->slot_index &&
                otelctx__tls_access(v->machine, ELF64_R_TYPE(r->r_info), &name) == OTELCTX_TLS_DESC)
                return object->base + r->r_offset;
        }
    }
    return 0;
}

int tls_locate(const struct target *t, const struct loaded_object *object,
               struct slot_location *loc, char *why, size_t why_len)
{
    loc->offset = object->elf.slot->st_value;
    if (how == BY_STATIC_OFFSET) {
        if (!object->is_executable) {
            snprintf(why, why_len, "%s: exports " OTELCTX_SLOT_NAME " but is not loaded by the "
                     "dynamic linker (the process has none)", object->path);
            return 1;
        }
        int64_t tp_offset;
        if (tls_access_local_exec(&object->elf, loc->offset, &tp_offset) == 0) {
            loc->tp_offset = (uint64_t)tp_offset;
            return 0;
        }
        snprintf(why, why_len, "%s: " OTELCTX_SLOT_NAME " lies outside the executable's TLS "
                 "segment", object->path);
        return -1;
    }
    if (how == BY_THREAD_DB) {
        loc->link_map = link_map_of(t, object);
        if (loc->link_map != 0) {
            /* An executable without a relocation (local-exec) reaches its
             * own block: libthread_db's answer. Where the relocation cannot
             * be followed (aarch64, a lazy descriptor), libthread_db's too. */
            char ignored[512];
            loc->by_relocation = tls_access_locate(t, object, &loc->access, ignored,
                                                   sizeof(ignored)) == 0 &&
                                 loc->access.model != TLS_MODEL_LOCAL_EXEC;
            return 0;
        }
        snprintf(why, why_len, "%s: exports " OTELCTX_SLOT_NAME " but is not loaded by the "
                 "dynamic linker", object->path);
        return 1;
    }
    if (object->is_executable)
        return 0; /* the executable's own TLS is module 1: no descriptor needed */
    /* A list that cannot be read (none found) judges nothing. */
    if (link_map_of(t, object) == 0 && n_link_maps > 0) {
        snprintf(why, why_len, "%s: exports " OTELCTX_SLOT_NAME " but is not loaded by the "
                 "dynamic linker", object->path);
        return 1;
    }
    loc->descriptor = descriptor_of(object);
    if (loc->descriptor != 0)
        return 0;
    snprintf(why, why_len, "%s: on musl a library's slot is located through its TLSDESC "
             "relocation, and it has none", object->path);
    return -1;
}

/* The thread pointer of a ptrace-stopped thread. */
static int thread_pointer(pid_t tid, uint64_t *tp)
{
#if defined(__x86_64__)
    struct user_regs_struct regs;
    struct iovec iov = {&regs, sizeof(regs)};
    if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) != 0)
        return -1;
    *tp = regs.fs_base;
#else
    struct iovec iov = {tp, sizeof(*tp)};
    if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_TLS, &iov) != 0)
        return -1;
#endif
    return 0;
}

#if defined(__x86_64__)
/*
 * musl's x86-64 TLSDESC resolvers: __tlsdesc_static returns the argument, a
 * negative offset from the thread pointer; __tlsdesc_dynamic takes a pointer
 * to {module id, offset} and returns dtv[id] + offset, the DTV (8-byte
 * entries) being at thread pointer + 8. The executable (no descriptor: its
 * accesses were relaxed at link time) is module 1.
 */
static int musl_address(const struct target *t, pid_t tid, const struct slot_location *loc,
                        uint64_t *address)
{
    uint64_t tp, pair[2], dtv, block, index[2];

    if (thread_pointer(tid, &tp) != 0)
        return -1;
    if (loc->descriptor == 0) {
        index[0] = 1;
        index[1] = loc->offset;
    } else {
        if (target_read(t, loc->descriptor, pair, sizeof(pair)) != 0)
            return -1;
        if ((int64_t)pair[1] < 0) {
            *address = tp + pair[1];
            return 0;
        }
        if (target_read(t, pair[1], index, sizeof(index)) != 0)
            return -1;
    }
    if (target_read(t, tp + 8, &dtv, sizeof(dtv)) != 0 ||
        target_read(t, dtv + 8 * index[0], &block, sizeof(block)) != 0)
        return -1;
    if (block == 0)
        return 1;
    *address = block + index[1];
    return 0;
}
#endif

int tls_address(const struct target *t, pid_t tid, const struct slot_location *loc,
                uint64_t *address, char *why, size_t why_len)
{
    if (how == BY_STATIC_OFFSET) {
        uint64_t tp;
        if (thread_pointer(tid, &tp) != 0) {
            snprintf(why, why_len, "cannot read the thread pointer of thread %d", (int)tid);
            return -1;
        }
        *address = tp + loc->tp_offset;
        return 0;
    }
#if defined(__x86_64__)
    if (how == BY_MUSL_DESCRIPTOR) {
        int ret = musl_address(t, tid, loc, address);
        if (ret < 0)
            snprintf(why, why_len, "cannot read the TLS descriptor of thread %d", (int)tid);
        return ret;
    }
#else
    (void)t; /* musl is read on x86-64 only */
#endif
    if (loc->by_relocation) {
        uint64_t tp;
        int ret = thread_pointer(tid, &tp) == 0
                      ? tls_access_address(t, &loc->access, tp, address, why, why_len) : -1;
        if (ret >= 0)
            return ret;
    }
    return thread_db_tls_address(tid, loc->link_map, loc->offset, address, why, why_len);
}
