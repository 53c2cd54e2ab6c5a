/* SPDX-License-Identifier: Apache-2.0 */
/* One copy of otelctx in the host process, driven through its own entry
 * points (dlsym on the object that embeds it, or the host's own). */
#ifndef OTELCTX_TEST_COPY_API_H
#define OTELCTX_TEST_COPY_API_H

#include "otelctx.h"

struct copy_api {
    const char *path;      /* as dlopened; "self" for the host's own copy */
    void *handle;          /* NULL for the host's own copy */
    int (*key_index)(const char *name);
    size_t (*key_map)(const char *const **names);
    int (*key_listener)(void (*on_key)(uint8_t, const char *, void *), void *arg);
    int (*update)(const uint8_t *trace_id, const uint8_t *span_id, uint8_t flags,
                  const otelctx_attr *attrs, size_t n_attrs);
    int (*update_span)(const uint8_t *span_id);
    int (*attr_push)(const otelctx_attr *attr);
    int (*attr_pop)(size_t n);
    int (*record_set)(otelctx_record *record, const uint8_t *trace_id, const uint8_t *span_id,
                      uint8_t flags, const otelctx_attr *attrs, size_t n_attrs);
    otelctx_record *(*record_new)(void);
    otelctx_record *(*attach)(otelctx_record *record);
    otelctx_record *(*detach)(void);
    otelctx_record *(*current)(void);
    int (*self_check)(char *why, size_t why_len);
    int (*process_publish)(const otelctx_kv *resource, size_t n_resource);
    int (*process_unpublish)(void);
};

#endif
