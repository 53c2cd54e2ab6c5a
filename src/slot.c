/* SPDX-License-Identifier: Apache-2.0 */
/* The calling thread's slot: which record readers see. */
#include "otelctx.h"
#include "tls_slot.h"
#include "write_order.h"

/* Exported functions call this, never each other: a call from one exported
 * function to another would go through the library's PLT (both can be
 * interposed). */
static inline otelctx_record *slot_swap(otelctx_record *record)
{
    otelctx_record **slot = otelctx_tls_slot();
    otelctx_record *previous = slot_load(slot);

    slot_store(slot, record);
    return previous;
}

otelctx_record *otelctx_attach(otelctx_record *record)
{
    return slot_swap(record);
}

otelctx_record *otelctx_detach(void)
{
    return slot_swap(NULL);
}

otelctx_record *otelctx_detach_if(otelctx_record *record)
{
    otelctx_record **slot = otelctx_tls_slot();

    /* Only this thread writes its slot: the load and the store cannot be
     * separated by another writer, so no atomic exchange is needed. */
    if (record == NULL || slot_load(slot) != record)
        return NULL;
    slot_store(slot, NULL);
    return record;
}

otelctx_record *otelctx_current(void)
{
    return slot_load(otelctx_tls_slot());
}
