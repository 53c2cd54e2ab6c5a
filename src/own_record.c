/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>

#include "own_record.h"
#include "tls_slot.h"
#include "write_order.h"

/*
 * A pthread key rather than a second TLS variable: shim/ stays the only code
 * that touches TLS, and the key's destructor is what frees the record when
 * the thread exits. The library is linked with -z nodelete so the destructor
 * cannot outlive its code after a dlclose.
 */
static pthread_key_t own_key;
static pthread_once_t own_key_once = PTHREAD_ONCE_INIT;
static int own_key_ready;

static void own_record_release(void *record)
{
    otelctx_record **slot = otelctx_tls_slot();

    /* A reader must never follow the slot into freed memory. */
    if (slot_load(slot) == record)
        slot_store(slot, NULL);
    otelctx_record_free(record);
}

static void own_key_create(void)
{
    own_key_ready = pthread_key_create(&own_key, own_record_release) == 0;
}

otelctx_record *otelctx__own_record(void)
{
    if (pthread_once(&own_key_once, own_key_create) != 0 || !own_key_ready)
        return NULL;

    otelctx_record *record = pthread_getspecific(own_key);
    if (record != NULL)
        return record;

    /* Not otelctx_record_new (an entry point makes no call to another):
     * zeroed and never published before the caller writes it whole. */
    record = otelctx__record_alloc();
    if (record != NULL && pthread_setspecific(own_key, record) != 0) {
        otelctx_record_free(record);
        record = NULL;
    }
    return record;
}
