/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack: more threads than a reader may have room for. The argument's
 * threads (small stacks) each publish a record of their own (tid_record.h,
 * index 0, 1, ...); the main thread publishes none. Prints "ready" once
 * every record is attached, then sleeps until killed. Also the plain
 * publisher of the traced-thread and command-line cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "tid_record.h"

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    size_t n = strtoul(argv[1], NULL, 10);

    tid_record_threads(n, 256 * 1024);
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}
