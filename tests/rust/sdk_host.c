/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A C host that dlopens the Rust SDK cdylib (tests/rust/sdk_cdylib) and
 * speaks tests/scenario_reader.py's protocol: one thread per context line
 * enters it through rust_sdk_enter(), "self_check", "thread TID any" lines
 * and "ready" are printed, and the threads leave when stdin closes. With
 * OTELCTX_SCENARIO_BUSY=1 they spin in this program's code until then, for
 * a sampling reader (perf events fire only on a running thread).
 * Usage: sdk_host LIBRARY
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_THREADS = 16, LINE_MAX_LEN = 4096 };

static int (*sdk_enter)(const char *line);
static void (*sdk_exit)(void);
static int (*sdk_self_check)(char *why, size_t len);

static struct job {
    char line[LINE_MAX_LEN];
    pid_t tid;
    int ret;
} jobs[MAX_THREADS];
static pthread_barrier_t entered, released;
static int busy;                 /* OTELCTX_SCENARIO_BUSY=1 */
static atomic_int stop_spinning; /* stdin closed */

static void *symbol(void *handle, const char *name)
{
    void *found = dlsym(handle, name);
    if (found == NULL) {
        fprintf(stderr, "sdk_host: dlsym %s: %s\n", name, dlerror());
        exit(1);
    }
    return found;
}

static void *run(void *arg)
{
    struct job *job = arg;

    job->ret = sdk_enter(job->line);
    job->tid = gettid();
    pthread_barrier_wait(&entered);
    while (busy && !atomic_load_explicit(&stop_spinning, memory_order_relaxed))
        ;
    atomic_store_explicit(&stop_spinning, 1, memory_order_relaxed);
    pthread_barrier_wait(&released);
    sdk_exit();
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t threads[MAX_THREADS];
    char why[256], line[LINE_MAX_LEN];
    int n = 0;
    const char *busy_env = getenv("OTELCTX_SCENARIO_BUSY");

    busy = busy_env != NULL && strcmp(busy_env, "1") == 0;
    if (argc != 2) {
        fprintf(stderr, "usage: sdk_host LIBRARY\n");
        return 2;
    }
    void *handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        fprintf(stderr, "sdk_host: dlopen %s: %s\n", argv[1], dlerror());
        return 1;
    }
    *(void **)&sdk_enter = symbol(handle, "rust_sdk_enter");
    *(void **)&sdk_exit = symbol(handle, "rust_sdk_exit");
    *(void **)&sdk_self_check = symbol(handle, "rust_sdk_self_check");
    while (n < MAX_THREADS && fgets(jobs[n].line, LINE_MAX_LEN, stdin) != NULL &&
           jobs[n].line[0] != '\n')
        n++;
    int ret = sdk_self_check(why, sizeof(why));
    printf("self_check %d %s\n", ret, why);
    pthread_barrier_init(&entered, NULL, (unsigned)n + 1);
    pthread_barrier_init(&released, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++)
        pthread_create(&threads[i], NULL, run, &jobs[i]);
    pthread_barrier_wait(&entered);
    for (int i = 0; i < n; i++) {
        if (jobs[i].ret != 0) {
            fprintf(stderr, "sdk_host: rust_sdk_enter returned %d for line %d\n", jobs[i].ret, i);
            return 1;
        }
        printf("thread %d any\n", (int)jobs[i].tid);
    }
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL)
        ;
    atomic_store_explicit(&stop_spinning, 1, memory_order_relaxed);
    pthread_barrier_wait(&released);
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    return 0;
}
