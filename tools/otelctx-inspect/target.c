/* SPDX-License-Identifier: Apache-2.0 */
#include "target.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

static const char *const ctx_names[] = {"[anon_shmem:OTEL_CTX]", "[anon:OTEL_CTX]",
                                        "/memfd:OTEL_CTX"};

static int known(const struct target *t, const char *path)
{
    for (size_t i = 0; i < t->n_objects; i++)
        if (strcmp(t->objects[i].path, path) == 0)
            return 1;
    return 0;
}

/* One line of /proc/PID/maps: the first mapping of a file (offset 0) gives
 * its load bias; the OTEL_CTX mapping is the process context. */
static void map_line(struct target *t, const char *line)
{
    uint64_t start, end, offset;
    int name_at = 0;
    char perms[8];

    if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %n",
               &start, &end, perms, &offset, &name_at) < 4 || name_at == 0)
        return;
    char name[4096];
    snprintf(name, sizeof(name), "%s", line + name_at);
    name[strcspn(name, "\n")] = '\0';
    for (size_t i = 0; i < sizeof(ctx_names) / sizeof(ctx_names[0]); i++)
        if (strncmp(name, ctx_names[i], strlen(ctx_names[i])) == 0 && t->ctx_mapping == 0)
            t->ctx_mapping = start;
    if (name[0] != '/' || offset != 0 || strstr(name, " (deleted)") != NULL || known(t, name))
        return;

    struct loaded_object object = {0};
    char file[4200], why[256];
    snprintf(object.path, sizeof(object.path), "%s", name);
    snprintf(file, sizeof(file), "/proc/%d/root%s", (int)t->pid, name);
    if (elf_file_open(&object.elf, file, why, sizeof(why)) != 0)
        return; /* not ELF (a font, a locale archive): nothing to find there */
    object.elf.view.name = object.path;
    object.base = start - (object.elf.first_load_vaddr & ~(uint64_t)0xfff);
    if (object.elf.ehdr->e_type == ET_EXEC)
        object.base = 0;
    struct loaded_object *grown = realloc(t->objects, (t->n_objects + 1) * sizeof(*grown));
    if (grown == NULL) {
        elf_file_close(&object.elf);
        return;
    }
    t->objects = grown;
    t->objects[t->n_objects++] = object;
}

int target_open(struct target *t, pid_t pid)
{
    char path[64], line[4400];

    memset(t, 0, sizeof(*t));
    t->pid = pid;
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *comm = fopen(path, "r");
    if (comm == NULL) {
        fprintf(stderr, "otelctx-inspect: no process %d\n", (int)pid);
        return EXIT_GONE;
    }
    if (fgets(t->comm, sizeof(t->comm), comm) != NULL)
        t->comm[strcspn(t->comm, "\n")] = '\0';
    fclose(comm);
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(path, "r");
    if (maps == NULL || fgets(line, sizeof(line), maps) == NULL) {
        int err = errno;
        if (maps != NULL)
            fclose(maps);
        fprintf(stderr, "otelctx-inspect: cannot read %s: %s%s\n", path,
                err ? strerror(err) : "empty (a kernel thread, or the process exited)",
                err == EACCES ? " (run as the process's user or as root)" : "");
        return err == EACCES ? EXIT_PERMISSION : EXIT_GONE;
    }
    do
        map_line(t, line);
    while (fgets(line, sizeof(line), maps) != NULL);
    fclose(maps);
    return 0;
}

void target_close(struct target *t)
{
    for (size_t i = 0; i < t->n_objects; i++)
        elf_file_close(&t->objects[i].elf);
    free(t->objects);
    t->objects = NULL;
    t->n_objects = 0;
}

int target_read(const struct target *t, uint64_t address, void *buf, size_t len)
{
    struct iovec local = {buf, len};
    struct iovec remote = {(void *)(uintptr_t)address, len};
    ssize_t n = process_vm_readv(t->pid, &local, 1, &remote, 1, 0);

    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EFAULT;
}

uint64_t target_symbol(const struct target *t, const char *name)
{
    for (size_t i = 0; i < t->n_objects; i++) {
        const Elf64_Sym *sym = elf_file_symbol(&t->objects[i].elf, name);
        if (sym != NULL && sym->st_shndx != SHN_UNDEF)
            return t->objects[i].base + sym->st_value;
    }
    return 0;
}

int target_threads(const struct target *t, pid_t *tids, size_t max)
{
    char path[64];
    struct dirent *entry;
    int n = 0;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)t->pid);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return -errno;
    while ((entry = readdir(dir)) != NULL && (size_t)n < max)
        if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9')
            tids[n++] = (pid_t)atoi(entry->d_name);
    closedir(dir);
    return n;
}
