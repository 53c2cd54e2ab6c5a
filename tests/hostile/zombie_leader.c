/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack: a process whose main thread has exited (pthread_exit) while the
 * others live on: the leader is a zombie, and /proc/PID/maps, read through
 * it, is empty, though the process runs and publishes. The argument's
 * threads publish records (tid_record.h, index 0, 1, ...); prints "ready"
 * once they are attached, and the main thread exits; the others sleep until
 * killed.
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

    CHECK_EQ(sem_init(&published, 0, 0), 0);
    for (size_t i = 0; i < n; i++) {
        pthread_t thread;
        CHECK_EQ(pthread_create(&thread, NULL, publish_forever, (void *)(uintptr_t)i), 0);
    }
    for (size_t i = 0; i < n; i++)
        while (sem_wait(&published) != 0)
            ;
    printf("ready\n");
    fflush(stdout);
    pthread_exit(NULL);
}
