/* SPDX-License-Identifier: Apache-2.0 */
#include "target.h"

#include "diag.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *const ctx_names[] = {"[anon_shmem:OTEL_CTX]", "[anon:OTEL_CTX]",
                                        "/memfd:OTEL_CTX"};

/*
 * Reads the file of the mapping [start, end) through /proc/PID/map_files:
 * the kernel's handle to the file mapped there, whatever name the target
 * gave it or put in its place since (a FIFO, a device, a symlink to a file
 * the target may not read). stat first, so that nothing but a regular file
 * is ever opened; then the open file must be the (dev, inode) of the maps
 * line: the mapping was not replaced meanwhile.
 */
static void read_mapped_file(struct target *t, struct mapped_file *f, uint64_t start, uint64_t end)
{
    char path[96], why[512];
    struct stat st;

    snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)t->pid, start, end);
    if (stat(path, &st) != 0) {
        if (errno == EPERM || errno == EACCES)
            t->map_files_refused = errno;
        return;
    }
    if (!S_ISREG(st.st_mode) || st.st_dev != f->dev || st.st_ino != f->inode)
        return;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == f->dev && st.st_ino == f->inode) {
        int ret = elf_file_read(&f->elf, fd, f->name, why, sizeof(why));
        f->is_elf = ret == ELF_FILE_OK;
        if (ret == ELF_FILE_UNREADABLE)
            diag("warning: %s: not read", why);
    }
    close(fd);
}

static void add_object(struct target *t, struct mapped_file *f, uint64_t start)
{
    if (t->n_objects == t->objects_cap) {
        size_t cap = t->objects_cap ? t->objects_cap * 2 : 64;
        struct loaded_object *grown = realloc(t->objects, cap * sizeof(*grown));
        if (grown == NULL)
            return;
        t->objects = grown;
        t->objects_cap = cap;
    }
    struct loaded_object *o = &t->objects[t->n_objects++];
    o->path = f->name;
    o->elf = f->elf;
    o->is_executable = f->dev == t->exe_dev && f->inode == t->exe_inode;
    o->base = start - (f->elf.first_load_vaddr & ~(uint64_t)0xfff);
    if (f->elf.ehdr.e_type == ET_EXEC)
        o->base = 0;
    f->last_object = t->n_objects;
}

/*
 * Whether a mapping of f from offset 0 at start is another segment of the
 * object its previous such mapping began, not a second load of the file:
 * a linker that packs a small file's segments into its first page (lld)
 * has the loader map that page once per segment, each from offset 0. Maps
 * lines come in address order, so only the latest object of the file can
 * hold the mapping: one comparison per line.
 */
static int segment_of_last_object(const struct target *t, const struct mapped_file *f,
                                  uint64_t start)
{
    if (f->last_object == 0)
        return 0;
    const struct loaded_object *o = &t->objects[f->last_object - 1];
    uint64_t first = o->base + (f->elf.first_load_vaddr & ~(uint64_t)0xfff);
    uint64_t end = o->base + f->elf.load_end;
    if (end < o->base)
        end = UINT64_MAX;
    return start > first && start < end;
}

/* One line of /proc/PID/maps: the first mapping of a file (offset 0) gives
 * its load bias; the OTEL_CTX mapping is the process context. The name is
 * the target's: it only names things in messages, the file is reached by
 * the line's addresses. */
