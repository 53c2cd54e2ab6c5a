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
    case -ENOSPC:
        return "attribute key map is full (256 keys), or 16 copies of otelctx have a key listener";
    case -ENOENT:
        return "nothing attached to the thread, or no process context is published";
    case -ENOTSUP:
        return "process context mapping could not be named (no memfd, no PR_SET_VMA)";
    case -ENOEXEC:
        return "otel_thread_ctx_v1 is not exported as the specification requires";
    case -E2BIG:
        return "process context payload would exceed 65536 bytes";
    case -EBUSY:
        return "a writer was called while the thread was inside another (signal handler)";
    case -EEXIST:
        return "another SDK's process context or thread slot is in the process (or external mode)";
    case -EPERM:
        return "another copy of otelctx in the process published the process context's resource";
    default:
        return "unknown error";
    }
}
