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

struct otelctx_copy;

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

/* A key listener, and the copy of otelctx that registered it. */
struct otelctx_key_listener {
    const void *copy;
    void (*on_key)(uint8_t index, const char *name, void *arg);
    void *arg;
};

/* One listener per copy of otelctx in the process (src/copies.h). */
#define OTELCTX_MAX_LISTENERS 16

/* With the lock held: the registered listeners, copied into out; their number. */
size_t otelctx__key_listeners_get(struct otelctx_key_listener out[OTELCTX_MAX_LISTENERS]);

/* The owner's implementations of otelctx_key_map(), otelctx_key_listener()
 * and otelctx_key_index(), for every copy (src/copies.h); caller is the
 * copy whose listener it is. */
size_t otelctx__key_map_here(const char *const **names);
int otelctx__key_listener_here(const struct otelctx_copy *caller,
                               void (*on_key)(uint8_t, const char *, void *), void *arg);
int otelctx__key_index_here(const char *name);

#endif
