/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every hostile target of files.py shares: a fatal error that names
 * its cause, the "ready" line the driver waits for, and waiting to be killed.
 */
#ifndef OTELCTX_HOSTILE_TARGET_H
#define OTELCTX_HOSTILE_TARGET_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void hostile_die(const char *what)
{
    fprintf(stderr, "hostile target: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Tells the driver the attack is in place, then waits for SIGKILL. */
static inline void hostile_ready_and_wait(void)
{
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}

/* Prints "ready" and returns, for a target that keeps attacking after it. */
static inline void hostile_ready(void)
{
    printf("ready\n");
    fflush(stdout);
}

#endif
