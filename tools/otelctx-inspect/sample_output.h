/* SPDX-License-Identifier: Apache-2.0 */
/* What `otelctx-inspect sample` found, for people (a profiler's top view)
 * and as one line of JSON. */
#ifndef OTELCTX_INSPECT_SAMPLE_OUTPUT_H
#define OTELCTX_INSPECT_SAMPLE_OUTPUT_H

#include <stdio.h>

#include "process_ctx_read.h"
#include "sample_tally.h"
#include "target.h"

/* An object whose slot was sampled. */
struct sampled_object {
    const char *path;
    const char *model;          /* tls_model_name() */
    int slot_only_in_symtab;
    size_t slot;                /* the tally's slot index: objects sharing a slot have one */
};

struct sample_result {
    const struct target *t;
    const struct process_ctx *ctx;
    const struct sampled_object *objects;
    size_t n_objects;
    size_t n_slots;             /* distinct slots sampled */
    const struct tally *tally;  /* sorted */
    unsigned hz;
    double seconds;
    uint64_t dropped;
};

void sample_print_text(FILE *out, const struct sample_result *r);
void sample_print_json(FILE *out, const struct sample_result *r);

#endif
