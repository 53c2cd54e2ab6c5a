/* SPDX-License-Identifier: Apache-2.0 */
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* startcode and startstack are fields 26 and 28 of /proc/PID/stat, the
 * 23rd and 25th after the parenthesised command (proc_pid_stat(5)). */
enum { START_CODE_FIELD = 23, START_STACK_FIELD = 25 };

int image_of(pid_t pid, struct image *image)
{
    char path[64], line[2048];
    struct stat st;
    FILE *f;

    memset(image, 0, sizeof(*image));
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
    if (stat(path, &st) != 0)
        return -1;
    image->dev = st.st_dev;
    image->ino = st.st_ino;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    char *got = fgets(line, sizeof(line), f);
    fclose(f);
    char *field = got != NULL ? strrchr(line, ')') : NULL;
    if (field == NULL)
        return -1;
    char *saved, *token = strtok_r(field + 1, " ", &saved);
    for (int n = 0; token != NULL && n <= START_STACK_FIELD; n++) {
        if (n == START_CODE_FIELD)
            image->start_code = strtoull(token, NULL, 10);
        if (n == START_STACK_FIELD)
            image->start_stack = strtoull(token, NULL, 10);
        token = strtok_r(NULL, " ", &saved);
    }
    return 0;
}

int image_same(const struct image *a, const struct image *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->start_code == b->start_code &&
           a->start_stack == b->start_stack;
}

void image_path(pid_t pid, char *path, size_t size)
{
    char link[64];

    snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(link, path, size - 1);
    path[n > 0 ? n : 0] = '\0';
}
