/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The election among copies of otelctx in one process, and what joining
 * the owner means for a copy's slot (src/copies.h).
 *
 * The owner is the first copy in the dynamic linker's list of objects (the
 * executable, then the objects in load order): fixed before any copy runs,
 * the same answer for every copy whenever it asks, and the executable's
 * slot (fixed at link time, and first in the global scope) always owns.
 * Every copy elects in its constructor: it marks the first copy as owner
 * (compare-and-swap on that copy's owner field, so two copies electing at
 * once agree), follows it, and makes its own slot accesses reach the
 * owner's slot. The owner's state (key map, process context) works before
 * the owner's own constructor has run: it is statically initialised.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "copies.h"
#include "key_map.h"
#include "loaded_object.h"
#include "process_ctx.h"
#include "tls_slot.h"

#define MAX_SLOT_DESCRIPTORS 4

static const struct otelctx_copy_ops ops = {
    .slot = otelctx_tls_slot_of_copy,
    .own_block = otelctx_tls_own_block,
    .key_index = otelctx__key_index_here,
    .key_map = otelctx__key_map_here,
    .key_listener = otelctx__key_listener_here,
    .process_publish = otelctx__process_publish_here,
    .process_unpublish = otelctx__process_unpublish_here,
    .process_external = otelctx__process_external_here,
    .process_ensure = otelctx__process_ensure_here,
};

struct otelctx_copy otelctx__copy = {OTELCTX_COPY_ABI, sizeof(struct otelctx_copy), NULL, &ops};

static pthread_once_t elect_once = PTHREAD_ONCE_INIT;

/* The struct otelctx_copy of the copy that defines o's slot, from the
 * magic that follows the slot in its TLS image; NULL for another writer. */
static struct otelctx_copy *copy_of(const struct otelctx_loaded_object *o, bool *other_abi)
{
    const Elf64_Sym *slot = o->view.slot;
    struct otelctx_copy *copy;

    *other_abi = false;
    if (!otelctx__loaded_object_defines_slot(o) || o->tls_image == NULL ||
        slot->st_value > o->tls_image_size || o->tls_image_size - slot->st_value < 32)
        return NULL;
    const char *image = (const char *)o->tls_image + slot->st_value;
    if (memcmp(image + 16, OTELCTX_COPY_MAGIC, 8) != 0)
        return NULL;
    memcpy(&copy, image + 24, sizeof(copy));
    if (copy->abi != OTELCTX_COPY_ABI || copy->size < sizeof(struct otelctx_copy)) {
        *other_abi = true;
        return NULL;
    }
    return copy;
}

struct first_copy {
    struct otelctx_copy *copy;
    bool self_found;
};

static int find_first_copy(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct first_copy *f = arg;
    struct otelctx_loaded_object o;
    bool other_abi;

    (void)size;
    otelctx__loaded_object_read(info, &o);
    struct otelctx_copy *copy = copy_of(&o, &other_abi);
    if (copy != NULL && f->copy == NULL)
        f->copy = copy;
    if (copy == &otelctx__copy)
        f->self_found = true;
    return 0;
}

/* Weak: before glibc 2.34 dlopen lives in libdl, which a program embedding
 * libotelctx.a need not link; then nothing is pinned. */
#ifdef __GLIBC__
#pragma weak dlopen
#endif

/* A copy in use is never unloaded: other copies call its state functions
 * (the owner), its key listener may be registered with the owner, its own
 * records' thread-exit destructor is its code, and the reference reader
 * forgets the slot of a process when any object defining it is unmapped.
 * musl never unloads (dlclose does nothing there). */