static void map_line(struct target *t, const char *line)
{
    uint64_t start, end, offset, inode;
    unsigned major, minor;
    int name_at = 0;
    char perms[8];

    if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
               &start, &end, perms, &offset, &major, &minor, &inode, &name_at) < 7 || name_at == 0)
        return;
    const char *name = line + name_at;
    if (strstr(name, "OTEL_CTX") != NULL && t->n_ctx_mappings < MAX_CTX_MAPPINGS) {
        struct ctx_mapping *m = &t->ctx_mappings[t->n_ctx_mappings++];
        m->start = start;
        snprintf(m->perms, sizeof(m->perms), "%s", perms);
        snprintf(m->name, sizeof(m->name), "%.127s", name);
    }
    for (size_t i = 0; i < sizeof(ctx_names) / sizeof(ctx_names[0]); i++)
        if (strncmp(name, ctx_names[i], strlen(ctx_names[i])) == 0 && t->ctx_mapping == 0)
            t->ctx_mapping = start;
    /* A deleted file (" (deleted)") is read too: map_files still reaches
     * the inode mapped, the library that runs even if replaced on disk. */
    if (name[0] != '/' || offset != 0 || inode == 0)
        return;
    uint64_t dev = makedev(major, minor);
    struct mapped_file *f = file_set_find(&t->files, dev, inode);
    if (f == NULL) {
        char *copy = strdup(name);
        if (copy == NULL || (f = file_set_add(&t->files, dev, inode)) == NULL) {
            free(copy);
            return;
        }
        f->name = copy;
        read_mapped_file(t, f, start, end);
    }
    if (f->is_elf && !segment_of_last_object(t, f, start))
        add_object(t, f, start);
}

/* Linux's task flags (include/linux/sched.h), as /proc/PID/stat shows them. */
enum { PF_EXITING = 0x4, PF_KTHREAD = 0x00200000 };
enum { SIGKILL_BIT = 1u << (9 - 1) };

/* The state letter and flags of a task, from its stat line: the fields
 * after the parenthesised command are state, ppid, pgrp, session, tty_nr,
 * tpgid, flags. 0, or -1 when the task is gone. */
static int task_stat(pid_t pid, pid_t tid, char *state, unsigned long *flags)
{
    char path[64], line[1024];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    char *got = fgets(line, sizeof(line), f);
    fclose(f);
    const char *after = got != NULL ? strrchr(line, ')') : NULL;
    if (after == NULL || sscanf(after + 1, " %c %*d %*d %*d %*d %*d %lu", state, flags) != 2)
        return -1;
    return 0;
}

/* Whether SIGKILL is pending for the task, privately or for its group: how
 * exit_group() and kill -9 doom every thread before each one notices. */
static int task_killed(pid_t pid, pid_t tid)
{
    char path[64], line[256];
    unsigned long long mask;
    int killed = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
    if ((f = fopen(path, "r")) == NULL)
        return 1;
    while (fgets(line, sizeof(line), f) != NULL)
        if ((sscanf(line, "SigPnd: %llx", &mask) == 1 || sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
            (mask & SIGKILL_BIT))
            killed = 1;
    fclose(f);
    return killed;
}

int target_thread_exiting(pid_t pid, pid_t tid)
{
    char state;
    unsigned long flags;

    return task_stat(pid, tid, &state, &flags) != 0 || state == 'Z' || state == 'X' ||
           (flags & PF_EXITING) != 0 || task_killed(pid, tid);
}

static int is_kernel_thread(pid_t pid)
{
    char state;
    unsigned long flags;

    return task_stat(pid, pid, &state, &flags) == 0 && (flags & PF_KTHREAD) != 0;
}

int target_exited(pid_t pid)
{
    char path[64];
    struct dirent *entry;
    int exited = 1;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return 1;
    while (exited && (entry = readdir(dir)) != NULL)
        if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9')
            exited = target_thread_exiting(pid, (pid_t)atoi(entry->d_name));
    closedir(dir);
    return exited;
}

int target_open(struct target *t, pid_t pid)
{
    char path[64], *line = NULL;
    size_t line_size = 0;
    ssize_t length;

    memset(t, 0, sizeof(*t));
    t->pid = pid;
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *comm = fopen(path, "r");
    if (comm == NULL) {
        diag("no process %d", (int)pid);
        return EXIT_GONE;
    }
    if (fgets(t->comm, sizeof(t->comm), comm) != NULL)
        t->comm[strcspn(t->comm, "\n")] = '\0';
    fclose(comm);
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, t->exe, sizeof(t->exe) - 1);
    t->exe[n > 0 ? n : 0] = '\0';
    struct stat exe;
    if (stat(path, &exe) == 0) {
        t->exe_dev = exe.st_dev;
        t->exe_inode = exe.st_ino;
    }
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    errno = 0;
    FILE *maps = fopen(path, "r");
    if (maps == NULL || (length = getline(&line, &line_size, maps)) <= 0) {
        int err = errno;
        free(line);
        if (maps != NULL)
            fclose(maps);
        if (err == 0 && is_kernel_thread(pid)) {
            diag("process %d (%s) is a kernel thread: it publishes nothing", (int)pid, t->comm);
            return EXIT_NO_OTELCTX;
        }
        diag("cannot read %s: %s%s", path, err ? strerror(err) : "empty",
             err == EACCES ? " (run as the process's user or as root)" : "");
        return err == EACCES ? EXIT_PERMISSION : EXIT_GONE;
    }
    do {
        if (line[length - 1] == '\n')
            line[length - 1] = '\0';
        map_line(t, line);
    } while ((length = getline(&line, &line_size, maps)) > 0);
    free(line);
    fclose(maps);
    if (t->map_files_refused != 0) {
        diag("cannot read the mapped files of process %d through /proc/%d/map_files: %s "
             "(needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE: run as root)",
             (int)pid, (int)pid, strerror(t->map_files_refused));
        return EXIT_PERMISSION;
    }
    return 0;
}

