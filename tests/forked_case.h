/* SPDX-License-Identifier: Apache-2.0 */
/* Test cases that each run in a process of their own, so that one case's
 * process context, keys or records never leak into the next. */
#ifndef OTELCTX_TEST_FORKED_CASE_H
#define OTELCTX_TEST_FORKED_CASE_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

struct forked_case {
    const char *name;
    void (*run)(void);
};

/* How the process pid ended: its exit status, or 128 + its signal. */
static inline int forked_case_wait(pid_t pid)
{
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs c in a child process (exit 0 once run returns); how it ended. */
static inline int forked_case_run(const struct forked_case *c)
{
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        c->run();
        exit(0);
    }
    return forked_case_wait(pid);
}

#endif
