/* SPDX-License-Identifier: Apache-2.0 */
#include "file_set.h"

#include <stdlib.h>

static size_t slot_of(uint64_t dev, uint64_t inode, size_t table_size)
{
    uint64_t h = (inode ^ (dev * 0x9e3779b97f4a7c15u)) * 0xff51afd7ed558ccdu;
    return (size_t)(h ^ (h >> 32)) & (table_size - 1);
}

static size_t probe(const struct file_set *s, uint64_t dev, uint64_t inode)
{
    size_t i = slot_of(dev, inode, s->table_size);
    while (s->table[i] != 0) {
        const struct mapped_file *f = s->files[s->table[i] - 1];
        if (f->dev == dev && f->inode == inode)
            break;
        i = (i + 1) & (s->table_size - 1);
    }
    return i;
}

struct mapped_file *file_set_find(const struct file_set *s, uint64_t dev, uint64_t inode)
{
    if (s->table_size == 0)
        return NULL;
    uint32_t at = s->table[probe(s, dev, inode)];
    return at != 0 ? s->files[at - 1] : NULL;
}

/* Doubles the table once it is half full: probes stay short. */
static int grow_table(struct file_set *s)
{
    size_t size = s->table_size ? s->table_size * 2 : 64;
    uint32_t *old = s->table;
    size_t old_size = s->table_size;

    s->table = calloc(size, sizeof(*s->table));
    if (s->table == NULL) {
        s->table = old;
        return -1;
    }
    s->table_size = size;
    for (size_t i = 0; i < old_size; i++)
        if (old[i] != 0) {
            const struct mapped_file *f = s->files[old[i] - 1];
            s->table[probe(s, f->dev, f->inode)] = old[i];
        }
    free(old);
    return 0;
}

struct mapped_file *file_set_add(struct file_set *s, uint64_t dev, uint64_t inode)
{
    if (s->n_files >= UINT32_MAX - 1)
        return NULL;
    if ((s->n_files + 1) * 2 > s->table_size && grow_table(s) != 0)
        return NULL;
    if (s->n_files == s->files_cap) {
        size_t cap = s->files_cap ? s->files_cap * 2 : 64;
        struct mapped_file **grown = realloc(s->files, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        s->files = grown;
        s->files_cap = cap;
    }
    struct mapped_file *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    f->dev = dev;
    f->inode = inode;
    s->table[probe(s, dev, inode)] = (uint32_t)(s->n_files + 1);
    s->files[s->n_files++] = f;
    return f;
}

void file_set_free(struct file_set *s)
{
    for (size_t i = 0; i < s->n_files; i++) {
        if (s->files[i]->is_elf)
            elf_file_close(&s->files[i]->elf);
        free(s->files[i]->name);
        free(s->files[i]);
    }
    free(s->files);
    free(s->table);
    *s = (struct file_set){0};
}
