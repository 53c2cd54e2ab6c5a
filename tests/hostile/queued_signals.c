/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack on the promise to leave a target as it was: signals that arrive
 * while its threads are stopped. SIGRTMIN is blocked in every thread but
 * one, whose handler counts each delivery; real-time signals queue, so none
 * may be lost, and a reader that drops the signal of a signal-delivery stop
 * shows as a count short of what was sent. That thread also publishes a
 * record (tid_record.h, index 0). Prints "ready" and the number of SIGRTMIN
 * (the C library's: glibc keeps 32-33 for itself, musl 32-34), then the
 * count for each line read on stdin.
 */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "tid_record.h"

static atomic_ulong delivered;
static sem_t published;

static void count(int signum)
{
    (void)signum;
    atomic_fetch_add_explicit(&delivered, 1, memory_order_relaxed);
}

static void *receive_forever(void *arg)
{
    sigset_t rt;

    (void)arg;
    CHECK_EQ(tid_record_publish(0), 0);
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    CHECK_EQ(pthread_sigmask(SIG_UNBLOCK, &rt, NULL), 0);
    CHECK_EQ(sem_post(&published), 0);
    for (;;)
        pause();
    return NULL;
}

int main(void)
{
    struct sigaction action = {.sa_handler = count, .sa_flags = SA_RESTART};
    sigset_t rt;
    pthread_t thread;
    char line[16];

    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    CHECK_EQ(pthread_sigmask(SIG_BLOCK, &rt, NULL), 0); /* inherited by the threads */
    CHECK_EQ(sigaction(SIGRTMIN, &action, NULL), 0);
    CHECK_EQ(sem_init(&published, 0, 0), 0);
    CHECK_EQ(pthread_create(&thread, NULL, receive_forever, NULL), 0);
    while (sem_wait(&published) != 0)
        ;
    printf("ready %d\n", SIGRTMIN);
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL) {
        printf("%lu\n", atomic_load(&delivered));
        fflush(stdout);
    }
    return 0;
}
