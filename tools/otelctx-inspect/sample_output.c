/* SPDX-License-Identifier: Apache-2.0 */
#include "sample_output.h"

#include "escape.h"
#include "output.h"
#include "record_view.h"

/* Every sample: one per slot read, and those the ring buffer dropped. */
static uint64_t all_samples(const struct sample_result *r)
{
    return r->tally->samples + r->dropped;
}

static double percent(uint64_t n, uint64_t of)
{
    return of ? 100.0 * (double)n / (double)of : 0.0;
}

/* The attributes column: key="value" pairs, as escaped as the reading's
 * text; nothing (no trailing blank) for a record without attributes. */
static void text_attributes(FILE *out, const struct process_ctx *ctx, const otelctx_record *rec)
{
    uint8_t key, len;
    const uint8_t *value;

    for (size_t pos = 0, first = 1; record_next_entry(rec, &pos, &key, &value, &len); first = 0) {
        fputs(first ? "     " : " ", out); /* the first under the column's title */
        if (key < ctx->n_keys)
            escape_string(out, ctx->keys[key], ESCAPE_TEXT);
        else
            fprintf(out, "#%u", key);
        fputs("=\"", out);
        escape_write(out, value, len, ESCAPE_QUOTED);
        fputc('"', out);
    }
}

/* The first object of a slot: the one records name. */
static const struct sampled_object *slot_object(const struct sample_result *r, size_t slot)
{
    for (size_t i = 0; i < r->n_objects; i++)
        if (r->objects[i].slot == slot)
            return &r->objects[i];
    return &r->objects[0];
}

static void text_count(FILE *out, const char *what, uint64_t n, uint64_t of)
{
    fprintf(out, "%9llu %5.1f%%  %s\n", (unsigned long long)n, percent(n, of), what);
}

void sample_print_text(FILE *out, const struct sample_result *r)
{
    const struct tally *t = r->tally;
    uint64_t total = all_samples(r);

    fprintf(out, "process %d (", (int)r->t->pid);
    escape_string(out, r->t->comm, ESCAPE_TEXT);
    fprintf(out, "): %llu samples at %u Hz for %g s; slot in", (unsigned long long)total, r->hz,
            r->seconds);
    for (size_t i = 0; i < r->n_objects; i++) {
        fputc(' ', out);
        escape_string(out, r->objects[i].path, ESCAPE_TEXT);
        fprintf(out, " (%s%s", r->objects[i].model,
                r->objects[i].slot_only_in_symtab ? ", .symtab only" : "");
        const struct sampled_object *first = slot_object(r, r->objects[i].slot);
        if (first != &r->objects[i]) {
            fputs(", the same slot as ", out);
            escape_string(out, first->path, ESCAPE_TEXT);
        }
        fputc(')', out);
    }
    fprintf(out, "\n%9s %6s  %-32s  %-16s  %-5s  %s\n", "samples", "%", "trace id", "span id",
            "flags", "attributes");
    for (size_t i = 0; i < t->n_records; i++) {
        const struct tally_record *tr = &t->records[i];
        fprintf(out, "%9llu %5.1f%%  ", (unsigned long long)tr->samples, percent(tr->samples, total));
        print_hex(out, tr->record.trace_id, 16);
        fputs("  ", out);
        print_hex(out, tr->record.span_id, 8);
        fprintf(out, "  %02x", tr->record.trace_flags);
        text_attributes(out, r->ctx, &tr->record);
        if (r->n_slots > 1) {
            fputs(" [", out);
            escape_string(out, slot_object(r, tr->slot)->path, ESCAPE_TEXT);
            fputc(']', out);
        }
        fputc('\n', out);
    }
    text_count(out, "null (no record)", t->null, total);
    text_count(out, "invalid (valid != 1: mid-update)", t->invalid, total);
    text_count(out, "unreadable (TLS, slot or record not readable)", t->unreadable, total);
    if (t->over_cap > 0)
        text_count(out, "valid, past the records kept", t->over_cap, total);
    if (r->dropped > 0)
        text_count(out, "dropped (ring buffer full)", r->dropped, total);
    fprintf(out, "code running at the samples:\n");
    uint64_t code_total = t->ip_unnamed;
    for (size_t i = 0; i < t->n_ip_objects; i++)
        code_total += t->ip_objects[i].samples;
    for (size_t i = 0; i < t->n_ip_objects; i++) {
        fprintf(out, "%9llu %5.1f%%  ", (unsigned long long)t->ip_objects[i].samples,
                percent(t->ip_objects[i].samples, code_total));
        escape_string(out, t->ip_objects[i].path, ESCAPE_TEXT);
        fputc('\n', out);
    }
    if (t->ip_unnamed > 0)
        text_count(out, "(no object: anonymous or JIT code, vDSO)", t->ip_unnamed, code_total);
}

