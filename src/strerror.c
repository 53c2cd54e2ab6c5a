/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "otelctx.h"

const char *otelctx_strerror(int err)
{
    if (err > 0)
        return "success, some attributes were left out";
    switch (err) {
    case 0:
        return "success";
    case -EINVAL:
        return "invalid argument";
    case -ENOMEM:
        return "out of memory";
    default:
        return "unknown error";
    }
}
