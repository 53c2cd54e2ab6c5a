/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A target for otelctx-inspect's stop path: WORKERS threads that publish a
 * record and wait (stoppable, in pause()), and STUCK threads that cannot
 * reach a ptrace stop: each vfork()s a child that never execs and blocks
 * reading stdin, so the thread waits in vfork() until stdin closes.
 *
 * Each worker's trace id is GENERATION repeated 12 times, then its TID
 * (big-endian), so a reader's output can be checked against the TIDs
 * the reader lists. Prints a "stuck TID" line per stuck thread, then "ready",
 * and exits when stdin closes; a line "exec" on stdin makes it exec itself
 * with GENERATION + 1 (its workers publish again, nothing is stuck).
 *
 * Usage: stop_target WORKERS STUCK [GENERATION]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "otelctx.h"

enum { STACK_SIZE = 128 * 1024 };

static pthread_barrier_t published;
static uint8_t generation = 1;
static int stuck_ready[2]; /* a vfork child writes one byte here, then blocks */

static void *worker(void *arg)
{
    uint32_t tid = (uint32_t)gettid();
    uint8_t trace[16], span[8] = {1, 2, 3, 4, 5, 6, 7, 8};

    (void)arg;
    memset(trace, generation, 12);
    for (int i = 0; i < 4; i++)
        trace[12 + i] = (uint8_t)(tid >> (24 - 8 * i));
    CHECK_EQ(otelctx_update(trace, span, 1, NULL, 0), 0);
    pthread_barrier_wait(&published);
    for (;;)
        pause();
    return NULL;
}

static atomic_int stuck_tids[4096];
static atomic_int n_stuck_tids;

static void *stuck(void *arg)
{
    char byte;

    (void)arg;
    stuck_tids[atomic_fetch_add(&n_stuck_tids, 1)] = (int)gettid();
    pid_t child = vfork();
    if (child == 0) {
        /* The child borrows the parent's memory: only raw system calls. */
        if (write(stuck_ready[1], "x", 1) != 1)
            _exit(1);
        while (read(STDIN_FILENO, &byte, 1) > 0)
            continue;
        _exit(0);
    }
    CHECK(child > 0);
    for (;;)
        pause();
    return NULL;
}

static void start(void *(*body)(void *))
{
    pthread_attr_t attr;
    pthread_t thread;

    CHECK_EQ(pthread_attr_init(&attr), 0);
    CHECK_EQ(pthread_attr_setstacksize(&attr, STACK_SIZE), 0);
    CHECK_EQ(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED), 0);
    CHECK_EQ(pthread_create(&thread, &attr, body, NULL), 0);
    pthread_attr_destroy(&attr);
}

int main(int argc, char **argv)
{
    char line[64], byte;

    CHECK(argc == 3 || argc == 4);
    int workers = atoi(argv[1]), n_stuck = atoi(argv[2]);
    CHECK(workers >= 0 && n_stuck >= 0 && n_stuck <= 4096);
    if (argc == 4)
        generation = (uint8_t)atoi(argv[3]);
    CHECK_EQ(pipe(stuck_ready), 0);
    CHECK_EQ(pthread_barrier_init(&published, NULL, (unsigned)workers + 1), 0);
    for (int i = 0; i < workers; i++)
        start(worker);
    pthread_barrier_wait(&published);
    for (int i = 0; i < n_stuck; i++)
        start(stuck);
    for (int i = 0; i < n_stuck; i++)
        CHECK_EQ(read(stuck_ready[0], &byte, 1), 1);
    for (int i = 0; i < n_stuck; i++)
        printf("stuck %d\n", stuck_tids[i]);
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL) {
        if (strcmp(line, "exec\n") == 0) {
            char next[8];
            snprintf(next, sizeof(next), "%d", generation + 1);
            execl("/proc/self/exe", argv[0], argv[1], "0", next, (char *)NULL);
            CHECK(!"exec failed");
        }
    }
    return 0;
}
