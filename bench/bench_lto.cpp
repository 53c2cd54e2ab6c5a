// SPDX-License-Identifier: Apache-2.0
// The single/* benchmarks linked against the optimized bitcode archive with
// clang++ -flto=thin and lld: the C API inlined into C++ callers. Plus the
// C++ layer's guard, cpp/scoped_attach: a span's publication and its end
// (attach, then detach_if + attach of the previous), inlined the same way.
#include <otelctx.hpp>

#include "single.h"

namespace {

void bench_scoped_attach(benchmark::State &state)
{
    otelctx::record record;
    for (auto _ : state) {
        otelctx::scoped_attach attached(record);
        benchmark::DoNotOptimize(attached.previous());
    }
}

} // namespace

int main(int argc, char **argv)
{
    benchmark::RegisterBenchmark("cpp/scoped_attach", bench_scoped_attach);
    return run_benchmarks(argc, argv);
}
