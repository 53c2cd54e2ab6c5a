/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A prepared attribute set (otelctx_attrset_new): the attributes checked and
 * encoded once, as otelctx_record_set encodes them, for writers that copy
 * the bytes as they are (record_write.h).
 */
#ifndef OTELCTX_ATTRSET_H
#define OTELCTX_ATTRSET_H

#include <stdint.h>

#include "otelctx.h"

struct otelctx_attrset {
    uint16_t size;       /* bytes of encoded entries */
    int left_out;        /* attributes otelctx_record_set would have left out */
    /* size bytes of entries, then zeros up to 16 at least: a set is copied
     * in whole 16-byte chunks. */
    uint8_t data[];
};

#endif