static void pin(const struct otelctx_copy *copy)
{
#ifdef __GLIBC__
    struct otelctx_loaded_object o;

    if (dlopen != NULL && otelctx__loaded_object_containing(copy, &o) && !o.executable)
        dlopen(o.path, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
#else
    (void)copy;
#endif
}

/* A resolved descriptor's resolver is in the dynamic linker (or libc); one
 * inside the object itself is its lazy-binding trampoline, meaningless
 * anywhere else. */
static bool resolved(const void *descriptor, const struct otelctx_loaded_object *o)
{
    void *entry;
    struct otelctx_loaded_object holder;

    memcpy(&entry, descriptor, sizeof(entry));
    return otelctx__loaded_object_containing(entry, &holder) && holder.base != o->base;
}

/* Makes this copy's slot accesses reach the owner's slot, unless the
 * dynamic linker already bound them there (owner in the global scope). */
static void join_slot(struct otelctx_copy *owner)
{
    /* Through the owner's code: resolves a lazily bound descriptor. */
    otelctx_record **owner_slot = owner->ops->slot();
    struct otelctx_loaded_object self, holder;
    void *mine[MAX_SLOT_DESCRIPTORS], *theirs[1];

    if (otelctx__copy.ops->slot() == owner_slot)
        return;
    if (!otelctx__loaded_object_containing(&otelctx__copy, &self) ||
        !otelctx__loaded_object_containing(owner, &holder))
        return;
    size_t n = otelctx__loaded_object_slot_descriptors(&self, mine, MAX_SLOT_DESCRIPTORS);
    /* An owner without a descriptor is an executable (its accesses are
     * link-time offsets) that this copy's binding bypassed: left distinct,
     * and otelctx_self_check() says so. */
    if (n == 0 || otelctx__loaded_object_slot_descriptors(&holder, theirs, 1) == 0 ||
        !resolved(theirs[0], &holder))
        return;
    otelctx_tls_redirect(mine, n, theirs[0], self.relro_start, self.relro_end);
}

static void elect(void)
{
    struct first_copy f = {NULL, false};
    struct otelctx_copy *expected = NULL;

    dl_iterate_phdr(find_first_copy, &f);
    /* Not found (an executable that does not export the slot): alone. */
    struct otelctx_copy *first = f.self_found ? f.copy : &otelctx__copy;
    atomic_compare_exchange_strong(&first->owner, &expected, first);
    struct otelctx_copy *owner = atomic_load(&first->owner);
    if (owner != &otelctx__copy) {
        expected = NULL;
        atomic_compare_exchange_strong(&otelctx__copy.owner, &expected, owner);
        pin(owner);
        pin(&otelctx__copy);
        join_slot(owner);
    }
    otelctx_tls_settle(owner->ops->own_block());
}

__attribute__((constructor))
static void elect_at_load(void)
{
    pthread_once(&elect_once, elect);
}

struct otelctx_copy *otelctx__owner(void)
{
    struct otelctx_copy *owner = atomic_load_explicit(&otelctx__copy.owner, memory_order_acquire);

    if (owner != NULL)
        return owner;
    pthread_once(&elect_once, elect);
    return atomic_load_explicit(&otelctx__copy.owner, memory_order_acquire);
}

/* ---- otelctx_self_check ---------------------------------------------------- */

struct census {
    otelctx_record **slot;     /* this copy's slot, for the calling thread */
    struct otelctx_copy *owner;
    char *why;
    size_t why_len, used;
    int distinct, joined;
};

static void note(struct census *c, const char *format, const char *name, const char *what)
{
    if (c->used >= c->why_len)
        return;
    int n = snprintf(c->why + c->used, c->why_len - c->used, format, c->used ? "; " : "", name, what);
    if (n > 0)
        c->used += (size_t)n;
}

/* Whether another writer's object writes slot: its definition is the one
 * otelctx is bound to, or its code's descriptor reaches otelctx's. */
static bool writes_slot(const struct otelctx_loaded_object *o, otelctx_record **slot)
{
    void *descriptors[1];

    if (otelctx__loaded_object_slot_here(o) == (void *)slot)
        return true;
    return otelctx__loaded_object_slot_descriptors(o, descriptors, 1) == 1 &&
           resolved(descriptors[0], o) &&
           otelctx_tls_descriptor_target(descriptors[0]) == (void *)slot;
}

static int count_definers(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct census *c = arg;
    struct otelctx_loaded_object o;
    bool other_abi;

    (void)size;
    otelctx__loaded_object_read(info, &o);
    if (!otelctx__loaded_object_defines_slot(&o))
        return 0;
    struct otelctx_copy *copy = copy_of(&o, &other_abi);
    if (copy == &otelctx__copy)
        return 0;
    bool shared = copy != NULL ? copy->ops->slot() == c->slot : writes_slot(&o, c->slot);
    if (copy != NULL && shared && atomic_load(&copy->owner) == c->owner) {
        c->joined++;
        return 0;
    }
    c->distinct++;
    const char *kind = copy != NULL ? "a copy of otelctx that did not join this one"
                       : other_abi  ? "a copy of otelctx of another ABI"
                                    : "another writer";
    note(c, shared ? "%s%s defines " OTELCTX_SLOT_NAME " too (%s); its slot is the one otelctx "
                     "writes (interposed): both write the same records"
                   : "%s%s defines " OTELCTX_SLOT_NAME " too (%s), a distinct slot: a reader "
                     "keeps one slot per process and misses the other's records",
         o.name, kind);
    return 0;
}

int otelctx__copies_check(char *why, size_t why_len)
{
    struct census c = {otelctx__copy.ops->slot(), otelctx__owner(), why, why_len, 0, 0, 0};

    dl_iterate_phdr(count_definers, &c);
    if (c.distinct > 0)
        return -EEXIST;
    if (c.joined > 0 && why_len > 0)
        snprintf(why, why_len, "%d other cop%s of otelctx share%s this slot, key map and process "
                 "context", c.joined, c.joined == 1 ? "y" : "ies", c.joined == 1 ? "s" : "");
    return 0;
}
