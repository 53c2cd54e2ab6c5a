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

/* How this process's TLS is resolved. */
static enum { BY_THREAD_DB, BY_MUSL_DESCRIPTOR, BY_STATIC_OFFSET } how;

/* The executable's loaded object, or NULL. */
static const struct loaded_object *executable(const struct target *t)
{
    for (size_t i = 0; i < t->n_objects; i++)
        if (strcmp(t->objects[i].path, t->exe) == 0)
            return &t->objects[i];
    return NULL;
}

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
    if (is_musl(t)) {
        how = BY_MUSL_DESCRIPTOR;
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

/*
 * The local-exec offset of the executable's TLS symbol at st_value, as the
 * linker computed it (and so as every libc must lay the block out): below
 * the thread pointer on x86-64 (variant II), above its 16-byte TCB on
 * aarch64 (variant I).
 */
static int64_t static_tp_offset(const Elf64_Phdr *tls, uint64_t st_value)
{
    uint64_t align = tls->p_align > 1 ? tls->p_align : 1;
#if defined(__x86_64__)
    uint64_t first_byte = -tls->p_vaddr & (align - 1);
    uint64_t block = (tls->p_memsz - first_byte + align - 1) / align * align + first_byte;
    return (int64_t)st_value - (int64_t)block;
#else
    return (int64_t)((16 + align - 1) / align * align + st_value);
#endif
}

int tls_locate(const struct target *t, const struct loaded_object *object,
               struct slot_location *loc, char *why, size_t why_len)
{
    loc->offset = object->elf.view.slot->st_value;
    if (how == BY_STATIC_OFFSET) {
        if (object->elf.tls != NULL && strcmp(object->path, t->exe) == 0) {
            loc->tp_offset = static_tp_offset(object->elf.tls, loc->offset);
            return 0;
        }
        snprintf(why, why_len, "%s: in a process without dynamic linker only the executable's "
                 "slot can be located", object->path);
        return -1;
    }
    if (how == BY_THREAD_DB) {
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
        *address = tp + (uint64_t)loc->tp_offset;
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
    return thread_db_tls_address(tid, loc->link_map, loc->offset, address, why, why_len);
}