/* The paths of the objects of slot k, but object `except`, as a JSON array. */
static void json_objects(FILE *out, const struct sample_result *r, size_t k, size_t except)
{
    size_t shown = 0;

    fputc('[', out);
    for (size_t i = 0; i < r->n_objects; i++) {
        if (i == except || r->objects[i].slot != k)
            continue;
        fputs(shown++ ? "," : "", out);
        print_json_string(out, r->objects[i].path);
    }
    fputc(']', out);
}

void sample_print_json(FILE *out, const struct sample_result *r)
{
    const struct tally *t = r->tally;

    fprintf(out, "{\"pid\":%d,\"hz\":%u,\"seconds\":%g,\"samples\":%llu,\"null\":%llu,"
            "\"invalid\":%llu,\"unreadable\":%llu,\"records\":[",
            (int)r->t->pid, r->hz, r->seconds, (unsigned long long)all_samples(r),
            (unsigned long long)t->null, (unsigned long long)t->invalid,
            (unsigned long long)t->unreadable);
    for (size_t i = 0; i < t->n_records; i++) {
        const struct tally_record *tr = &t->records[i];
        fprintf(out, "%s{\"trace_id\":\"", i ? "," : "");
        print_hex(out, tr->record.trace_id, 16);
        fprintf(out, "\",\"span_id\":\"");
        print_hex(out, tr->record.span_id, 8);
        fprintf(out, "\",\"trace_flags\":%u,\"attributes\":", tr->record.trace_flags);
        print_json_attributes(out, r->ctx, &tr->record);
        fprintf(out, ",\"samples\":%llu,\"object\":", (unsigned long long)tr->samples);
        print_json_string(out, slot_object(r, tr->slot)->path);
        fputc('}', out);
    }
    fprintf(out, "],\"records_over_cap\":%llu,\"objects\":[", (unsigned long long)t->over_cap);
    for (size_t i = 0; i < r->n_objects; i++) {
        fprintf(out, "%s{\"object\":", i ? "," : "");
        print_json_string(out, r->objects[i].path);
        fprintf(out, ",\"model\":\"%s\",\"slot_only_in_symtab\":%s,\"slot\":%zu,"
                "\"slot_shared_with\":", r->objects[i].model,
                r->objects[i].slot_only_in_symtab ? "true" : "false", r->objects[i].slot);
        json_objects(out, r, r->objects[i].slot, i);
        fputc('}', out);
    }
    fprintf(out, "],\"slots\":[");
    for (size_t k = 0; k < r->n_slots; k++) {
        fprintf(out, "%s{\"objects\":", k ? "," : "");
        json_objects(out, r, k, r->n_objects);
        fputc('}', out);
    }
    fprintf(out, "],\"ip_objects\":[");
    for (size_t i = 0; i < t->n_ip_objects; i++) {
        fprintf(out, "%s{\"object\":", i ? "," : "");
        print_json_string(out, t->ip_objects[i].path);
        fprintf(out, ",\"samples\":%llu}", (unsigned long long)t->ip_objects[i].samples);
    }
    if (t->ip_unnamed > 0)
        fprintf(out, "%s{\"object\":null,\"samples\":%llu}", t->n_ip_objects ? "," : "",
                (unsigned long long)t->ip_unnamed);
    fprintf(out, "],\"dropped\":%llu}\n", (unsigned long long)r->dropped);
}
