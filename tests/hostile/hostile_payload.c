/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Class "hostile payload and records": a publisher whose process context
 * header or thread record lies.
 *   hostile_payload unreadable            payload pointer to an unreadable page
 *   hostile_payload bytes FILE [SIZE]   payload FILE's bytes, the size field
 *                                       SIZE (default: the file's size)
 *   hostile_payload record-size         a valid record, attrs_data_size 65535
 *   hostile_payload slot-unreadable       the slot points to an unreadable page
 * The first two publish by hand (the library in external mode), the last
 * two through the library.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <otelctx.h>

#include "raw_ctx.h"

static const uint8_t trace[16] = {0xaa, 6}, span[8] = {0xbb, 6};

/* A page no one can read (PROT_NONE, kept mapped so that no later mapping
 * takes its place): process_vm_readv of it fails with EFAULT. */
static uint8_t *unreadable_page(void)
{
    uint8_t *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        hostile_die("mmap");
    return page;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    if (strcmp(mode, "unreadable") == 0 || strcmp(mode, "bytes") == 0) {
        otelctx_process_external();
        if (otelctx_update(trace, span, 1, NULL, 0) != 0)
            hostile_die("otelctx_update");
        if (mode[0] == 'u') {
            raw_ctx_publish(100, (uint64_t)(uintptr_t)unreadable_page());
        } else if (argc >= 3) {
            size_t size;
            const uint8_t *payload = raw_ctx_slurp(argv[2], &size);
            if (argc > 3)
                size = strtoul(argv[3], NULL, 10);
            raw_ctx_publish((uint32_t)size, (uint64_t)(uintptr_t)payload);
        }
    } else if (strcmp(mode, "record-size") == 0) {
        otelctx_record *record = otelctx_record_new();
        if (record == NULL || otelctx_record_set(record, trace, span, 1, NULL, 0) != 0)
            hostile_die("otelctx_record_set");
        record->attrs_data_size = 65535;
        otelctx_attach(record);
    } else if (strcmp(mode, "slot-unreadable") == 0) {
        otelctx_record *record = otelctx_record_new();
        if (record == NULL)
            hostile_die("otelctx_record_new");
        otelctx_attach((otelctx_record *)unreadable_page());
    } else {
        fprintf(stderr, "usage: hostile_payload unreadable | bytes FILE [SIZE] | record-size | "
                        "slot-unreadable\n");
        return 2;
    }
    hostile_ready_and_wait();
}
