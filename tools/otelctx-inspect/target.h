/* SPDX-License-Identifier: Apache-2.0 */
/* Another process, seen through /proc, process_vm_readv and ptrace. */
#ifndef OTELCTX_INSPECT_TARGET_H
#define OTELCTX_INSPECT_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "elf_file.h"
#include "file_set.h"

/*
 * An ELF object of the target: a file mapped from offset 0, read through
 * /proc/PID/map_files (the kernel's handle to that very mapping). One per
 * such mapping (the same file mapped twice is two objects at two load
 * biases, read once: elf is a shallow copy of the file set's entry).
 */
struct loaded_object {
    const char *path;           /* as the maps line names it, owned by the file set */
    uint64_t base;              /* load bias: run-time address - file address */
    int is_executable;          /* the file /proc/PID/exe is */
    struct elf_file elf;
};

/* A mapping whose name mentions OTEL_CTX, as /proc/PID/maps shows it. */
struct ctx_mapping {
    uint64_t start;
    char perms[8];
    char name[128];
};

enum { MAX_CTX_MAPPINGS = 8 };

struct target {
    pid_t pid;
    char comm[64];
    char exe[4096];             /* the executable's path, as /proc/PID/exe links it */
    struct loaded_object *objects;
    size_t n_objects, objects_cap;
    struct file_set files;      /* every mapped file, by (device, inode) */
    uint64_t exe_dev, exe_inode; /* of /proc/PID/exe */
    int map_files_refused;      /* errno of a refused map_files entry, or 0 */
    uint64_t ctx_mapping;       /* start of the OTEL_CTX mapping, 0 if none */
    struct ctx_mapping ctx_mappings[MAX_CTX_MAPPINGS]; /* every one, for --strict */
    size_t n_ctx_mappings;
};

/* Exit codes of otelctx-inspect, documented in its usage text, docs/inspect.md
 * and otelctx-inspect(1). */
enum {
    EXIT_USAGE = 1,
    EXIT_GONE = 2,              /* no such process, or it exited mid-read */
    EXIT_PERMISSION = 3,        /* ptrace or /proc access refused */
    EXIT_NO_OTELCTX = 4,        /* no loaded object exports the slot */
    EXIT_NO_TLS = 5,            /* TLS of the process cannot be resolved */
    EXIT_CHECK_FAILED = 6,      /* check: a file breaks the ELF rules */
    EXIT_STRICT = 7,            /* --strict: the reading breaks a reader's rule */
};

/* Reads maps and every mapped ELF object; 0 or an exit code. */
int target_open(struct target *t, pid_t pid);
void target_close(struct target *t);

/* Memory of the target; 0, or -errno (-ESRCH when it is gone). */
int target_read(const struct target *t, uint64_t address, void *buf, size_t len);

/* Run-time address of a defined dynamic symbol in any loaded object, 0 if none. */
uint64_t target_symbol(const struct target *t, const char *name);

/* The thread ids of the target, from /proc/PID/task, in *tids (the
 * caller frees it); their count, or -errno. */
int target_threads(const struct target *t, pid_t **tids);

/* The process tracing thread tid of process pid (its TracerPid), 0 if none. */
pid_t target_thread_tracer(pid_t pid, pid_t tid);

/* The thread's name (/proc/PID/task/TID/comm, set by the runtime with
 * pthread_setname_np or prctl): at most len - 1 bytes, raw target text to be
 * escaped; "" when it cannot be read. */
void target_thread_name(pid_t pid, pid_t tid, char *name, size_t len);

/*
 * Whether thread tid of process pid is gone or on its way out: no longer
 * listed, a zombie, past the start of its exit (PF_EXITING), or with SIGKILL
 * pending. A process exits in no fixed order: its maps empty or shrink, its
 * files and root vanish, ptrace refuses its threads (EPERM, ESRCH) while
 * some still run. These tests see the exit from its first step.
 */
int target_thread_exiting(pid_t pid, pid_t tid);

/* Whether every thread of process pid is exiting (or the process is gone). */
int target_exited(pid_t pid);

#endif
