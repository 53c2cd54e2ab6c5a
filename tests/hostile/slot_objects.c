/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack: more objects defining otel_thread_ctx_v1 than a reader may have
 * room for. dlopen()s each argument (copies of libotelctx.so under other
 * names) RTLD_LOCAL, each with a TLS slot of its own, and through each
 * copy's otelctx_update publishes a record on the main thread
 * (tid_record.h, index = the argument's position from 0). Prints "ready",
 * then sleeps until killed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "tid_record.h"

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        void *copy = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
        if (copy == NULL) {
            fprintf(stderr, "slot_objects: %s\n", dlerror());
            return 1;
        }
        tid_record_update_fn update;
        *(void **)&update = dlsym(copy, "otelctx_update"); /* POSIX's cast for a function */
        CHECK(update != NULL);
        CHECK_EQ(tid_record_publish_with(update, (uint32_t)(i - 1)), 0);
    }
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}
