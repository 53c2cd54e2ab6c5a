/* SPDX-License-Identifier: Apache-2.0 */
#include "code_map.h"

#include <errno.h>
#include <stdlib.h>

static int by_start(const void *a, const void *b)
{
    const struct code_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int code_map_build(struct code_map *m, const struct target *t)
{
    size_t cap = 0;

    m->ranges = NULL;
    m->n_ranges = 0;
    for (size_t i = 0; i < t->n_objects; i++) {
        const struct loaded_object *o = &t->objects[i];
        for (size_t k = 0; k < o->elf.ehdr.e_phnum; k++) {
            const Elf64_Phdr *ph = &o->elf.phdrs[k];
            /* A header's sizes are the file's word: a segment that would
             * wrap around the address space is no code of this process. */
            if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || ph->p_memsz == 0 ||
                o->base + ph->p_vaddr + ph->p_memsz < o->base + ph->p_vaddr)
                continue;
            if (m->n_ranges == cap) {
                size_t grown_cap = cap ? cap * 2 : 64;
                struct code_range *grown = realloc(m->ranges, grown_cap * sizeof(*grown));
                if (grown == NULL) {
                    code_map_free(m);
                    return -ENOMEM;
                }
                m->ranges = grown;
                cap = grown_cap;
            }
            m->ranges[m->n_ranges++] = (struct code_range){
                o->base + ph->p_vaddr, o->base + ph->p_vaddr + ph->p_memsz, o->path};
        }
    }
    if (m->n_ranges > 0)
        qsort(m->ranges, m->n_ranges, sizeof(*m->ranges), by_start);
    return 0;
}

void code_map_free(struct code_map *m)
{
    free(m->ranges);
    m->ranges = NULL;
    m->n_ranges = 0;
}

const char *code_map_find(const struct code_map *m, uint64_t ip)
{
    size_t low = 0, high = m->n_ranges;

    /* The last range starting at or below ip: ranges of a sane process do
     * not overlap, and one that does only misnames its own samples. */
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (m->ranges[mid].start <= ip)
            low = mid + 1;
        else
            high = mid;
    }
    if (low == 0 || ip >= m->ranges[low - 1].end)
        return NULL;
    return m->ranges[low - 1].path;
}
