/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dlopens a libotelctx build and prints what its otelctx_self_check() says:
 * "self_check RET WHY". Exits 0 when RET is 0, 2 when it is negative.
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char why[256];

    if (argc != 2) {
        fprintf(stderr, "usage: %s LIBRARY\n", argv[0]);
        return 1;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "self_check_probe: %s\n", dlerror());
        return 1;
    }
    int (*self_check)(char *, size_t);
    *(void **)&self_check = dlsym(lib, "otelctx_self_check"); /* POSIX idiom */
    if (self_check == NULL) {
        fprintf(stderr, "self_check_probe: %s\n", dlerror());
        return 1;
    }
    int ret = self_check(why, sizeof(why));
    printf("self_check %d %s\n", ret, why);
    return ret == 0 ? 0 : 2;
}
