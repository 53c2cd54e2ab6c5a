/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attribute key map: index -> name, append-only, at most 256 keys.
 * Thread records carry the index; the process context carries the names.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "key_map.h"
#include "otelctx.h"

pthread_mutex_t otelctx__registry_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *keys[OTELCTX_MAX_KEYS];
static size_t n_keys;                /* under otelctx__registry_lock */
/* How many keys otelctx_key_map() shows: raised once a key is for good
 * (published), after its entry is written, so lock-free readers of keys[]
 * never see an entry that could still be taken back. */
static atomic_size_t n_settled_keys;

static struct {
    void (*on_key)(uint8_t index, const char *name, void *arg);
    void *arg;
} listener;                          /* under otelctx__registry_lock */

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

void otelctx__key_listener_get(void (**on_key)(uint8_t, const char *, void *), void **arg)
{
    *on_key = listener.on_key;
    *arg = listener.arg;
}

size_t otelctx_key_map(const char *const **names)
{
    size_t n = atomic_load_explicit(&n_settled_keys, memory_order_acquire);
    if (names != NULL)
        *names = keys;
    return n;
}

int otelctx_key_listener(void (*on_key)(uint8_t index, const char *name, void *arg), void *arg)
{
    pthread_mutex_lock(&otelctx__registry_lock);
    listener.on_key = on_key;
    listener.arg = on_key != NULL ? arg : NULL;
    pthread_mutex_unlock(&otelctx__registry_lock);
    return 0;
}
