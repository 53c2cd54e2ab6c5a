/* SPDX-License-Identifier: Apache-2.0 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

#include "escape.h"

static char held[16384];
static size_t used;

/* The message is escaped whole: what the tool writes is printable ASCII,
 * and the names, paths and comm it quotes came from the target. */
void diag(const char *format, ...)
{
    static const char prefix[] = "otelctx-inspect: ";
    char message[8192];
    va_list ap;

    va_start(ap, format);
    vsnprintf(message, sizeof(message), format, ap);
    va_end(ap);
    /* Room for the prefix and the newline, or the line is left out. */
    if (sizeof(held) - used < sizeof(prefix) + 1)
        return;
    snprintf(held + used, sizeof(held) - used, "%s", prefix);
    used += sizeof(prefix) - 1;
    used += escape_into(held + used, sizeof(held) - used - 1, message);
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
