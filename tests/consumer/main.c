/* SPDX-License-Identifier: Apache-2.0 */
/* A consumer of the installed library: publishes a context and reads it back. */
#include <stdio.h>
#include <string.h>

#include <otelctx.h>

int main(void)
{
    static const uint8_t trace_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    static const uint8_t span_id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const otelctx_attr attr = {.key = 0, .value = "consumer", .len = 8};

    int ret = otelctx_update(trace_id, span_id, 1, &attr, 1);
    otelctx_record *record = otelctx_current();
    if (ret != 0 || record == NULL || memcmp(record->trace_id, trace_id, 16) != 0) {
        fprintf(stderr, "consumer: publish failed: %s\n", otelctx_strerror(ret));
        return 1;
    }
    puts("consumer: published");
    return 0;
}
