/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attribute key map: index -> name, append-only, at most 256 keys.
 * Thread records carry the index; the process context carries the names.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "copies.h"
#include "key_map.h"
#include "otelctx.h"

pthread_mutex_t otelctx__registry_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *keys[OTELCTX_MAX_KEYS];
static size_t n_keys;                /* under otelctx__registry_lock */
/* How many keys otelctx_key_map() shows: raised once a key is for good
 * (published), after its entry is written, so lock-free readers of keys[]
 * never see an entry that could still be taken back. */
static atomic_size_t n_settled_keys;

static struct otelctx_key_listener listeners[OTELCTX_MAX_LISTENERS];
static size_t n_listeners;           /* under otelctx__registry_lock */

const char *const *otelctx__key_map(size_t *count)
{
    *count = n_keys;
    return keys;
}

int otelctx__key_find(const char *name)
{
    for (size_t i = 0; i < n_keys; i++)
        if (strcmp(keys[i], name) == 0)
            return (int)i;
    return -ENOENT;
}

int otelctx__key_append(const char *name)
{
    if (n_keys == OTELCTX_MAX_KEYS)
        return -ENOSPC;
    char *copy = strdup(name);
    if (copy == NULL)
        return -ENOMEM;
    keys[n_keys++] = copy;
    return (int)(n_keys - 1);
}

void otelctx__key_drop_last(void)
{
    free((void *)keys[--n_keys]);
    keys[n_keys] = NULL;
}

void otelctx__key_settle(void)
{
    atomic_store_explicit(&n_settled_keys, n_keys, memory_order_release);
}

size_t otelctx__key_listeners_get(struct otelctx_key_listener out[OTELCTX_MAX_LISTENERS])
{
    memcpy(out, listeners, n_listeners * sizeof(listeners[0]));
    return n_listeners;
}

size_t otelctx__key_map_here(const char *const **names)
{
    size_t n = atomic_load_explicit(&n_settled_keys, memory_order_acquire);
    if (names != NULL)
        *names = keys;
    return n;
}

/* One entry per copy: a copy replaces or removes its own listener only, so
 * two SDKs in one process cannot unregister each other. */
int otelctx__key_listener_here(const struct otelctx_copy *caller,
                               void (*on_key)(uint8_t, const char *, void *), void *arg)
{
    int err = 0;
    size_t i = 0;

    pthread_mutex_lock(&otelctx__registry_lock);
    while (i < n_listeners && listeners[i].copy != caller)
        i++;
    if (on_key == NULL) {
        if (i < n_listeners)
            listeners[i] = listeners[--n_listeners];
    } else if (i < OTELCTX_MAX_LISTENERS) {
        listeners[i] = (struct otelctx_key_listener){caller, on_key, arg};
        n_listeners += i == n_listeners;
    } else {
        err = -ENOSPC;
    }
    pthread_mutex_unlock(&otelctx__registry_lock);
    return err;
}

size_t otelctx_key_map(const char *const **names)
{
    return otelctx__owner()->ops->key_map(names);
}

int otelctx_key_listener(void (*on_key)(uint8_t index, const char *name, void *arg), void *arg)
{
    return otelctx__owner()->ops->key_listener(&otelctx__copy, on_key, arg);
}
