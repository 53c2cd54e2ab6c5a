/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Class "SIGBUS": a publisher that maps an ELF file (a copy of its own
 * executable, DIR/victim) and then truncates it to one page and grows it
 * back, in a loop, so that a reader which maps the file and reads its
 * section headers (at the end) touches pages that are gone.
 *   hostile_sigbus DIR
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <otelctx.h>

#include "hostile_target.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hostile_sigbus DIR\n");
        return 2;
    }
    char victim[4096];
    snprintf(victim, sizeof(victim), "%s/victim", argv[1]);
    int self = open("/proc/self/exe", O_RDONLY);
    int fd = open(victim, O_RDWR | O_CREAT | O_EXCL, 0644);
    struct stat st;
    if (self < 0 || fd < 0 || fstat(self, &st) != 0)
        hostile_die(victim);
    if (sendfile(fd, self, NULL, (size_t)st.st_size) != st.st_size)
        hostile_die("copy of /proc/self/exe");
    close(self);
    if (mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
        hostile_die("mmap");

    static const uint8_t trace[16] = {0xaa, 2}, span[8] = {0xbb, 2};
    if (otelctx_update(trace, span, 1, NULL, 0) != 0)
        hostile_die("otelctx_update");
    hostile_ready();
    /* The grown tail reads as zeros: the ELF header page stays, the section
     * headers it points at come and go. */
    for (;;) {
        if (ftruncate(fd, 4096) != 0 || ftruncate(fd, st.st_size) != 0)
            hostile_die("ftruncate");
    }
}
