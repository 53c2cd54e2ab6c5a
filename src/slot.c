/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "otelctx.h"
#include "own_record.h"
#include "record.h"
#include "tls_slot.h"
#include "write_order.h"

otelctx_record *otelctx_attach(otelctx_record *record)
{
    otelctx_record **slot = otelctx_tls_slot();
    otelctx_record *previous = slot_load(slot);

    slot_store(slot, record);
    return previous;
}

otelctx_record *otelctx_detach(void)
{
    return otelctx_attach(NULL);
}

otelctx_record *otelctx_current(void)
{
    return slot_load(otelctx_tls_slot());
}

/* Nothing attached: fill the thread's own record while it is still
 * unreachable, then publish it whole (swap style). Off the hot path. */
__attribute__((noinline, cold))
static int update_own_record(otelctx_record **slot,
                             const uint8_t trace_id[16], const uint8_t span_id[8],
                             uint8_t trace_flags,
                             const otelctx_attr *attrs, size_t n_attrs)
{
    otelctx_record *record = otelctx__own_record();

    if (record == NULL)
        return -ENOMEM;
    int ret = otelctx__record_set(record, trace_id, span_id, trace_flags,
                                  attrs, n_attrs);
    if (ret >= 0)
        slot_store(slot, record);
    return ret;
}

int otelctx_update(const uint8_t trace_id[16], const uint8_t span_id[8],
                   uint8_t trace_flags,
                   const otelctx_attr *attrs, size_t n_attrs)
{
    otelctx_record **slot = otelctx_tls_slot();
    otelctx_record *record = slot_load(slot);

    if (record == NULL)
        return update_own_record(slot, trace_id, span_id, trace_flags,
                                 attrs, n_attrs);
    return otelctx__record_set(record, trace_id, span_id, trace_flags,
                               attrs, n_attrs);
}
