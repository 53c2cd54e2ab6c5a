/* SPDX-License-Identifier: Apache-2.0 */
#include "strict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "record_view.h"

#define SCHEMA "tlsdesc_v1_dev"
enum { MAX_PAYLOAD = 65536 };

struct verdict {
    FILE *out;
    int rules, broken;
};

/* Counts a rule; prints it when broken. The detail is escaped whole: it
 * quotes mapping names, paths and the schema of the target. */
static void rule(struct verdict *v, int ok, const char *name, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void rule(struct verdict *v, int ok, const char *name, const char *format, ...)
{
    char detail[8192];
    va_list ap;

    v->rules++;
    if (ok)
        return;
    v->broken++;
    va_start(ap, format);
    vsnprintf(detail, sizeof(detail), format, ap);
    va_end(ap);
    fprintf(v->out, "otelctx-inspect: strict: %s: ", name);
    escape_string(v->out, detail, ESCAPE_TEXT);
    fputc('\n', v->out);
}

static int accepted_name(const char *name)
{
    static const char *const names[] = {"/memfd:OTEL_CTX", "/memfd:OTEL_CTX (deleted)",
                                        "[anon_shmem:OTEL_CTX]", "[anon:OTEL_CTX]"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

static void check_mappings(const struct target *t, struct verdict *v)
{
    for (size_t i = 0; i < t->n_ctx_mappings; i++) {
        const struct ctx_mapping *m = &t->ctx_mappings[i];
        rule(v, accepted_name(m->name), "mapping-name",
             "%s: readers accept /memfd:OTEL_CTX[ (deleted)], [anon_shmem:OTEL_CTX], "
             "[anon:OTEL_CTX] exactly", m->name);
        rule(v, strchr(m->perms, 'x') == NULL, "mapping-not-executable", "%s is %s",
             m->name, m->perms);
    }
    rule(v, t->n_ctx_mappings <= 1, "one-process-context",
         "%zu OTEL_CTX mappings (OTEP 4719: at most one; readers keep either)",
         t->n_ctx_mappings);
}

static void check_process_ctx(const struct process_ctx *c, int has_slot,
                              struct strict_state *state, struct verdict *v)
{
    rule(v, c->present || !has_slot, "schema-published",
         "the process exports " OTELCTX_SLOT_NAME " but publishes no readable process context: "
         "readers never look for its thread contexts");
    if (!c->header_read)
        return;
    rule(v, c->version == 2, "header-version", "version %u, readers want 2", c->version);
    rule(v, c->payload_size >= 1 && c->payload_size <= MAX_PAYLOAD, "payload-size",
         "%u bytes, readers want 1 to %d", c->payload_size, MAX_PAYLOAD);
    if (!c->present)
        return;
    rule(v, c->published_at_ns >= state->last_published_at_ns, "timestamp-increases",
         "%llu after %llu", (unsigned long long)c->published_at_ns,
         (unsigned long long)state->last_published_at_ns);
    state->last_published_at_ns = c->published_at_ns;
    rule(v, c->n_schema_attrs <= 1 && c->n_key_map_attrs <= 1, "threadlocal-once",
         "threadlocal.schema_version %zu times, threadlocal.attribute_key_map %zu times",
         c->n_schema_attrs, c->n_key_map_attrs);
    rule(v, c->n_schema_attrs == 0 || strcmp(c->schema, SCHEMA) == 0, "schema-version",
         "\"%s\", readers accept only \"" SCHEMA "\"", c->schema);
    rule(v, c->n_schema_attrs > 0 || (!has_slot && c->n_key_map_attrs == 0), "schema-present",
         "no threadlocal.schema_version%s", c->n_key_map_attrs ? " next to the key map" : "");
    rule(v, c->n_empty_keys == 0, "key-names", "%zu empty key name(s) in the key map",
         c->n_empty_keys);
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static void check_record(const struct thread_record *tr, const struct process_ctx *c,
                         struct verdict *v)
{
    const otelctx_record *r = &tr->record;
    int no_trace = all_zero(r->trace_id, 16), no_span = all_zero(r->span_id, 8);
    size_t pos = 0, bad_utf8 = 0, unknown_keys = 0;
    unsigned first_unknown = 0;
    uint8_t key, len;
    const uint8_t *value;

    rule(v, no_trace == no_span, "record-ids", "thread %d: %s id all zero, the other not",
         (int)tr->tid, no_trace ? "trace" : "span");
    rule(v, !no_trace || r->trace_flags == 0, "record-flags",
         "thread %d: trace flags %u without a trace", (int)tr->tid, r->trace_flags);
    while (record_next_entry(r, &pos, &key, &value, &len)) {
        if (key >= c->n_keys && unknown_keys++ == 0)
            first_unknown = key;
        for (size_t i = 0; i < len;) {
            size_t n = utf8_sequence(value + i, len - i);
            if (n == 0) {
                bad_utf8++;
                break;
            }
            i += n;
        }
    }
    rule(v, r->attrs_data_size <= OTELCTX_ATTRS_CAPACITY, "record-size",
         "thread %d: attrs_data_size %u, a record has %d bytes (read up to there)",
         (int)tr->tid, r->attrs_data_size, OTELCTX_ATTRS_CAPACITY);
    rule(v, pos == record_attrs_size(r), "record-entries",
         "thread %d: entries end at %zu of %zu bytes", (int)tr->tid, pos, record_attrs_size(r));
    rule(v, bad_utf8 == 0, "record-utf8", "thread %d: %zu value(s) not UTF-8", (int)tr->tid,
         bad_utf8);
    /* A reader skips such an attribute: its key has no name. Without a
     * readable context schema-published says it all: no reader looks. */
    if (c->present)
        rule(v, unknown_keys == 0, "record-keys",
             "thread %d: %zu attribute(s) with a key index the key map lacks (first #%u; %s)",
             (int)tr->tid, unknown_keys, first_unknown,
             c->n_key_map_attrs > 0 ? "the key map has fewer keys" : "no key map published");
}

/* Appends to a bounded text, cutting what does not fit. */
static void append(char *text, size_t size, size_t *used, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *text, size_t size, size_t *used, const char *format, ...)
{
    va_list ap;

    if (*used >= size - 1)
        return;
    va_start(ap, format);
    int n = vsnprintf(text + *used, size - *used, format, ap);
    va_end(ap);
    if (n > 0)
        *used = *used + (size_t)n < size ? *used + (size_t)n : size - 1;
}

/* The first thread with a record in distinct slot k, 0 if none. */
static pid_t publishing_thread(const struct snapshot *s, size_t k)
{
    for (size_t i = 0; i < s->n_slots; i++)
        for (size_t t = 0; t < s->slots[i].n_threads && s->slots[i].slot == k; t++)
            if (thread_record_published(&s->slots[i].threads[t]))
                return s->slots[i].threads[t].tid;
    return 0;
}

/* Readers keep one slot per process: records in a second distinct slot
 * are records no profiler sees. The detail names each slot with records by
 * its objects ("A = B" when several share it) and a thread of its. */
static void check_one_slot(const struct snapshot *s, struct verdict *v)
{
    char names[4096] = "";
    size_t used = 0, with_records = 0;

    for (size_t k = 0; k < s->n_distinct; k++) {
        pid_t tid = publishing_thread(s, k);
        if (tid == 0)
            continue;
        append(names, sizeof(names), &used, "%s", with_records++ ? "; " : "");
        for (size_t i = 0, named = 0; i < s->n_slots; i++)
            if (s->slots[i].slot == k)
                append(names, sizeof(names), &used, "%s%s", named++ ? " = " : "",
                       s->slots[i].object->path);
        append(names, sizeof(names), &used, " (thread %d)", (int)tid);
    }
    rule(v, with_records <= 1, "one-slot",
         "records in %zu distinct slots: %s; a reader keeps one slot per process and misses the "
         "others' records", with_records, names);
}

int strict_check(FILE *out, const struct target *t, const struct snapshot *s,
                 struct strict_state *state)
{
    struct verdict v = {out, 0, 0};

    check_mappings(t, &v);
    check_process_ctx(&s->ctx, s->n_slots > 0, state, &v);
    check_one_slot(s, &v);
    for (size_t i = 0; i < s->n_slots; i++) {
        const struct slot_object *o = &s->slots[i];
        rule(&v, o->object->elf.slot->st_size == 8, "slot-size",
             "%s: " OTELCTX_SLOT_NAME " has size %llu, readers want 8", o->object->path,
             (unsigned long long)o->object->elf.slot->st_size);
        rule(&v, !o->object->elf.slot_only_in_symtab, "slot-exported",
             "%s: " OTELCTX_SLOT_NAME " only in .symtab, OTEP 4947 wants it in .dynsym "
             "(the reference reader falls back to .symtab, a stripped binary has none)",
             o->object->path);
        /* A shared slot's records are checked once, not once per object. */
        for (size_t k = 0; k < o->n_threads && snapshot_first_of_slot(s, i); k++)
            if (o->threads[k].state == RECORD_VALID)
                check_record(&o->threads[k], &s->ctx, &v);
    }
    fprintf(out, "otelctx-inspect: strict: %d rule checks, %d broken\n", v.rules, v.broken);
    return v.broken;
}
