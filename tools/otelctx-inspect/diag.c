/* SPDX-License-Identifier: Apache-2.0 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

static char held[16384];
static size_t used;

void diag(const char *format, ...)
{
    va_list ap;
    int n = snprintf(held + used, sizeof(held) - used, "otelctx-inspect: ");

    if (n > 0 && (size_t)n < sizeof(held) - used)
        used += (size_t)n;
    va_start(ap, format);
    n = vsnprintf(held + used, sizeof(held) - used, format, ap);
    va_end(ap);
    if (n > 0)
        used += (size_t)n < sizeof(held) - used ? (size_t)n : sizeof(held) - used - 1;
    if (used < sizeof(held) - 1)
        held[used++] = '\n';
    held[used] = '\0';
}

void diag_flush(void)
{
    fputs(held, stderr);
    diag_drop();
}

void diag_drop(void)
{
    used = 0;
    held[0] = '\0';
}
