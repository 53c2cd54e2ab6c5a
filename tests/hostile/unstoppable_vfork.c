/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack: threads that cannot reach a ptrace stop. Each of the first
 * argument's threads calls vfork(); its child never execs nor exits (it
 * sleeps in pause()), so the thread waits in the kernel for the child to let
 * go of its memory, where PTRACE_INTERRUPT cannot stop it. The second
 * argument's threads publish records (tid_record.h, index 0, 1, ...).
 * Prints "ready vfork TID... record TID..." once every vfork child runs and
 * every record is attached, then sleeps until killed (kill the process
 * group: the vfork children are processes of their own).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "tid_record.h"

static int started[2]; /* each vfork child and each record thread writes one byte */
static pid_t *tids;

static void *vfork_forever(void *arg)
{
    tids[(uintptr_t)arg] = gettid();
    if (vfork() == 0) {
        /* The child: shares the parent's memory until it execs or exits,
         * which it never does. Only write() and pause() here. */
        if (write(started[1], "v", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    return NULL; /* not reached while the child lives */
}

static void *publish_forever(void *arg)
{
    uint32_t index = (uint32_t)(uintptr_t)arg;

    tids[index] = gettid();
    CHECK_EQ(tid_record_publish(index), 0);
    CHECK_EQ(write(started[1], "r", 1), 1);
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    size_t n_vfork = strtoul(argv[1], NULL, 10), n_record = strtoul(argv[2], NULL, 10);
    size_t n = n_vfork + n_record;
    pthread_attr_t small;
    char byte;

    tids = calloc(n, sizeof(*tids));
    CHECK(tids != NULL);
    CHECK_EQ(pipe(started), 0);
    CHECK_EQ(pthread_attr_init(&small), 0);
    CHECK_EQ(pthread_attr_setstacksize(&small, 256 * 1024), 0);
    for (size_t i = 0; i < n; i++) {
        pthread_t thread;
        void *(*run)(void *) = i < n_record ? publish_forever : vfork_forever;
        CHECK_EQ(pthread_create(&thread, &small, run, (void *)(uintptr_t)i), 0);
    }
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(read(started[0], &byte, 1), 1);
    printf("ready vfork");
    for (size_t i = n_record; i < n; i++)
        printf(" %d", (int)tids[i]);
    printf(" record");
    for (size_t i = 0; i < n_record; i++)
        printf(" %d", (int)tids[i]);
    printf("\n");
    fflush(stdout);
    for (;;)
        pause();
}
