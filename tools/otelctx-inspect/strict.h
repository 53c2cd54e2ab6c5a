/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --strict: the rules the real readers (the OpenTelemetry eBPF profiler,
 * Datadog's agent) apply before they use a process context or a thread
 * record, checked on one reading. Each broken rule is one line on out,
 * "otelctx-inspect: strict: RULE: detail"; then a summary line.
 */
#ifndef OTELCTX_INSPECT_STRICT_H
#define OTELCTX_INSPECT_STRICT_H

#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"
#include "target.h"

/* The previous reading's timestamp (0 before the first): readers require
 * each new publication to carry a larger one. */
struct strict_state {
    uint64_t last_published_at_ns;
};

/* Number of broken rules in this reading (main writes them to stderr). */
int strict_check(FILE *out, const struct target *t, const struct snapshot *s,
                 struct strict_state *state);

#endif
