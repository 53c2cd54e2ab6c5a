/* SPDX-License-Identifier: Apache-2.0 */
#include "output.h"

#include "escape.h"
#include "record_view.h"

static const char *state_name(enum record_state state)
{
    switch (state) {
    case RECORD_NULL: return "null";
    case RECORD_INVALID: return "invalid";
    case RECORD_VALID: return "valid";
    case RECORD_UNREADABLE: return "unreadable";
    case RECORD_UNSTOPPABLE: return "unstoppable";
    case RECORD_TRACED: return "traced";
    }
    return "?";
}

void print_hex(FILE *out, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%02x", bytes[i]);
}

/* A string of the target as a JSON string. */
void print_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    escape_string(out, text, ESCAPE_JSON);
    fputc('"', out);
}

void print_json_attributes(FILE *out, const struct process_ctx *ctx, const otelctx_record *r)
{
    uint8_t key, len;
    const uint8_t *value;

    fputc('[', out);
    for (size_t pos = 0; record_next_entry(r, &pos, &key, &value, &len);) {
        fprintf(out, "%s{\"index\":%u,\"key\":", pos == 2u + len ? "" : ",", key);
        if (key < ctx->n_keys)
            print_json_string(out, ctx->keys[key]);
        else
            fprintf(out, "null");
        /* Bytes that are not UTF-8 become U+FFFD in value; value_hex
         * carries the exact bytes. */
        fprintf(out, ",\"value\":\"");
        escape_write(out, value, len, ESCAPE_JSON);
        fprintf(out, "\",\"value_hex\":\"");
        print_hex(out, value, len);
        fprintf(out, "\"}");
    }
    fputc(']', out);
}

/* With several objects defining the slot, whether this one's is its own
 * or the one other objects reach too. */
static void text_sharing(FILE *out, const struct snapshot *s, size_t o)
{
    size_t shown = 0;

    if (s->n_slots < 2)
        return;
    for (size_t i = 0; i < s->n_slots; i++) {
        if (i == o || s->slots[i].slot != s->slots[o].slot)
            continue;
        fputs(shown++ ? ", " : " (the same slot as ", out);
        escape_string(out, s->slots[i].object->path, ESCAPE_TEXT);
    }
    fputs(shown ? ")" : " (a distinct slot)", out);
}

/* The other objects whose slot is object o's, as a JSON array of paths. */
static void json_shared_with(FILE *out, const struct snapshot *s, size_t o)
{
    size_t shown = 0;

    fputc('[', out);
    for (size_t i = 0; i < s->n_slots; i++) {
        if (i == o || s->slots[i].slot != s->slots[o].slot)
            continue;
        fputs(shown++ ? "," : "", out);
        print_json_string(out, s->slots[i].object->path);
    }
    fputc(']', out);
}

/* "slots": each distinct slot's objects and how many threads hold a
 * record in it (each thread once, however many objects share the slot). */
static void json_slots(FILE *out, const struct snapshot *s)
{
    fprintf(out, ",\"slots\":[");
    for (size_t k = 0; k < s->n_distinct; k++) {
        const struct slot_object *first = NULL;
        size_t published = 0;
        fprintf(out, "%s{\"objects\":[", k ? "," : "");
        for (size_t i = 0; i < s->n_slots; i++) {
            if (s->slots[i].slot != k)
                continue;
            fputs(first ? "," : "", out);
            first = first ? first : &s->slots[i];
            print_json_string(out, s->slots[i].object->path);
        }
        for (size_t t = 0; first != NULL && t < first->n_threads; t++)
            published += (size_t)thread_record_published(&first->threads[t]);
        fprintf(out, "],\"threads_with_records\":%zu}", published);
    }
    fputc(']', out);
}

