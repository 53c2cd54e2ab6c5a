/* SPDX-License-Identifier: Apache-2.0 */
#include "sample_tally.h"

#include <stdlib.h>
#include <string.h>

void tally_init(struct tally *t, const struct code_map *code)
{
    memset(t, 0, sizeof(*t));
    t->code = code;
}

void tally_free(struct tally *t)
{
    free(t->records);
    free(t->table);
    memset(t, 0, sizeof(*t));
}

/* FNV-1a over the slot and the bytes read. */
static uint64_t record_hash(uint32_t slot, const uint8_t *bytes, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u ^ slot;

    for (size_t i = 0; i < n; i++)
        h = (h ^ bytes[i]) * 0x100000001b3u;
    return h;
}

static int grow_table(struct tally *t)
{
    size_t size = t->table_size ? t->table_size * 2 : 1024;
    uint32_t *table = calloc(size, sizeof(*table));

    if (table == NULL)
        return -1;
    for (size_t i = 0; i < t->n_records; i++) {
        const struct tally_record *r = &t->records[i];
        size_t at = record_hash(r->slot, (const uint8_t *)&r->record, r->size) & (size - 1);
        while (table[at] != 0)
            at = (at + 1) & (size - 1);
        table[at] = (uint32_t)i + 1;
    }
    free(t->table);
    t->table = table;
    t->table_size = size;
    return 0;
}

/* The entry of this record, a new one, or NULL past the cap (or out of memory). */
static struct tally_record *record_entry(struct tally *t, uint32_t slot, const uint8_t *bytes,
                                         uint32_t size)
{
    if (t->table_size < 2 * (t->n_records + 1) && grow_table(t) != 0)
        return NULL;
    size_t at = record_hash(slot, bytes, size) & (t->table_size - 1);
    for (; t->table[at] != 0; at = (at + 1) & (t->table_size - 1)) {
        struct tally_record *r = &t->records[t->table[at] - 1];
        if (r->slot == slot && r->size == size && memcmp(&r->record, bytes, size) == 0)
            return r;
    }
    if (t->n_records == TALLY_MAX_RECORDS)
        return NULL;
    if (t->n_records == t->records_cap) {
        size_t cap = t->records_cap ? t->records_cap * 2 : 64;
        struct tally_record *grown = realloc(t->records, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        t->records = grown;
        t->records_cap = cap;
    }
    struct tally_record *r = &t->records[t->n_records];
    memset(r, 0, sizeof(*r));
    memcpy(&r->record, bytes, size);
    r->slot = slot;
    r->size = size;
    t->table[at] = (uint32_t)++t->n_records;
    return r;
}

static void count_ip(struct tally *t, uint64_t ip)
{
    const char *path = code_map_find(t->code, ip);

    if (path != NULL) {
        /* Objects whose code runs are few: a linear search. Paths are
         * compared by address, one string per mapped file. */
        for (size_t i = 0; i < t->n_ip_objects; i++)
            if (t->ip_objects[i].path == path) {
                t->ip_objects[i].samples++;
                return;
            }
        if (t->n_ip_objects < TALLY_MAX_IP_OBJECTS) {
            t->ip_objects[t->n_ip_objects++] = (struct tally_ip_object){path, 1};
            return;
        }
    }
    t->ip_unnamed++;
}

int tally_add(struct tally *t, const void *event, size_t size)
{
    const struct sample_event *e = event;

    if (size < sizeof(*e))
        return -1;
    t->samples++;
    /* The program reads every slot at each sample, the first (slot 0)
     * first: the instruction pointer is counted once per sample. */
    if (e->slot == 0)
        count_ip(t, e->ip);
    switch (e->class) {
    case SAMPLE_NULL:
        t->null++;
        return 0;
    case SAMPLE_INVALID:
        t->invalid++;
        return 0;
    case SAMPLE_VALID:
        break;
    default:
        t->unreadable++;
        return 0;
    }
    uint32_t used = e->size < SAMPLE_HEADER ? SAMPLE_HEADER
                  : e->size > SAMPLE_RECORD_MAX ? SAMPLE_RECORD_MAX : e->size;
    struct tally_record *r = record_entry(t, e->slot, e->record, used);
    if (r == NULL)
        t->over_cap++;
    else
        r->samples++;
    return 0;
}

static int by_samples(const void *a, const void *b)
{
    const struct tally_record *x = a, *y = b;

    if (x->samples != y->samples)
        return x->samples > y->samples ? -1 : 1;
    return memcmp(&x->record, &y->record, 24);
}

static int ip_by_samples(const void *a, const void *b)
{
    const struct tally_ip_object *x = a, *y = b;
    return x->samples > y->samples ? -1 : x->samples < y->samples;
}

void tally_sort(struct tally *t)
{
    if (t->n_records > 0)
        qsort(t->records, t->n_records, sizeof(*t->records), by_samples);
    if (t->n_ip_objects > 0)
        qsort(t->ip_objects, t->n_ip_objects, sizeof(*t->ip_objects), ip_by_samples);
    /* The table indexes the old order: it is not used again. */
    free(t->table);
    t->table = NULL;
    t->table_size = 0;
}
