/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tracer thread seizes up to WINDOW threads at once, interrupts them,
 * and waits for their stops under their deadlines with SIGCHLD (a
 * signalfd) and waitpid(WNOHANG): never a blocking wait. Threads that stop
 * are read and detached one by one as their stops arrive, so a thread
 * stays stopped only while it is read and the window is short; threads
 * that do not stop cost one deadline per window, not one each.
 *
 * While the tracer works, the calling thread reaps the tracer's tracees
 * that exited. That matters when the target execs: the execing thread
 * holds the process's cred_guard_mutex while it waits for its other
 * threads to be released, a traced one only once its tracer reaps it, and
 * a PTRACE_SEIZE of any thread of that process waits for the same mutex.
 */
#include "tracer.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "interrupt.h"

enum { WINDOW = 128 };
/* How often the calling thread looks for exited tracees to reap. */
enum { REAP_PERIOD_MS = 20 };
/* How long the calling thread waits for the ended tracer thread to be
 * fully gone (its tracees unlinked): the kernel does it right after the
 * join returns. */
enum { TRACER_EXIT_MS = 5000 };

struct in_flight {
    size_t index;
    int64_t deadline_ns;
};

struct run {
    const pid_t *tids;
    size_t n;
    stopped_fn read;
    void *arg;
    struct stop_result *results;
    atomic_uchar *traced;       /* per thread: seized and not yet let go or reaped */
    atomic_int tracer_tid;
    int chld_fd;
    int interrupted;
    struct in_flight flight[WINDOW];
    size_t n_flight;
    size_t next;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void start(struct run *r, size_t i)
{
    pid_t tid = r->tids[i];

    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
        r->results[i].outcome = errno == ESRCH ? STOP_GONE : STOP_REFUSED;
        r->results[i].err = errno;
        return;
    }
    atomic_store(&r->traced[i], 1);
    if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0) {
        /* Seized, then gone: its exit is reaped below, or the kernel
         * unlinks it when this thread ends. */
        r->results[i].outcome = STOP_GONE;
        return;
    }
    r->flight[r->n_flight++] = (struct in_flight){i, now_ns() + (int64_t)STOP_DEADLINE_MS * 1000000};
}

/* The window entry of tid, or -1 (a given-up thread, or one of no reading). */
static long flight_of(const struct run *r, pid_t tid)
{
    for (size_t k = 0; k < r->n_flight; k++)
        if (r->tids[r->flight[k].index] == tid)
            return (long)k;
    return -1;
}

/* The index of tid among all threads, for the tracees outside the window. */
static long index_of(const struct run *r, pid_t tid)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->tids[i] == tid)
            return (long)i;
    return -1;
}

static void handle(struct run *r, pid_t tid, int status)
{
    long k = flight_of(r, tid);
    long i = k >= 0 ? (long)r->flight[k].index : index_of(r, tid);

    if (WIFSTOPPED(status)) {
        /* A signal-delivery stop came first: hand that signal back. */
        int deliver = status >> 16 == 0 ? WSTOPSIG(status) : 0;
        if (k >= 0) {
            r->read(tid, (size_t)i, r->arg);
            r->results[i].outcome = STOP_READ;
        }
        ptrace(PTRACE_DETACH, tid, NULL, (void *)(intptr_t)deliver);
    } else if (k >= 0) {
        r->results[i].outcome = STOP_GONE;
    }
    if (i >= 0)
        atomic_store(&r->traced[i], 0);
    if (k >= 0)
        r->flight[k] = r->flight[--r->n_flight];
}

static void reap(struct run *r)
{
    int status;
    pid_t tid;

    while ((tid = waitpid(-1, &status, WNOHANG | __WALL)) > 0)
        handle(r, tid, status);
}

/* Gives up the threads past their deadline; the earliest deadline left. */
static int64_t expire(struct run *r, int64_t now)
{
    int64_t earliest = INT64_MAX;

    for (size_t k = 0; k < r->n_flight;) {
        if (r->flight[k].deadline_ns <= now) {
            r->results[r->flight[k].index].outcome = STOP_UNSTOPPABLE;
            r->flight[k] = r->flight[--r->n_flight];
            continue;
        }
        if (r->flight[k].deadline_ns < earliest)
            earliest = r->flight[k].deadline_ns;
        k++;
    }
    return earliest;
}

