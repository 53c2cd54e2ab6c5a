/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading follows OTEP 4947: each thread is stopped briefly (PTRACE_SEIZE +
 * PTRACE_INTERRUPT, by the tracer thread of tracer.c, with a deadline), its
 * slot address resolved from its thread pointer, the slot and the record
 * read with process_vm_readv, and the thread let go. A thread that cannot
 * be stopped or is traced by another process is listed, not read.
 */
#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "interrupt.h"
#include "record_view.h"
#include "tls.h"
#include "tracer.h"

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

struct reading {
    const struct target *t;
    struct snapshot *s;
};

/* In the tracer thread, thread tid stopped: its record in every slot object. */
static void read_stopped(pid_t tid, size_t index, void *arg)
{
    const struct reading *g = arg;
    char why[256];

    for (size_t i = 0; i < g->s->n_slots; i++) {
        struct slot_object *o = &g->s->slots[i];
        struct thread_record *r = &o->threads[index];
        uint64_t slot;
        int found = tls_address(g->t, tid, &o->location, &slot, why, sizeof(why));
        if (found == 0) {
            r->slot_address = slot;
            read_record(g->t, slot, r);
        } else if (found < 0) {
            r->state = RECORD_UNREADABLE;
            diag("warning: %s", why);
        }
    }
}

/* A thread of every slot object's list is kept (in its place) or dropped. */
static void keep_thread(const struct target *t, struct snapshot *s, size_t index,
                        enum record_state state, pid_t tracer)
{
    char name[sizeof(s->slots[0].threads[0].name)];

    target_thread_name(t->pid, s->slots[0].threads[index].tid, name, sizeof(name));
    for (size_t i = 0; i < s->n_slots; i++) {
        struct slot_object *o = &s->slots[i];
        struct thread_record *r = &o->threads[o->n_threads++];
        if (r != &o->threads[index])
            *r = o->threads[index];
        memcpy(r->name, name, sizeof(name));
        if (state != RECORD_VALID) { /* not read: only the reason */
            r->state = state;
            r->tracer = tracer;
        }
    }
}

/* The stderr line for threads listed but not read, with each reason. */
static void report_not_read(const struct snapshot *s)
{
    char reasons[256] = "";
    size_t used = 0;
    const struct {
        size_t n;
        const char *why;
    } counts[] = {{s->n_unstoppable, "could not be stopped"},
                  {s->n_traced, "traced by another process"},
                  {s->n_untraceable, "could not be traced"}};

    if (snapshot_not_read(s) == 0)
        return;
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        if (counts[i].n == 0)
            continue;
        int n = snprintf(reasons + used, sizeof(reasons) - used, "%s%zu %s", used ? ", " : "",
                         counts[i].n, counts[i].why);
        if (n > 0 && (size_t)n < sizeof(reasons) - used)
            used += (size_t)n;
    }
    diag("%zu thread(s) not read (%s)", snapshot_not_read(s), reasons);
}

/*
 * What the reading of each thread came to. A thread refused or never
 * stopped while exiting is simply gone (ptrace refuses an exiting thread
 * with EPERM, as it refuses a stranger); a thread refused because another
 * process traces it is listed as such; any other refusal is a permission
 * problem. 0 or EXIT_PERMISSION.
 */
static int classify(const struct target *t, struct snapshot *s, const pid_t *tids,
                    const struct stop_result *results, size_t n)
{
    int ret = 0;

    for (size_t i = 0; i < s->n_slots; i++)
        s->slots[i].n_threads = 0;
    for (size_t i = 0; i < n; i++) {
        pid_t tid = tids[i];
        switch (results[i].outcome) {
        case STOP_READ:
            keep_thread(t, s, i, RECORD_VALID, 0);
            break;
        case STOP_UNSTOPPABLE:
            if (!target_thread_exiting(t->pid, tid)) {
                keep_thread(t, s, i, RECORD_UNSTOPPABLE, 0);
                s->n_unstoppable++;
            }
            break;
        case STOP_REFUSED: {
            if (target_thread_exiting(t->pid, tid))
                break;
            pid_t tracer = target_thread_tracer(t->pid, tid);
            if (tracer != 0) {
                keep_thread(t, s, i, RECORD_TRACED, tracer);
                s->n_traced++;
            } else if (results[i].err == EPERM) {
                if (ret == 0)
                    diag("ptrace of thread %d refused: run as root, or as the process's user "
                         "with /proc/sys/kernel/yama/ptrace_scope set to 0", (int)tid);
                ret = EXIT_PERMISSION;
            } else {
                keep_thread(t, s, i, RECORD_UNSTOPPABLE, 0);
                s->n_untraceable++;
                diag("warning: ptrace of thread %d failed: %s", (int)tid,
                     strerror(results[i].err));
            }
            break;
        }
        case STOP_GONE:
        case STOP_SKIPPED:
            break;
        }
    }
    report_not_read(s);
    return ret;
}

