/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stopping threads of another process, each briefly and each with a
 * deadline. A thread in vfork() waiting for its child, or in an
 * uninterruptible sleep, never reaches a ptrace stop, and a seized thread
 * that never stopped cannot be detached: all ptrace work is done by a
 * tracer thread of its own, which ends when the reading does, so that the
 * kernel unlinks whatever it still traces and those threads run on
 * untraced.
 */
#ifndef OTELCTX_INSPECT_TRACER_H
#define OTELCTX_INSPECT_TRACER_H

#include <stddef.h>
#include <sys/types.h>

/* A thread that has not stopped this long after PTRACE_INTERRUPT is given up. */
enum { STOP_DEADLINE_MS = 1000 };

enum stop_outcome {
    STOP_SKIPPED,           /* not tried: a signal ended the reading first */
    STOP_READ,              /* stopped, handed to the reader, let go */
    STOP_GONE,              /* exited before it stopped */
    STOP_UNSTOPPABLE,       /* no ptrace stop within STOP_DEADLINE_MS */
    STOP_REFUSED,           /* PTRACE_SEIZE failed with errno err */
};

struct stop_result {
    enum stop_outcome outcome;
    int err;
};

/* Called in the tracer thread with thread tids[index] ptrace-stopped: the
 * only place where ptrace requests on it (registers) may be made. */
typedef void (*stopped_fn)(pid_t tid, size_t index, void *arg);

/*
 * Stops the n threads of tids, a window of them at a time, hands each one
 * that stopped to read and lets it go at once; results[i] says what became
 * of tids[i]. 0; -EINTR when SIGINT or SIGTERM ended it (the rest are
 * STOP_SKIPPED); -errno when no tracer could be started. When it returns,
 * no thread of tids is stopped or traced by this process.
 */
int tracer_run(const pid_t *tids, size_t n, stopped_fn read, void *arg,
               struct stop_result *results);

#endif
