/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registering a key: the key map (key_map.c) and the process context that
 * names it to readers (process_ctx.c), in that order, under one lock.
 */
#include <errno.h>
#include <string.h>

#include "copies.h"
#include "key_map.h"
#include "otelctx.h"
#include "process_ctx.h"
#include "utf8.h"

/* Appends name; the republish happens before the index is handed out, so no
 * thread record can carry an index whose name is not yet published. */
static int register_key(const char *name)
{
    int index = otelctx__key_append(name);
    if (index < 0)
        return index;
    int err = otelctx__process_republish();
    if (err < 0) {
        otelctx__key_drop_last();
        return err;
    }
    otelctx__key_settle();
    return index;
}

int otelctx__key_index_here(const char *name)
{
    if (name == NULL || name[0] == '\0' || strnlen(name, OTELCTX_MAX_KEY_LEN + 1) > OTELCTX_MAX_KEY_LEN)
        return -EINVAL;
    /* The name goes into a protobuf string field of the process context. */
    if (!otelctx__utf8_valid((const uint8_t *)name, strlen(name)))
        return -EINVAL;

    /* Keys are looked up before records are written: a forked child
     * publishes the context it inherited here at the latest, even when
     * every key it asks for exists. */
    otelctx__process_ensure();
    pthread_mutex_lock(&otelctx__registry_lock);
    int index = otelctx__key_find(name), added = 0;
    if (index < 0) {
        index = register_key(name);
        added = index >= 0;
    }
    struct otelctx_key_listener listeners[OTELCTX_MAX_LISTENERS];
    size_t n_listeners = 0;
    const char *stored = NULL; /* the map's copy: lives as long as the process */
    if (added) {
        size_t n_keys;
        stored = otelctx__key_map(&n_keys)[index];
        n_listeners = otelctx__key_listeners_get(listeners);
    }
    pthread_mutex_unlock(&otelctx__registry_lock);
    /* Outside the lock: a listener may call back into otelctx (the key
     * map, another registration) to republish its own context. Every copy's
     * listener hears of every key, whichever copy registered it. */
    for (size_t i = 0; i < n_listeners; i++)
        listeners[i].on_key((uint8_t)index, stored, listeners[i].arg);
    return index;
}

int otelctx_key_index(const char *name)
{
    return otelctx__owner()->ops->key_index(name);
}
