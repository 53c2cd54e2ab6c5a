/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linked with -static: no .dynsym, where OTEP 4947 wants the slot "even for
 * statically linked binaries" (only -static-pie gives that; a reader that
 * falls back to .symtab finds it only in an unstripped binary). otelctx_self_check() must say so and name the fix.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "otelctx.h"

int main(void)
{
    char why[512];
    int ret = otelctx_self_check(why, sizeof(why));

    printf("self_check %d %s\n", ret, why);
    CHECK_EQ(ret, -ENOEXEC);
    CHECK(strstr(why, "-static-pie") != NULL);
    return 0;
}
