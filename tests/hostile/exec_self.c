/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack: a process that changes its image while it is watched. Started
 * without arguments, the main thread and a second thread publish records
 * (tid_record.h, index 0 and 1) and it prints "ready before"; when a line
 * arrives on stdin, the second thread (not the main one: the kernel then
 * hands it the process id) re-executes this program with the argument
 * "after", whose main thread and a new second thread publish index 100 and
 * 101 and print "ready after", then sleep until killed.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tid_record.h"

extern char **environ;

static uint32_t first_index;
static int exec_on_line;
static sem_t published;

static void *second_thread(void *arg)
{
    char line[16];

    (void)arg;
    CHECK_EQ(tid_record_publish(first_index + 1), 0);
    CHECK_EQ(sem_post(&published), 0);
    if (exec_on_line) {
        CHECK(fgets(line, sizeof(line), stdin) != NULL);
        char *const argv[] = {"exec_self", "after", NULL};
        execve("/proc/self/exe", argv, environ);
        perror("exec_self: execve");
        _exit(1);
    }
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    int after = argc == 2 && strcmp(argv[1], "after") == 0;
    pthread_t thread;

    CHECK(argc == 1 || after);
    first_index = after ? 100 : 0;
    exec_on_line = !after;
    CHECK_EQ(sem_init(&published, 0, 0), 0);
    CHECK_EQ(tid_record_publish(first_index), 0);
    CHECK_EQ(pthread_create(&thread, NULL, second_thread, NULL), 0);
    while (sem_wait(&published) != 0)
        ;
    printf("ready %s\n", after ? "after" : "before");
    fflush(stdout);
    for (;;)
        pause();
}
