/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linked with -static: no .dynsym, so no reader can find the slot (OTEP 4947
 * wants it in .dynsym "even for statically linked binaries", which only
 * -static-pie gives). otelctx_self_check() must say so and name the fix.
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
