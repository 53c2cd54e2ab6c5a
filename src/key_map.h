/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attribute key map: index -> name, append-only, at most 256 keys. The
 * lowest layer of the process-wide state: process_ctx.c builds its payload
 * from it, key_index.c registers keys into it and republishes; it depends
 * on neither.
 */
#ifndef OTELCTX_KEY_MAP_H
#define OTELCTX_KEY_MAP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define OTELCTX_MAX_KEYS 256
#define OTELCTX_MAX_KEY_LEN 255

/* Serialises every writer of the key map and of the process context that
 * publishes it, so a context never lists a key map it did not see. */
extern pthread_mutex_t otelctx__registry_lock;

/* With the lock held: the registered key names, in index order, settled or
 * not. */
const char *const *otelctx__key_map(size_t *n_keys);

/* With the lock held: the index of name, or -ENOENT. */
int otelctx__key_find(const char *name);

/* With the lock held: appends a copy of name, not yet shown by
 * otelctx_key_map(); its index, or -ENOSPC (256 keys), -ENOMEM. */
int otelctx__key_append(const char *name);

/* With the lock held: takes back the last appended, unsettled key. */
void otelctx__key_drop_last(void);

/* With the lock held: every appended key is for good (published); lock-free
 * readers of otelctx_key_map() see them from now on. */
void otelctx__key_settle(void);

/* With the lock held: the key listener (NULL when none) and its argument. */
void otelctx__key_listener_get(void (**on_key)(uint8_t, const char *, void *), void **arg);

#endif
