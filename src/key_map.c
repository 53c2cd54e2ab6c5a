/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attribute key map: index -> name, append-only, at most 256 keys.
 * Thread records carry the index; the process context carries the names.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "otelctx.h"
#include "process_ctx.h"

#define MAX_KEYS 256
#define MAX_KEY_LEN 255

static const char *keys[MAX_KEYS];
static size_t n_keys;                /* under otelctx__process_lock */
/* How many keys otelctx_key_map() shows: raised once a key is for good
 * (published), after its entry is written, so lock-free readers of keys[]
 * never see an entry that could still be taken back. */
static atomic_size_t n_settled_keys;

static struct {
    void (*on_key)(uint8_t index, const char *name, void *arg);
    void *arg;
} listener;                          /* under otelctx__process_lock */

const char *const *otelctx__key_map(size_t *count)
{
    *count = n_keys;
    return keys;
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
    pthread_mutex_lock(&otelctx__process_lock);
    listener.on_key = on_key;
    listener.arg = on_key != NULL ? arg : NULL;
    pthread_mutex_unlock(&otelctx__process_lock);
    return 0;
}

static int find_key(const char *name)
{
    for (size_t i = 0; i < n_keys; i++)
        if (strcmp(keys[i], name) == 0)
            return (int)i;
    return -ENOENT;
}

/* Appends name; the republish happens before the index is handed out, so no
 * thread record can carry an index whose name is not yet published. */
static int register_key(const char *name)
{
    if (n_keys == MAX_KEYS)
        return -ENOSPC;
    char *copy = strdup(name);
    if (copy == NULL)
        return -ENOMEM;

    keys[n_keys++] = copy;
    int err = otelctx__process_republish();
    if (err < 0) {
        keys[--n_keys] = NULL;
        free(copy);
        return err;
    }
    atomic_store_explicit(&n_settled_keys, n_keys, memory_order_release);
    return (int)(n_keys - 1);
}

int otelctx_key_index(const char *name)
{
    if (name == NULL || name[0] == '\0' || strnlen(name, MAX_KEY_LEN + 1) > MAX_KEY_LEN)
        return -EINVAL;

    pthread_mutex_lock(&otelctx__process_lock);
    int index = find_key(name), added = 0;
    if (index < 0) {
        index = register_key(name);
        added = index >= 0;
    }
    void (*on_key)(uint8_t, const char *, void *) = added ? listener.on_key : NULL;
    void *arg = listener.arg;
    pthread_mutex_unlock(&otelctx__process_lock);
    /* Outside the lock: the listener may call back into otelctx (the key
     * map, another registration) to republish its own context. */
    if (on_key != NULL)
        on_key((uint8_t)index, keys[index], arg);
    return index;
}
