/* SPDX-License-Identifier: Apache-2.0 */
/* Every error the library returns has its own name. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "otelctx.h"

int main(void)
{
    const int errors[] = {-EINVAL, -ENOMEM, -ENOSPC, -ENOENT, -ENOTSUP, -E2BIG, -ENOEXEC,
                          -EEXIST, -EBUSY, -EPERM};
    const char *unknown = otelctx_strerror(-EXDEV);
    const char *success = otelctx_strerror(0);

    CHECK(unknown != NULL && success != NULL);
    CHECK(strcmp(unknown, success) != 0);
    CHECK(strcmp(otelctx_strerror(2), success) != 0);
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        const char *name = otelctx_strerror(errors[i]);
        CHECK(name != NULL);
        CHECK(strcmp(name, unknown) != 0);
        CHECK(strcmp(name, success) != 0);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(name, otelctx_strerror(errors[j])) != 0);
    }
    return 0;
}
