/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Class "quadratic work" through the maps: a publisher mapping N distinct
 * small ELF files (a bare 64-byte header each) whose paths are long and
 * share all but their last bytes, so that a reader comparing every new path
 * with every one seen pays N^2/2 long compares.
 *   hostile_many_maps DIR N
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <otelctx.h>

#include "hostile_target.h"

static void header(Elf64_Ehdr *e)
{
    memset(e, 0, sizeof(*e));
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_DYN;
#if defined(__x86_64__)
    e->e_machine = EM_X86_64;
#else
    e->e_machine = EM_AARCH64;
#endif
    e->e_version = EV_CURRENT;
    e->e_ehsize = sizeof(*e);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: hostile_many_maps DIR N\n");
        return 2;
    }
    long n = strtol(argv[2], NULL, 10);
    char filler[241];
    memset(filler, 'n', sizeof(filler) - 1);
    filler[sizeof(filler) - 1] = '\0';
    Elf64_Ehdr e;
    header(&e);

    for (long i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s%06ld", argv[1], filler, i);
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || write(fd, &e, sizeof(e)) != (ssize_t)sizeof(e))
            hostile_die(path);
        if (mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
            hostile_die("mmap");
        close(fd);
    }

    static const uint8_t trace[16] = {0xaa, 4}, span[8] = {0xbb, 4};
    if (otelctx_update(trace, span, 1, NULL, 0) != 0)
        hostile_die("otelctx_update");
    hostile_ready_and_wait();
}
