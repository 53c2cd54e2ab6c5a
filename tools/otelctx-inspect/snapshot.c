/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading follows OTEP 4947: each thread is stopped briefly (PTRACE_SEIZE +
 * PTRACE_INTERRUPT), its slot address resolved from its thread pointer, the
 * slot and the record read with process_vm_readv, and the thread let go.
 * While a thread is stopped, every signal to this tool is blocked, so an
 * interrupt cannot leave it stopped; if the tool is killed outright, the
 * kernel detaches and resumes it.
 */
#include "snapshot.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "diag.h"
#include "record_view.h"
#include "tls.h"

/* 0 stopped (*deliver: a signal it was about to receive, to hand back);
 * -errno otherwise (-ESRCH: the thread is gone). */
static int thread_stop(pid_t tid, int *deliver)
{
    int status;

    *deliver = 0;
    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
        return -errno;
    if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0) {
        int err = -errno;
        ptrace(PTRACE_DETACH, tid, NULL, NULL);
        return err;
    }
    for (;;) {
        if (waitpid(tid, &status, __WALL) < 0) {
            if (errno == EINTR)
                continue;
            return -ESRCH;
        }
        if (!WIFSTOPPED(status))
            return -ESRCH; /* exited while we waited */
        /* A signal-delivery stop came first: remember the signal. */
        if (status >> 16 == 0)
            *deliver = WSTOPSIG(status);
        return 0;
    }
}

static void thread_resume(pid_t tid, int deliver)
{
    ptrace(PTRACE_DETACH, tid, NULL, (void *)(intptr_t)deliver);
}

static void read_record(const struct target *t, uint64_t slot, struct thread_record *r)
{
    uint64_t address = 0;

    r->state = RECORD_NULL;
    if (target_read(t, slot, &address, sizeof(address)) != 0) {
        r->state = RECORD_UNREADABLE;
        return;
    }
    r->address = address;
    if (address == 0)
        return;
    /* The 28-byte header first, then only attrs_data_size bytes. */
    if (target_read(t, address, &r->record, 28) != 0) {
        r->state = RECORD_UNREADABLE;
        return;
    }
    if (r->record.valid != 1) {
        r->state = RECORD_INVALID;
        return;
    }
    /* A larger attrs_data_size is kept as declared (--strict: record-size)
     * and only the record's own bytes are read. */
    size_t size = record_attrs_size(&r->record);
    if (target_read(t, address + 28, r->record.attrs_data, size) != 0) {
        r->state = RECORD_UNREADABLE;
        return;
    }
    r->state = RECORD_VALID;
}

/* Stops tid, reads its record in every slot object, lets it go. */
static int read_thread(const struct target *t, struct snapshot *s, pid_t tid)
{
    sigset_t all, previous;
    int deliver, err, result = 0;
    char why[256];

    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &previous);
    err = thread_stop(tid, &deliver);
    if (err == 0) {
        for (size_t i = 0; i < s->n_slots; i++) {
            struct slot_object *o = &s->slots[i];
            struct thread_record *r = &o->threads[o->n_threads++];
            uint64_t slot;
            memset(r, 0, sizeof(*r));
            r->tid = tid;
            int found = tls_address(t, tid, &o->location, &slot, why, sizeof(why));
            if (found == 0) {
                read_record(t, slot, r);
            } else if (found < 0) {
                r->state = RECORD_UNREADABLE;
                diag("warning: %s", why);
            }
        }
        thread_resume(tid, deliver);
    }
    sigprocmask(SIG_SETMASK, &previous, NULL);
    /* ptrace refuses an exiting thread with EPERM, as it refuses a stranger. */
    if (err == -EPERM && !target_thread_exiting(t->pid, tid)) {
        diag("ptrace of thread %d refused: run as root, or as the process's user with "
             "/proc/sys/kernel/yama/ptrace_scope set to 0", (int)tid);
        result = EXIT_PERMISSION;
    }
    return result; /* -ESRCH, or exiting: the thread is going, nothing to show */
}

static int find_slot_objects(const struct target *t, struct snapshot *s)
{
    for (size_t i = 0; i < t->n_objects && s->n_slots < MAX_SLOT_OBJECTS; i++) {
        const struct loaded_object *o = &t->objects[i];
        const Elf64_Sym *slot = o->elf.view.slot;
        if (slot == NULL || slot->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(slot->st_info) != STT_TLS)
            continue;
        s->slots[s->n_slots++].object = o;
    }
    if (s->n_slots > 0)
        return 0;
    diag("process %d (%s) does not publish thread contexts: no loaded object exports "
         OTELCTX_SLOT_NAME, (int)t->pid, t->comm);
    return EXIT_NO_OTELCTX;
}

static int locate_slots(const struct target *t, struct snapshot *s)
{
    char why[512];

    for (size_t i = 0; i < s->n_slots; i++) {
        struct slot_object *so = &s->slots[i];
        so->threads = calloc(MAX_THREADS, sizeof(*so->threads));
        if (so->threads == NULL)
            return EXIT_NO_TLS;
        if (tls_locate(t, so->object, &so->location, why, sizeof(why)) != 0) {
            diag("%s", why);
            return EXIT_NO_TLS;
        }
    }
    return 0;
}

int snapshot_take(const struct target *t, struct snapshot *s)
{
    static pid_t tids[MAX_THREADS];
    char why[256];

    memset(s, 0, sizeof(*s));
    int ret = find_slot_objects(t, s);
    if (ret != 0)
        return ret;
    if (process_ctx_read(t, &s->ctx, why, sizeof(why)) != 0)
        diag("warning: %s", why);
    if (tls_open(t, why, sizeof(why)) != 0) {
        diag("%s", why);
        return EXIT_NO_TLS;
    }
    ret = locate_slots(t, s);
    if (ret != 0) {
        tls_close();
        return ret;
    }
    int n = target_threads(t, tids, MAX_THREADS);
    if (n <= 0) {
        tls_close();
        diag("process %d has no threads left", (int)t->pid);
        return EXIT_GONE;
    }
    for (int i = 0; i < n && ret == 0; i++)
        ret = read_thread(t, s, tids[i]);
    tls_close();
    return ret;
}

void snapshot_free(struct snapshot *s)
{
    for (size_t i = 0; i < s->n_slots; i++)
        free(s->slots[i].threads);
    s->n_slots = 0;
}