static int read_threads(const struct target *t, struct snapshot *s)
{
    pid_t *tids;
    int n = target_threads(t, &tids);

    if (n <= 0) {
        free(tids);
        diag("process %d has no threads left", (int)t->pid);
        return EXIT_GONE;
    }
    struct stop_result *results = calloc((size_t)n, sizeof(*results));
    int ret = results == NULL ? -ENOMEM : 0;
    for (size_t i = 0; i < s->n_slots && ret == 0; i++)
        if ((s->slots[i].threads = calloc((size_t)n, sizeof(*s->slots[i].threads))) == NULL)
            ret = -ENOMEM;
    for (size_t i = 0; i < s->n_slots && ret == 0; i++)
        for (int k = 0; k < n; k++)
            s->slots[i].threads[k].tid = tids[k];
    if (ret == 0) {
        struct reading g = {t, s};
        ret = tracer_run(tids, (size_t)n, read_stopped, &g, results);
    }
    if (ret == -EINTR) {
        ret = 128 + interrupt_signal();
    } else if (ret < 0) {
        diag("cannot read the threads of process %d: %s", (int)t->pid, strerror(-ret));
        ret = EXIT_GONE;
    } else {
        ret = classify(t, s, tids, results, (size_t)n);
    }
    free(results);
    free(tids);
    return ret;
}

/* Whether objects a and b reached the same slot in some thread. */
static int same_slot(const struct slot_object *a, const struct slot_object *b)
{
    for (size_t k = 0; k < a->n_threads && k < b->n_threads; k++)
        if (a->threads[k].slot_address != 0 &&
            a->threads[k].slot_address == b->threads[k].slot_address)
            return 1;
    return 0;
}

/*
 * Groups the objects by the slot their code reaches: one object's
 * definition interposing another's, or a copy of otelctx pointing its
 * descriptor at another copy's slot, makes one slot of two. The threads of
 * every object are listed in the same order (keep_thread).
 */
static void group_slots(struct snapshot *s)
{
    s->n_distinct = 0;
    for (size_t i = 0; i < s->n_slots; i++) {
        s->slots[i].slot = s->n_distinct;
        for (size_t j = 0; j < i; j++)
            if (same_slot(&s->slots[i], &s->slots[j])) {
                s->slots[i].slot = s->slots[j].slot;
                break;
            }
        if (s->slots[i].slot == s->n_distinct)
            s->n_distinct++;
    }
}

static int find_slot_objects(const struct target *t, struct snapshot *s)
{
    for (size_t i = 0; i < t->n_objects; i++) {
        const struct loaded_object *o = &t->objects[i];
        const Elf64_Sym *slot = o->elf.slot;
        if (slot == NULL || slot->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(slot->st_info) != STT_TLS)
            continue;
        struct slot_object *grown = realloc(s->slots, (s->n_slots + 1) * sizeof(*grown));
        if (grown == NULL)
            return EXIT_NO_TLS;
        s->slots = grown;
        s->slots[s->n_slots++] = (struct slot_object){.object = o};
    }
    return 0;
}

static int no_slot(const struct target *t)
{
    diag("process %d (%s) does not publish thread contexts: no loaded object exports "
         OTELCTX_SLOT_NAME, (int)t->pid, t->comm);
    return EXIT_NO_OTELCTX;
}

/* Locates each object's slot; an object the dynamic linker did not load
 * (a stray mapping of an ELF file) is dropped with a warning. */
static int locate_slots(const struct target *t, struct snapshot *s)
{
    char why[512];
    size_t kept = 0;

    for (size_t i = 0; i < s->n_slots; i++) {
        struct slot_object *so = &s->slots[i];
        int located = tls_locate(t, so->object, &so->location, why, sizeof(why));
        if (located < 0) {
            diag("%s", why);
            return EXIT_NO_TLS;
        }
        if (located > 0) {
            diag("warning: %s: not read", why);
            continue;
        }
        s->slots[kept++] = *so;
    }
    s->n_slots = kept;
    return kept > 0 ? 0 : no_slot(t);
}

int snapshot_take(const struct target *t, struct snapshot *s)
{
    char why[256];

    memset(s, 0, sizeof(*s));
    int ret = find_slot_objects(t, s);
    if (ret == 0 && s->n_slots == 0)
        ret = no_slot(t);
    if (ret != 0) {
        snapshot_free(s);
        return ret;
    }
    if (process_ctx_read(t, &s->ctx, why, sizeof(why)) != 0)
        diag("warning: %s", why);
    if (tls_open(t, why, sizeof(why)) != 0) {
        diag("%s", why);
        snapshot_free(s);
        return EXIT_NO_TLS;
    }
    ret = locate_slots(t, s);
    if (ret == 0)
        ret = read_threads(t, s);
    tls_close();
    if (ret == 0)
        group_slots(s);
    if (ret != 0)
        snapshot_free(s);
    return ret;
}

void snapshot_free(struct snapshot *s)
{
    for (size_t i = 0; i < s->n_slots; i++)
        free(s->slots[i].threads);
    free(s->slots);
    s->slots = NULL;
    s->n_slots = 0;
}

int thread_record_published(const struct thread_record *r)
{
    return r->address != 0 && (r->state == RECORD_VALID || r->state == RECORD_INVALID ||
                               r->state == RECORD_UNREADABLE);
}

int snapshot_first_of_slot(const struct snapshot *s, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (s->slots[j].slot == s->slots[i].slot)
            return 0;
    return 1;
}

size_t snapshot_not_read(const struct snapshot *s)
{
    return s->n_unstoppable + s->n_traced + s->n_untraceable;
}
