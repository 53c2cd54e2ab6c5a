/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OTELCTX_INSPECT_OUTPUT_H
#define OTELCTX_INSPECT_OUTPUT_H

#include <stdio.h>

#include "snapshot.h"

/* A snapshot for people. */
void print_text(FILE *out, const struct target *t, const struct snapshot *s);

/* A snapshot as one line of JSON (so --watch writes JSON Lines). */
void print_json(FILE *out, const struct target *t, const struct snapshot *s);

#endif
