/* SPDX-License-Identifier: Apache-2.0 */
#include "tls.h"

#include <elf.h>
#include <errno.h>
#include <proc_service.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <thread_db.h>

struct ps_prochandle {
    const struct target *target;
};

static struct ps_prochandle handle;
static td_thragent_t *agent;
static int musl;

/* ---- proc_service: what libthread_db asks of its host ------------------ */

ps_err_e ps_pdread(struct ps_prochandle *ph, psaddr_t addr, void *buf, size_t len)
{
    return target_read(ph->target, (uint64_t)(uintptr_t)addr, buf, len) == 0 ? PS_OK : PS_ERR;
}

ps_err_e ps_ptread(struct ps_prochandle *ph, psaddr_t addr, void *buf, size_t len)
{
    return ps_pdread(ph, addr, buf, len);
}

/* A reader never writes into the process. */
ps_err_e ps_pdwrite(struct ps_prochandle *ph, psaddr_t addr, const void *buf, size_t len)
{
    (void)ph, (void)addr, (void)buf, (void)len;
    return PS_ERR;
}

ps_err_e ps_ptwrite(struct ps_prochandle *ph, psaddr_t addr, const void *buf, size_t len)
{
    (void)ph, (void)addr, (void)buf, (void)len;
    return PS_ERR;
}

ps_err_e ps_lgetregs(struct ps_prochandle *ph, lwpid_t lwp, prgregset_t regs)
{
    struct iovec iov = {regs, sizeof(prgregset_t)};
    (void)ph;
    return ptrace(PTRACE_GETREGSET, lwp, (void *)NT_PRSTATUS, &iov) == 0 ? PS_OK : PS_ERR;
}

ps_err_e ps_lsetregs(struct ps_prochandle *ph, lwpid_t lwp, const prgregset_t regs)
{
    (void)ph, (void)lwp, (void)regs;
    return PS_ERR;
}

ps_err_e ps_lgetfpregs(struct ps_prochandle *ph, lwpid_t lwp, prfpregset_t *regs)
{
    (void)ph, (void)lwp, (void)regs;
    return PS_NOFREGS;
}

ps_err_e ps_lsetfpregs(struct ps_prochandle *ph, lwpid_t lwp, const prfpregset_t *regs)
{
    (void)ph, (void)lwp, (void)regs;
    return PS_ERR;
}

pid_t ps_getpid(struct ps_prochandle *ph)
{
    return ph->target->pid;
}

/* The thread pointer, as libthread_db wants it for this architecture. */
ps_err_e ps_get_thread_area(struct ps_prochandle *ph, lwpid_t lwp, int idx, psaddr_t *base)
{
    (void)ph;
#if defined(__x86_64__)
    struct user_regs_struct regs;
    struct iovec iov = {&regs, sizeof(regs)};
    if (idx != 25 /* FS */ || ptrace(PTRACE_GETREGSET, lwp, (void *)NT_PRSTATUS, &iov) != 0)
        return PS_ERR;
    *base = (psaddr_t)(uintptr_t)regs.fs_base;
#elif defined(__aarch64__)
    uint64_t tpidr;
    struct iovec iov = {&tpidr, sizeof(tpidr)};
    if (ptrace(PTRACE_GETREGSET, lwp, (void *)NT_ARM_TLS, &iov) != 0)
        return PS_ERR;
    *base = (psaddr_t)(uintptr_t)(tpidr - (uint64_t)idx); /* gdb does the same */
#endif
    return PS_OK;
}

ps_err_e ps_pglobal_lookup(struct ps_prochandle *ph, const char *object, const char *name,
                           psaddr_t *address)
{
    (void)object; /* glibc moves these symbols between libraries; look everywhere */
    uint64_t found = target_symbol(ph->target, name);
    if (found == 0)
        return PS_NOSYM;
    *address = (psaddr_t)(uintptr_t)found;
    return PS_OK;
}

/* Threads are stopped one at a time by the caller, not through these. */
ps_err_e ps_pstop(struct ps_prochandle *ph) { (void)ph; return PS_OK; }
ps_err_e ps_pcontinue(struct ps_prochandle *ph) { (void)ph; return PS_OK; }
ps_err_e ps_lstop(struct ps_prochandle *ph, lwpid_t lwp) { (void)ph, (void)lwp; return PS_OK; }
ps_err_e ps_lcontinue(struct ps_prochandle *ph, lwpid_t lwp) { (void)ph, (void)lwp; return PS_OK; }

/* ---- TLS resolution ----------------------------------------------------- */

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
    handle.target = t;
    musl = 0;
    td_err_e err = td_init();
    if (err == TD_OK)
        err = td_ta_new(&handle, &agent);
    if (err == TD_OK)
        return 0;
    agent = NULL;
#if defined(__x86_64__)
    if (is_musl(t)) {
        musl = 1;
        return 0;
    }
#endif
    snprintf(why, why_len, "cannot resolve the TLS of process %d: libthread_db refused it "
             "(error %d) and it is not a musl process on x86-64", (int)t->pid, (int)err);
    return -1;
}

void tls_close(void)
{
    if (agent != NULL)
        td_ta_delete(agent);
    agent = NULL;
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
    if (loc->descriptor != 0)
        return 0;
    snprintf(why, why_len, "%s: on musl only a library's TLSDESC slot can be located, "
             "not an executable's relaxed one", object->path);
    return -1;
}

#if defined(__x86_64__)
/*
 * musl's x86-64 TLSDESC resolvers: __tlsdesc_static returns the argument, a
 * negative offset from the thread pointer; __tlsdesc_dynamic takes a pointer
 * to {module id, offset} and returns dtv[id] + offset, the DTV (8-byte
 * entries) being at thread pointer + 8.
 */
static int musl_address(const struct target *t, pid_t tid, const struct slot_location *loc,
                        uint64_t *address)
{
    struct user_regs_struct regs;
    struct iovec iov = {&regs, sizeof(regs)};
    uint64_t pair[2], dtv, block, index[2];

    if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) != 0 ||
        target_read(t, loc->descriptor, pair, sizeof(pair)) != 0)
        return -1;
    if ((int64_t)pair[1] < 0) {
        *address = regs.fs_base + pair[1];
        return 0;
    }
    if (target_read(t, pair[1], index, sizeof(index)) != 0 ||
        target_read(t, regs.fs_base + 8, &dtv, sizeof(dtv)) != 0 ||
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
    td_thrhandle_t thread;
    psaddr_t found;

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
    td_err_e err = td_ta_map_lwp2thr(agent, tid, &thread);
    if (err == TD_OK)
        err = td_thr_tls_get_addr(&thread, (psaddr_t)(uintptr_t)loc->link_map, loc->offset, &found);
    if (err == TD_TLSDEFER || err == TD_NOTALLOC)
        return 1;
    if (err != TD_OK) {
        snprintf(why, why_len, "libthread_db could not resolve the TLS of thread %d (error %d)",
                 (int)tid, (int)err);
        return -1;
    }
    *address = (uint64_t)(uintptr_t)found;
    return 0;
}
