/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack: threads that come and go while the process is read. Two threads
 * publish records (tid_record.h, index 0 and 1) and stay; two more create
 * and join short-lived threads without end, so that threads listed in
 * /proc/PID/task are gone by the time they are stopped, or exit while
 * stopped. Prints "ready" once the records are attached; runs until killed.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "tid_record.h"

static void *live_briefly(void *arg)
{
    return arg;
}

static void *churn_forever(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_t thread;
        CHECK_EQ(pthread_create(&thread, NULL, live_briefly, NULL), 0);
        CHECK_EQ(pthread_join(thread, NULL), 0);
    }
    return NULL;
}

int main(void)
{
    pthread_t thread;

    tid_record_threads(2, 0);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_create(&thread, NULL, churn_forever, NULL), 0);
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}