/* Sleeps until SIGCHLD, a signal to end, or the deadline. */
static void wait_events(struct run *r, int64_t until)
{
    struct pollfd fds[2] = {{r->chld_fd, POLLIN, 0}, {interrupt_fd(), POLLIN, 0}};
    int64_t left = until == INT64_MAX ? 0 : until - now_ns();
    int timeout = left <= 0 ? 0 : (int)((left + 999999) / 1000000);

    if (poll(fds, 2, timeout) <= 0)
        return;
    if (fds[0].revents & POLLIN) {
        struct signalfd_siginfo info;
        while (read(r->chld_fd, &info, sizeof(info)) == sizeof(info))
            continue; /* SIGCHLDs merge: each wake-up is followed by a full reap */
    }
    if (fds[1].revents & POLLIN)
        r->interrupted = 1;
}

static int interrupted_now(void)
{
    struct pollfd fd = {interrupt_fd(), POLLIN, 0};
    return poll(&fd, 1, 0) == 1;
}

static void *tracer_main(void *arg)
{
    struct run *r = arg;

    atomic_store(&r->tracer_tid, (int)gettid());
    while (!r->interrupted) {
        while (r->n_flight < WINDOW && r->next < r->n)
            start(r, r->next++);
        reap(r);
        int64_t earliest = expire(r, now_ns());
        if (r->n_flight == 0 && r->next == r->n)
            break;
        wait_events(r, earliest);
        if (!r->interrupted)
            r->interrupted = interrupted_now();
    }
    /* Ended by a signal: let go what stopped meanwhile, unread. */
    r->n_flight = 0;
    reap(r);
    return NULL;
}

/* In the calling thread: reaps the tracer's tracees that exited, which the
 * kernel reports to any thread of the tracer's process. */
static void reap_exited(struct run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        siginfo_t info = {0};
        if (!atomic_load(&r->traced[i]) ||
            waitid(P_PID, (id_t)r->tids[i], &info, WEXITED | WNOHANG | WNOWAIT | __WALL) != 0 ||
            info.si_pid != r->tids[i])
            continue;
        if (info.si_code == CLD_EXITED || info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) {
            int status;
            if (waitpid(r->tids[i], &status, WNOHANG | __WALL) == r->tids[i])
                atomic_store(&r->traced[i], 0);
        }
    }
}

/* Waits until the ended tracer thread has left the kernel's task list:
 * only then are its tracees unlinked. */
static void await_tracer_gone(pid_t tracer)
{
    char path[64];
    struct stat st;
    struct timespec pause = {0, 1000000};

    snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tracer);
    for (int ms = 0; ms < TRACER_EXIT_MS && stat(path, &st) == 0; ms++)
        nanosleep(&pause, NULL);
}

int tracer_run(const pid_t *tids, size_t n, stopped_fn read, void *arg,
               struct stop_result *results)
{
    struct run r = {.tids = tids, .n = n, .read = read, .arg = arg, .results = results};
    sigset_t all, chld, previous;
    pthread_t tracer;
    int err;

    for (size_t i = 0; i < n; i++)
        results[i] = (struct stop_result){STOP_SKIPPED, 0};
    r.traced = calloc(n > 0 ? n : 1, sizeof(*r.traced));
    if (r.traced == NULL)
        return -ENOMEM;
    /* The tool has no children: SIGCHLD only reports ptrace events, kept
     * pending (blocked everywhere) for the tracer's signalfd. */
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    r.chld_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (r.chld_fd < 0) {
        err = -errno;
        free(r.traced);
        return err;
    }
    /* The tracer takes no signal: SIGINT and SIGTERM go to this thread's
     * handler, which wakes the tracer through interrupt_fd(). */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    interrupt_tracing_begin();
    err = -pthread_create(&tracer, NULL, tracer_main, &r);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (err == 0) {
        struct timespec period;
        do {
            clock_gettime(CLOCK_REALTIME, &period);
            period.tv_nsec += REAP_PERIOD_MS * 1000000L;
            if (period.tv_nsec >= 1000000000L) {
                period.tv_sec++;
                period.tv_nsec -= 1000000000L;
            }
            reap_exited(&r);
        } while (pthread_timedjoin_np(tracer, NULL, &period) == ETIMEDOUT);
        await_tracer_gone((pid_t)atomic_load(&r.tracer_tid));
        if (r.interrupted)
            err = -EINTR;
    }
    interrupt_tracing_end();
    if (err == 0 && interrupt_signal() != 0)
        err = -EINTR; /* it came as the tracer finished */
    close(r.chld_fd);
    free(r.traced);
    return err;
}
