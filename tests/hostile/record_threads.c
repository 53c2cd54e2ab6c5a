/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack: more threads than a reader may have room for. The argument's
 * threads (small stacks) each publish a record of their own (tid_record.h,
 * index 0, 1, ...); the main thread publishes none. Prints "ready" once
 * every record is attached, then sleeps until killed. Also the plain
 * publisher of the traced-thread and command-line cases.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "tid_record.h"

static sem_t published;

static void *publish_forever(void *arg)
{
    CHECK_EQ(tid_record_publish((uint32_t)(uintptr_t)arg), 0);
    CHECK_EQ(sem_post(&published), 0);
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    size_t n = strtoul(argv[1], NULL, 10);
    pthread_attr_t small;

    CHECK_EQ(sem_init(&published, 0, 0), 0);
    CHECK_EQ(pthread_attr_init(&small), 0);
    CHECK_EQ(pthread_attr_setstacksize(&small, 256 * 1024), 0);
    for (size_t i = 0; i < n; i++) {
        pthread_t thread;
        CHECK_EQ(pthread_create(&thread, &small, publish_forever, (void *)(uintptr_t)i), 0);
    }
    for (size_t i = 0; i < n; i++)
        while (sem_wait(&published) != 0)
            ;
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}
