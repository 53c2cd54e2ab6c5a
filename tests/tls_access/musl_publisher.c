/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The musl oracle for tests/tls_access (gdb cannot resolve TLS on musl):
 * THREADS threads each ask the libc for their own otel_thread_ctx_v1 with
 * dlsym (musl's dlsym returns the calling thread's address of a TLS
 * symbol, from its own DTV), print "slot TID 0xADDRESS", then "ready", and
 * wait for stdin to close. argv[1], if given, is the library to dlopen;
 * otherwise the slot is the linked libotelctx.so's.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "otelctx.h"

enum { THREADS = 4 };

static void *handle;
static pthread_barrier_t printed, released;
static pthread_mutex_t output = PTHREAD_MUTEX_INITIALIZER;

static void *thread_main(void *arg)
{
    (void)arg;
    void *slot = dlsym(handle, "otel_thread_ctx_v1");
    if (slot == NULL) {
        fprintf(stderr, "musl_publisher: dlsym otel_thread_ctx_v1: %s\n", dlerror());
        exit(1);
    }
    pthread_mutex_lock(&output);
    printf("slot %ld %p\n", (long)syscall(SYS_gettid), slot);
    fflush(stdout);
    pthread_mutex_unlock(&output);
    pthread_barrier_wait(&printed);
    pthread_barrier_wait(&released);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t threads[THREADS];

    handle = argc > 1 ? dlopen(argv[1], RTLD_NOW | RTLD_LOCAL) : RTLD_DEFAULT;
    if (argc > 1 && handle == NULL) {
        fprintf(stderr, "musl_publisher: dlopen %s: %s\n", argv[1], dlerror());
        return 1;
    }
#ifdef LINKED
    /* Linked, not dlopened: a reference keeps libotelctx.so loaded. */
    otelctx_record_free(otelctx_record_new());
#endif
    if (pthread_barrier_init(&printed, NULL, THREADS + 1) != 0 ||
        pthread_barrier_init(&released, NULL, THREADS + 1) != 0)
        return 1;
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, thread_main, NULL) != 0)
            return 1;
    pthread_barrier_wait(&printed);
    printf("ready\n");
    fflush(stdout);
    while (getchar() != EOF)
        continue;
    pthread_barrier_wait(&released);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    return 0;
}
