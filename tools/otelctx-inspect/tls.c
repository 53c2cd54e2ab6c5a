/* SPDX-License-Identifier: Apache-2.0 */
#include "tls.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "thread_db.h"

static int musl;

#if defined(__x86_64__)
/* musl's libc is its dynamic linker too: ld-musl-ARCH.so.1, or a
 * distribution's path to it such as /usr/lib/x86_64-linux-musl/libc.so. */
static int is_musl(const struct target *t)
{
    for (size_t i = 0; i < t->n_objects; i++)
        if (strstr(t->objects[i].path, "musl") != NULL &&
            elf_file_symbol(&t->objects[i].elf, "__libc_start_main") != NULL)
            return 1;
    return 0;
}
#endif

int tls_open(const struct target *t, char *why, size_t why_len)
{
    char refused[128];

    musl = 0;
    if (thread_db_open(t, refused, sizeof(refused)) == 0)
        return 0;
#if defined(__x86_64__)
    if (is_musl(t)) {
        musl = 1;
        return 0;
    }
#endif
    snprintf(why, why_len, "cannot resolve the TLS of process %d: %s, and it is not a musl "
             "process on x86-64", (int)t->pid, refused);
    return -1;
}

void tls_close(void)
{
    thread_db_close();
}

/* The link_map of a loaded object, from the dynamic linker's r_debug list. */
static uint64_t link_map_of(const struct target *t, const struct loaded_object *object)
{
    uint64_t r_debug = target_symbol(t, "_r_debug"), map = 0;

    /* struct r_debug { int r_version; struct link_map *r_map; ... } and the
     * public head of struct link_map { l_addr, l_name, l_ld, l_next, ... }. */
    if (r_debug == 0 || target_read(t, r_debug + 8, &map, sizeof(map)) != 0)
        return 0;
    for (int guard = 0; map != 0 && guard < 4096; guard++) {
        uint64_t head[4];
        if (target_read(t, map, head, sizeof(head)) != 0)
            return 0;
        if (head[0] == object->base)
            return map;
        map = head[3];
    }
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
    loc->offset = object->elf.view.slot->st_value;
    if (!musl) {
        loc->link_map = link_map_of(t, object);
        if (loc->link_map != 0)
            return 0;
        snprintf(why, why_len, "%s is not in the dynamic linker's list", object->path);
        return -1;
    }
    loc->descriptor = descriptor_of(object);
    if (loc->descriptor != 0 || strcmp(object->path, t->exe) == 0)
        return 0; /* the executable's own TLS is module 1: no descriptor needed */
    snprintf(why, why_len, "%s: on musl a library's slot is located through its TLSDESC "
             "relocation, and it has none", object->path);
    return -1;
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
    struct user_regs_struct regs;
    struct iovec iov = {&regs, sizeof(regs)};
    uint64_t pair[2], dtv, block, index[2];

    if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) != 0)
        return -1;
    if (loc->descriptor == 0) {
        index[0] = 1;
        index[1] = loc->offset;
    } else {
        if (target_read(t, loc->descriptor, pair, sizeof(pair)) != 0)
            return -1;
        if ((int64_t)pair[1] < 0) {
            *address = regs.fs_base + pair[1];
            return 0;
        }
        if (target_read(t, pair[1], index, sizeof(index)) != 0)
            return -1;
    }
    if (target_read(t, regs.fs_base + 8, &dtv, sizeof(dtv)) != 0 ||
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
#if defined(__x86_64__)
    if (musl) {
        int ret = musl_address(t, tid, loc, address);
        if (ret < 0)
            snprintf(why, why_len, "cannot read the TLS descriptor of thread %d", (int)tid);
        return ret;
    }
#else
    (void)t; /* musl is read on x86-64 only */
#endif
    return thread_db_tls_address(tid, loc->link_map, loc->offset, address, why, why_len);
}