void target_close(struct target *t)
{
    file_set_free(&t->files);
    free(t->objects);
    t->objects = NULL;
    t->n_objects = t->objects_cap = 0;
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

int target_threads(const struct target *t, pid_t **tids)
{
    char path[64];
    struct dirent *entry;
    pid_t *list = NULL;
    size_t n = 0, capacity = 0;

    *tids = NULL;
    snprintf(path, sizeof(path), "/proc/%d/task", (int)t->pid);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return -errno;
    while ((entry = readdir(dir)) != NULL) {
        char *end;
        long tid = strtol(entry->d_name, &end, 10);
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9' || *end != '\0' || tid <= 0 ||
            tid > INT32_MAX)
            continue;
        if (n == capacity) {
            size_t grown_capacity = capacity ? capacity * 2 : 64;
            pid_t *grown = realloc(list, grown_capacity * sizeof(*grown));
            if (grown == NULL) {
                closedir(dir);
                free(list);
                return -ENOMEM;
            }
            list = grown;
            capacity = grown_capacity;
        }
        list[n++] = (pid_t)tid;
    }
    closedir(dir);
    if (n > INT32_MAX) {
        free(list);
        return -E2BIG;
    }
    *tids = list;
    return (int)n;
}

/* A numeric field of /proc/PID/task/TID/status, 0 if absent. */
static int status_field(pid_t pid, pid_t tid, const char *format)
{
    char path[64], line[256];
    int value = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
    if ((f = fopen(path, "r")) == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, format, &value) == 1)
            break;
    fclose(f);
    return value > 0 ? value : 0;
}

void target_thread_name(pid_t pid, pid_t tid, char *name, size_t len)
{
    char path[64];
    ssize_t n = -1;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, name, len - 1);
        close(fd);
    }
    /* The kernel ends the name with a newline; a name may hold any other byte. */
    if (n > 0 && name[n - 1] == '\n')
        n--;
    name[n > 0 ? n : 0] = '\0';
}

pid_t target_thread_tracer(pid_t pid, pid_t tid)
{
    /* TracerPid names the tracing thread; its process is that thread's Tgid. */
    pid_t tracer = (pid_t)status_field(pid, tid, "TracerPid: %d");
    pid_t process = tracer != 0 ? (pid_t)status_field(tracer, tracer, "Tgid: %d") : 0;

    return process != 0 ? process : tracer;
}