void print_text(FILE *out, const struct target *t, const struct snapshot *s)
{
    const struct process_ctx *ctx = &s->ctx;

    fprintf(out, "process %d (", (int)t->pid);
    escape_string(out, t->comm, ESCAPE_TEXT);
    fprintf(out, ")\n");
    if (!ctx->present) {
        fprintf(out, "process context: none published (attribute keys shown as #index)\n");
    } else {
        fprintf(out, "process context: published at %llu ns (CLOCK_BOOTTIME), schema ",
                (unsigned long long)ctx->published_at_ns);
        if (ctx->schema[0])
            escape_string(out, ctx->schema, ESCAPE_TEXT);
        else
            fputs("(none)", out);
        fprintf(out, "\n  resource:");
        for (size_t i = 0; i < ctx->n_resource; i++) {
            fputc(' ', out);
            escape_string(out, ctx->resource[i].key, ESCAPE_TEXT);
            fputc('=', out);
            escape_string(out, ctx->resource[i].value, ESCAPE_TEXT);
        }
        fprintf(out, "\n  key map:");
        for (size_t i = 0; i < ctx->n_keys; i++) {
            fprintf(out, " %zu=", i);
            escape_string(out, ctx->keys[i], ESCAPE_TEXT);
        }
        fprintf(out, "\n");
    }
    for (size_t o = 0; o < s->n_slots; o++) {
        const struct slot_object *so = &s->slots[o];
        fprintf(out, "slot " OTELCTX_SLOT_NAME " in ");
        escape_string(out, so->object->path, ESCAPE_TEXT);
        text_sharing(out, s, o);
        fputc('\n', out);
        for (size_t i = 0; i < so->n_threads; i++) {
            const struct thread_record *tr = &so->threads[i];
            const otelctx_record *r = &tr->record;
            fprintf(out, "  thread %d", (int)tr->tid);
            if (tr->name[0] != '\0') {
                fputs(" (", out);
                escape_string(out, tr->name, ESCAPE_TEXT);
                fputc(')', out);
            }
            fputs(": ", out);
            if (tr->state == RECORD_UNSTOPPABLE) {
                fprintf(out, "could not be stopped\n");
                continue;
            }
            if (tr->state == RECORD_TRACED) {
                fprintf(out, "traced by process %d: not read\n", (int)tr->tracer);
                continue;
            }
            if (tr->state != RECORD_VALID) {
                fprintf(out, "%s\n", tr->state == RECORD_NULL ? "no record" : state_name(tr->state));
                continue;
            }
            fprintf(out, "trace ");
            print_hex(out, r->trace_id, 16);
            fprintf(out, " span ");
            print_hex(out, r->span_id, 8);
            fprintf(out, " flags %02x\n", r->trace_flags);
            uint8_t key, len;
            const uint8_t *value;
            for (size_t pos = 0; record_next_entry(r, &pos, &key, &value, &len);) {
                if (key < ctx->n_keys) {
                    fputs("      ", out);
                    escape_string(out, ctx->keys[key], ESCAPE_TEXT);
                    fputs(" = \"", out);
                } else {
                    fprintf(out, "      #%u = \"", key);
                }
                escape_write(out, value, len, ESCAPE_QUOTED);
                fputs("\"\n", out);
            }
        }
    }
}

void print_json(FILE *out, const struct target *t, const struct snapshot *s)
{
    const struct process_ctx *ctx = &s->ctx;

    fprintf(out, "{\"pid\":%d,\"comm\":", (int)t->pid);
    print_json_string(out, t->comm);
    fprintf(out, ",\"process_context\":");
    if (!ctx->present) {
        fprintf(out, "null");
    } else {
        fprintf(out, "{\"published_at_ns\":%llu,\"schema_version\":",
                (unsigned long long)ctx->published_at_ns);
        print_json_string(out, ctx->schema);
        fprintf(out, ",\"resource\":{");
        for (size_t i = 0; i < ctx->n_resource; i++) {
            fprintf(out, i ? "," : "");
            print_json_string(out, ctx->resource[i].key);
            fputc(':', out);
            print_json_string(out, ctx->resource[i].value);
        }
        fprintf(out, "},\"attribute_key_map\":[");
        for (size_t i = 0; i < ctx->n_keys; i++) {
            fprintf(out, i ? "," : "");
            print_json_string(out, ctx->keys[i]);
        }
        fprintf(out, "]}");
    }
    fprintf(out, ",\"objects\":[");
    for (size_t o = 0; o < s->n_slots; o++) {
        const struct slot_object *so = &s->slots[o];
        fprintf(out, "%s{\"path\":", o ? "," : "");
        print_json_string(out, so->object->path);
        fprintf(out, ",\"slot\":%zu,\"slot_shared_with\":", so->slot);
        json_shared_with(out, s, o);
        fprintf(out, ",\"threads\":[");
        for (size_t i = 0; i < so->n_threads; i++) {
            const struct thread_record *tr = &so->threads[i];
            const otelctx_record *r = &tr->record;
            fprintf(out, "%s{\"tid\":%d,\"name\":", i ? "," : "", (int)tr->tid);
            if (tr->name[0] != '\0')
                print_json_string(out, tr->name);
            else
                fputs("null", out);
            fprintf(out, ",\"state\":\"%s\"", state_name(tr->state));
            if (tr->state == RECORD_TRACED)
                fprintf(out, ",\"tracer\":%d", (int)tr->tracer);
            if (tr->state == RECORD_VALID) {
                fprintf(out, ",\"trace_id\":\"");
                print_hex(out, r->trace_id, 16);
                fprintf(out, "\",\"span_id\":\"");
                print_hex(out, r->span_id, 8);
                fprintf(out, "\",\"trace_flags\":%u,\"attrs_data_size\":%u,\"attributes\":",
                        r->trace_flags, r->attrs_data_size);
                print_json_attributes(out, ctx, r);
            }
            fprintf(out, "}");
        }
        fprintf(out, "]}");
    }
    fputc(']', out);
    json_slots(out, s);
    fprintf(out, ",\"threads_not_read\":%zu}\n", snapshot_not_read(s));
}
