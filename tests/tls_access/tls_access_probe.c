/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prints where otelctx-inspect's tls_access puts each thread's
 * otel_thread_ctx_v1 in process PID, for tests/tls_access/oracle.py to
 * compare with gdb's &otel_thread_ctx_v1 (libthread_db's answer):
 *   object PATH MODEL symtab|dynsym
 *   slot TID PATH 0xADDRESS|unallocated
 * Each thread is stopped (PTRACE_SEIZE + PTRACE_INTERRUPT) only to read its
 * fs_base, then let go. Exit 0, or 1 with a line on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "target.h"
#include "tls_access.h"

static int fs_base_of(pid_t tid, uint64_t *tp)
{
    struct user_regs_struct regs;
    int status, ret = -1;

    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
        return -1;
    if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) == 0 && waitpid(tid, &status, __WALL) == tid &&
        WIFSTOPPED(status) && ptrace(PTRACE_GETREGS, tid, NULL, &regs) == 0) {
        *tp = regs.fs_base;
        ret = 0;
    }
    ptrace(PTRACE_DETACH, tid, NULL, NULL);
    return ret;
}

static int probe(const struct target *t, const struct loaded_object *o, const pid_t *tids, int n)
{
    struct tls_access a;
    char why[512];
    int found = tls_access_locate(t, o, &a, why, sizeof(why));

    if (found == 1)
        return 0;
    if (found < 0) {
        fprintf(stderr, "tls_access_probe: %s\n", why);
        return -1;
    }
    printf("object %s %s %s\n", o->path, tls_model_name(a.model),
           a.slot_only_in_symtab ? "symtab" : "dynsym");
    for (int i = 0; i < n; i++) {
        uint64_t tp, address;
        if (fs_base_of(tids[i], &tp) != 0) {
            fprintf(stderr, "tls_access_probe: thread %d: %s\n", (int)tids[i], strerror(errno));
            return -1;
        }
        int got = tls_access_address(t, &a, tp, &address, why, sizeof(why));
        if (got < 0) {
            fprintf(stderr, "tls_access_probe: thread %d: %s\n", (int)tids[i], why);
            return -1;
        }
        if (got == 1)
            printf("slot %d %s unallocated\n", (int)tids[i], o->path);
        else
            printf("slot %d %s 0x%" PRIx64 "\n", (int)tids[i], o->path, address);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct target t;
    pid_t *tids;

    if (argc != 2) {
        fprintf(stderr, "usage: tls_access_probe PID\n");
        return 1;
    }
    if (target_open(&t, (pid_t)atoi(argv[1])) != 0)
        return 1;
    int n = target_threads(&t, &tids), ret = n > 0 ? 0 : 1;
    for (size_t i = 0; i < t.n_objects && ret == 0; i++)
        if (probe(&t, &t.objects[i], tids, n) != 0)
            ret = 1;
    free(tids);
    target_close(&t);
    return ret;
}
