/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the inspector's side of a thread record. The input's
 * first 640 bytes are a record as a hostile process can leave it (zero
 * padded when shorter); the rest names key 0 of the key map and the
 * object's path. It goes through record_next_entry, utf8_sequence, the
 * --strict checks and both printers. Invariants: each entry lies inside
 * attrs_data and the declared size (capped at 612), entries advance;
 * utf8_sequence agrees with an independent decoder on every value byte;
 * strict prints one line per broken rule plus its summary; the text, the
 * strict lines and the JSON are printable (output_checks.h) and the JSON
 * holds together.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "output_checks.h"
#include "record_view.h"
#include "snapshot.h"
#include "strict.h"

struct reading {
    struct target target;
    struct snapshot snapshot;
    struct slot_object slot_object;
    struct loaded_object object;
    struct thread_record thread;
    Elf64_Sym slot;
    char path[MAX_TEXT];
};

static int broken;

static void strict(FILE *out, const struct target *t, const struct snapshot *s)
{
    struct strict_state state = {0};
    broken = strict_check(out, t, s, &state);
}

/* utf8_sequence against decode_utf8 at every offset of the value. */
JUDGE void check_utf8(const uint8_t *value, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint32_t code;
        REQUIRE(utf8_sequence(value + i, len - i) == decode_utf8(value + i, len - i, &code));
    }
}

JUDGE void check_entries(const otelctx_record *record)
{
    size_t limit = record->attrs_data_size < OTELCTX_ATTRS_CAPACITY ? record->attrs_data_size
                                                                    : OTELCTX_ATTRS_CAPACITY;
    size_t pos = 0, before = 0;
    uint8_t key, len;
    const uint8_t *value;

    REQUIRE(record_attrs_size(record) == limit);
    while (record_next_entry(record, &pos, &key, &value, &len)) {
        REQUIRE(value == record->attrs_data + before + 2);
        REQUIRE(pos == before + 2 + len && pos <= limit);
        REQUIRE(key == record->attrs_data[before] && len == record->attrs_data[before + 1]);
        check_utf8(value, len);
        before = pos;
    }
    REQUIRE(pos == before);
}

JUDGE size_t lines(const char *text, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += text[i] == '\n';
    return count;
}

static void setup(struct reading *r, const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"", "http.route", "k\x1b[31m\xc2\x9b\xff"};
    size_t name = size > sizeof(r->thread.record) ? size - sizeof(r->thread.record) : 0;

    memset(r, 0, sizeof(*r));
    memcpy(&r->thread.record, data, size < sizeof(r->thread.record) ? size : sizeof(r->thread.record));
    if (name >= MAX_TEXT)
        name = MAX_TEXT - 1;
    memcpy((char *)r->snapshot.ctx.keys[0], data + size - name, name);
    for (size_t i = 1; i < sizeof(keys) / sizeof(keys[0]); i++)
        strcpy(r->snapshot.ctx.keys[i], keys[i]);
    r->snapshot.ctx.n_keys = sizeof(keys) / sizeof(keys[0]);
    r->snapshot.ctx.present = 1;
    memcpy(r->path, data + size - name, name);
    r->object.path = r->path;
    r->slot.st_size = 8;
    r->object.elf.view.slot = r->object.elf.slot = &r->slot;
    r->thread.tid = 2;
    r->thread.state = r->thread.record.valid == 1 ? RECORD_VALID : RECORD_INVALID;
    r->slot_object.object = &r->object;
    r->slot_object.threads = &r->thread;
    r->slot_object.n_threads = 1;
    r->snapshot.slots = &r->slot_object;
    r->snapshot.n_slots = 1;
    r->snapshot.n_distinct = 1;
    r->target.pid = 1;
    memcpy(r->target.comm, "fuzz", 5);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct reading r;
    size_t n;

    setup(&r, data, size);
    check_entries(&r.thread.record);
    char *out = print_to_memory(strict, &r.target, &r.snapshot, &n);
    check_printable(out, n);
    REQUIRE(broken >= 0 && lines(out, n) == (size_t)broken + 1);
    free(out);
    check_printers(&r.target, &r.snapshot);
    return 0;
}
