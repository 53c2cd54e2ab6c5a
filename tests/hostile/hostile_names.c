/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Class "root opens what the target names": maps DIR/"a\nb", whose maps
 * line reads DIR/a\012b, and puts at that literal text (backslash, 0, 1, 2)
 * what a reader opening by the maps text would reach:
 *   hostile_names DIR fifo          a FIFO (an open blocks for ever)
 *   hostile_names DIR link PATH     a symlink to PATH (a root-only canary,
 *                                   a device node)
 * Then it publishes a record, so that the reading has something to read.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <otelctx.h>

#include "hostile_target.h"

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[2], "link") == 0 && argc != 4)) {
        fprintf(stderr, "usage: hostile_names DIR fifo | DIR link PATH\n");
        return 2;
    }
    char mapped[4096], literal[4096];
    snprintf(mapped, sizeof(mapped), "%s/a\nb", argv[1]);
    snprintf(literal, sizeof(literal), "%s/a\\012b", argv[1]);

    int fd = open(mapped, O_RDWR | O_CREAT | O_EXCL, 0644);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        hostile_die(mapped);
    if (mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
        hostile_die("mmap");
    close(fd);
    if (strcmp(argv[2], "fifo") == 0) {
        if (mkfifo(literal, 0644) != 0)
            hostile_die(literal);
    } else if (symlink(argv[3], literal) != 0) {
        hostile_die(literal);
    }

    static const uint8_t trace[16] = {0xaa, 1}, span[8] = {0xbb, 1};
    if (otelctx_update(trace, span, 1, NULL, 0) != 0)
        hostile_die("otelctx_update");
    hostile_ready_and_wait();
}
