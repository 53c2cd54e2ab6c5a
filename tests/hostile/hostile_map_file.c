/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A publisher that also maps FILE (read-only, offset 0) without loading
 * it: the crafted ELF of class "quadratic work", or a copy of libotelctx.so
 * of class "stray mapping" (an object that exports the slot but that the
 * dynamic linker never loaded).
 *   hostile_map_file FILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <otelctx.h>

#include "hostile_target.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hostile_map_file FILE\n");
        return 2;
    }
    struct stat st;
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0)
        hostile_die(argv[1]);
    if (mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
        hostile_die("mmap");
    close(fd);

    static const uint8_t trace[16] = {0xaa, 3}, span[8] = {0xbb, 3};
    if (otelctx_update(trace, span, 1, NULL, 0) != 0)
        hostile_die("otelctx_update");
    hostile_ready_and_wait();
}
