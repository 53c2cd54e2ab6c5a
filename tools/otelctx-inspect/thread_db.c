/* SPDX-License-Identifier: Apache-2.0 */
/* libthread_db and the proc_service callbacks it calls back into. */
#include "thread_db_reader.h"

#include <elf.h>
#include <proc_service.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <thread_db.h>

struct ps_prochandle {
    const struct target *target;
};

static struct ps_prochandle handle;
static td_thragent_t *agent;

/*
 * What libthread_db may read of the target for one question (attaching, or
 * one thread's TLS address): it follows pointers of the target's memory,
 * which the target can loop or lengthen. Past the budget every read fails,
 * and so does the question, instead of running on.
 */
enum { READ_BUDGET_BYTES = 1 << 20, READ_BUDGET_CALLS = 20000 };
static size_t budget_bytes, budget_calls;

static void budget_reset(void)
{
    budget_bytes = READ_BUDGET_BYTES;
    budget_calls = READ_BUDGET_CALLS;
}

/* ---- proc_service: what libthread_db asks of its host ------------------ */

ps_err_e ps_pdread(struct ps_prochandle *ph, psaddr_t addr, void *buf, size_t len)
{
    if (budget_calls == 0 || len > budget_bytes)
        return PS_ERR;
    budget_calls--;
    budget_bytes -= len;
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

/* ---- the reader's side --------------------------------------------------- */

int thread_db_open(const struct target *t, char *why, size_t why_len)
{
    handle.target = t;
    budget_reset();
    td_err_e err = td_init();
    if (err == TD_OK)
        err = td_ta_new(&handle, &agent);
    if (err == TD_OK)
        return 0;
    agent = NULL;
    snprintf(why, why_len, "libthread_db refused it (error %d)", (int)err);
    return -1;
}

void thread_db_close(void)
{
    if (agent != NULL)
        td_ta_delete(agent);
    agent = NULL;
}

int thread_db_tls_address(pid_t tid, uint64_t link_map, uint64_t offset, uint64_t *address,
                          char *why, size_t why_len)
{
    td_thrhandle_t thread;
    psaddr_t found;

    budget_reset();
    td_err_e err = td_ta_map_lwp2thr(agent, tid, &thread);
    if (err == TD_OK)
        err = td_thr_tls_get_addr(&thread, (psaddr_t)(uintptr_t)link_map, offset, &found);
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
