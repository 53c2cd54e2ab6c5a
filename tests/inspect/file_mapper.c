/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process that publishes a record and maps files read-only beside its
 * loaded objects, as a target shapes its own /proc/PID/maps: each FILE is
 * mapped whole (offset 0), and with --churn the first FILE is truncated and
 * rewritten without end while it stays mapped. Prints "ready" and runs until
 * stdin closes.
 *
 * Usage: file_mapper [--churn] FILE...
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "otelctx.h"

/* Maps path whole; returns its size, fills *content with a copy of it. */
static size_t map_file(const char *path, char **content)
{
    struct stat st;
    int fd = open(path, O_RDWR);

    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0);
    void *at = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(at != MAP_FAILED);
    *content = malloc((size_t)st.st_size);
    CHECK(*content != NULL);
    memcpy(*content, at, (size_t)st.st_size);
    close(fd);
    return (size_t)st.st_size;
}

static int stdin_open(void)
{
    struct pollfd p = {.fd = 0, .events = POLLIN};
    char buf[64];

    if (poll(&p, 1, 0) <= 0)
        return 1;
    return read(0, buf, sizeof(buf)) > 0;
}

/* Empties the file and writes it back, again and again: whoever reads the
 * mapping or the file meanwhile finds it shorter than it was. */
static void churn(const char *path, const char *content, size_t size)
{
    int fd = open(path, O_RDWR);

    CHECK(fd >= 0);
    while (stdin_open()) {
        CHECK(ftruncate(fd, 0) == 0);
        CHECK(pwrite(fd, content, size, 0) == (ssize_t)size);
    }
    close(fd);
}

int main(int argc, char **argv)
{
    int first = 1, churning = argc > 1 && strcmp(argv[1], "--churn") == 0;
    char *content = NULL;
    size_t size = 0;

    first += churning;
    CHECK(argc > first);
    CHECK_EQ(otelctx_update((const uint8_t[16]){1}, (const uint8_t[8]){2}, 1, NULL, 0), 0);
    for (int i = first; i < argc; i++) {
        char *copy;
        size_t n = map_file(argv[i], &copy);
        if (i == first) {
            content = copy, size = n;
        } else {
            free(copy);
        }
    }
    printf("ready\n");
    fflush(stdout);
    if (churning) {
        churn(argv[first], content, size);
    } else {
        char line[64];
        while (fgets(line, sizeof(line), stdin) != NULL)
            ;
    }
    free(content);
    return 0;
}
