/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack: a thread that another process already traces. Seizes the thread
 * TID (PTRACE_SEIZE) and, with "stop", also holds it in a ptrace stop
 * (PTRACE_INTERRUPT, waited for); prints "ready" and keeps it until killed
 * (the kernel then lets the thread go).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv)
{
    CHECK(argc == 3 && (strcmp(argv[2], "seize") == 0 || strcmp(argv[2], "stop") == 0));
    pid_t tid = (pid_t)strtol(argv[1], NULL, 10);
    int status;

    CHECK_EQ(ptrace(PTRACE_SEIZE, tid, NULL, NULL), 0);
    if (strcmp(argv[2], "stop") == 0) {
        CHECK_EQ(ptrace(PTRACE_INTERRUPT, tid, NULL, NULL), 0);
        CHECK_EQ(waitpid(tid, &status, __WALL), tid);
        CHECK(WIFSTOPPED(status));
    }
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}
