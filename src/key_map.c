/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attribute key map: index -> name, append-only, at most 256 keys.
 * Thread records carry the index; the process context carries the names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "otelctx.h"
#include "process_ctx.h"

#define MAX_KEYS 256
#define MAX_KEY_LEN 255

static const char *keys[MAX_KEYS];
static size_t n_keys;

const char *const *otelctx__key_map(size_t *count)
{
    *count = n_keys;
    return keys;
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
    return (int)(n_keys - 1);
}

int otelctx_key_index(const char *name)
{
    if (name == NULL || name[0] == '\0' || strnlen(name, MAX_KEY_LEN + 1) > MAX_KEY_LEN)
        return -EINVAL;

    pthread_mutex_lock(&otelctx__process_lock);
    int index = find_key(name);
    if (index < 0)
        index = register_key(name);
    pthread_mutex_unlock(&otelctx__process_lock);
    return index;
}
