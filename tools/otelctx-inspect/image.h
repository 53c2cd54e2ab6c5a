/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which program a process runs: the device and inode of its executable and
 * where exec put its code and stack (the stack is randomized at each exec,
 * so even a re-exec of the same file changes it). --watch compares them to
 * see an exec, between readings and during one.
 */
#ifndef OTELCTX_INSPECT_IMAGE_H
#define OTELCTX_INSPECT_IMAGE_H

#include <stddef.h>
#include <sys/types.h>

struct image {
    dev_t dev;
    ino_t ino;
    unsigned long long start_code, start_stack;
};

/* 0, or -1 when the process is gone (or its image cannot be seen). */
int image_of(pid_t pid, struct image *image);

int image_same(const struct image *a, const struct image *b);

/* The executable's path as the kernel names it, for messages. */
void image_path(pid_t pid, char *path, size_t size);

#endif
