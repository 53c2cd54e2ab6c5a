/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A writer of the spec's format that is not otelctx beside libotelctx.so:
 * foreign [--deepbind] FOREIGN_LIBRARY. Loaded RTLD_LOCAL, its reference to
 * otel_thread_ctx_v1 binds to libotelctx.so's (the global scope comes
 * first): both write one slot, "interposed". With RTLD_DEEPBIND it binds to
 * its own: "a distinct slot". Either way otelctx_self_check() must return
 * -EEXIST and name the object and which of the two it is.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "otelctx.h"

int main(int argc, char **argv)
{
    char why[1024];
    int deepbind = argc == 3 && strcmp(argv[1], "--deepbind") == 0;
    const char *path = argv[argc - 1];

    CHECK(argc == 2 || deepbind);
    CHECK_EQ(otelctx_self_check(why, sizeof(why)), 0); /* alone so far */
    void *foreign = dlopen(path, RTLD_NOW | RTLD_LOCAL | (deepbind ? RTLD_DEEPBIND : 0));
    CHECK(foreign != NULL);
    void (*publish)(const uint8_t *, const uint8_t *);
    *(void **)&publish = dlsym(foreign, "foreign_slot_publish");
    CHECK(publish != NULL);
    const uint8_t trace[16] = {0xf0, 1}, span[8] = {0xf0, 2};
    publish(trace, span);

    int err = otelctx_self_check(why, sizeof(why));
    printf("self_check %d %s\n", err, why);
    CHECK_EQ(err, -EEXIST);
    CHECK(strstr(why, path) != NULL);
    CHECK(strstr(why, deepbind ? "a distinct slot" : "(interposed)") != NULL);
    return 0;
}
