/* SPDX-License-Identifier: Apache-2.0 */
/* Prepared attribute sets: made once, then only read (any thread). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "attrset.h"
#include "record_write.h"

otelctx_attrset *otelctx_attrset_new(const otelctx_attr *attrs, size_t n_attrs, int *left_out)
{
    /* otelctx_record_set's checks, then its slow finish (which writes
     * every attribute as the straight line does, and the rest), into a
     * record no reader can see: the set holds exactly what
     * otelctx_record_set would write. The guard byte is a local one
     * (nothing is published). */
    if (n_attrs != 0 && (attrs == NULL || n_attrs > INT_MAX)) {
        errno = EINVAL;
        return NULL;
    }
    if (n_attrs != 0 && otelctx__values_invalid(attrs, n_attrs)) {
        errno = EINVAL;
        return NULL;
    }
    otelctx_record scratch;
    unsigned char writing = 1;

    memset(&scratch, 0, sizeof(scratch));
    int ret = otelctx__finish_record(&scratch, attrs, n_attrs != 0 ? attrs + n_attrs : attrs, 0, 0,
                                     &writing);
    size_t size = scratch.attrs_data_size, padded = size < 16 ? 16 : size;
    otelctx_attrset *set = calloc(1, sizeof(*set) + padded);
    if (set == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    set->size = (uint16_t)size;
    set->left_out = ret;
    memcpy(set->data, scratch.attrs_data, size);
    if (left_out != NULL)
        *left_out = ret;
    return set;
}

void otelctx_attrset_free(otelctx_attrset *set)
{
    free(set);
}
