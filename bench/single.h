// SPDX-License-Identifier: Apache-2.0
// The single/* benchmarks, shared by bench_otelctx (libotelctx.so) and
// bench_lto (the bitcode archive, inlined by ThinLTO).
#ifndef OTELCTX_BENCH_SINGLE_H
#define OTELCTX_BENCH_SINGLE_H

#include <benchmark/benchmark.h>

#include "otelctx.h"

// A swap publishes one of two prepared records per iteration.
void bench_swap(benchmark::State &state);

// Registers single/in_place, single/in_place_ids, single/update_span,
// single/attr_push_pop, single/swap, single/attach_detach, single/current
// and single/record_set (after any the caller registered), then runs
// google-benchmark's command line.
int run_benchmarks(int argc, char **argv);

#endif
