// SPDX-License-Identifier: Apache-2.0
#include "single.h"

#include <cstring>

namespace {

const otelctx_attr two_attrs[] = {
    {1, "GET", 3},
    {2, "/api/v1", 7},
};

// Distinct ids every iteration, as a new span would bring.
struct ids {
    uint8_t trace[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                         0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
    uint8_t span[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
    uint64_t n = 0;
    void next()
    {
        n++;
        std::memcpy(trace + 8, &n, sizeof(n));
        std::memcpy(span, &n, sizeof(n));
    }
};

otelctx_record *new_record()
{
    otelctx_record *r = otelctx_record_new();
    if (r == nullptr)
        std::abort();
    return r;
}

// Runs op(id) once per iteration on an attached record that starts with the
// ids and two_attrs; id.next() first when fresh_ids. The lambda is a
// template argument: inlined, it adds nothing to what is measured.
template <typename Op>
void on_attached_record(benchmark::State &state, bool fresh_ids, Op op)
{
    otelctx_record *record = new_record();
    ids id;
    otelctx_record_set(record, id.trace, id.span, 0x01, two_attrs, 2);
    otelctx_attach(record);
    for (auto _ : state) {
        if (fresh_ids)
            id.next();
        int ret = op(id);
        benchmark::DoNotOptimize(ret);
        benchmark::ClobberMemory();
    }
    otelctx_detach();
    otelctx_record_free(record);
}

void bench_in_place(benchmark::State &state)
{
    on_attached_record(state, true, [](const ids &id) {
        return otelctx_update(id.trace, id.span, 0x01, two_attrs, 2);
    });
}

void bench_in_place_ids(benchmark::State &state)
{
    on_attached_record(state, true, [](const ids &id) {
        return otelctx_update(id.trace, id.span, 0x01, nullptr, 0);
    });
}

// A child span of the attached record: its span id only.
void bench_update_span(benchmark::State &state)
{
    on_attached_record(state, true, [](const ids &id) { return otelctx_update_span(id.span); });
}

// One attribute for the length of a request: pushed, then popped.
void bench_attr_push_pop(benchmark::State &state)
{
    static const otelctx_attr pushed = {3, "/api/v2", 7};
    on_attached_record(state, false, [](const ids &) {
        int ret = otelctx_attr_push(&pushed);
        benchmark::DoNotOptimize(ret);
        return otelctx_attr_pop(1);
    });
}

void bench_attach_detach(benchmark::State &state)
{
    otelctx_record *record = new_record();
    for (auto _ : state) {
        otelctx_record *previous = otelctx_attach(record);
        benchmark::DoNotOptimize(previous);
        otelctx_record *detached = otelctx_detach();
        benchmark::DoNotOptimize(detached);
    }
    otelctx_record_free(record);
}

void bench_current(benchmark::State &state)
{
    otelctx_record *record = new_record();
    otelctx_attach(record);
    for (auto _ : state) {
        otelctx_record *current = otelctx_current();
        benchmark::DoNotOptimize(current);
    }
    otelctx_detach();
    otelctx_record_free(record);
}

void bench_record_set(benchmark::State &state)
{
    otelctx_record *record = new_record(); // never attached
    ids id;
    for (auto _ : state) {
        id.next();
        int ret = otelctx_record_set(record, id.trace, id.span, 0x01, two_attrs, 2);
        benchmark::DoNotOptimize(ret);
        benchmark::ClobberMemory();
    }
    otelctx_record_free(record);
}

// The two attributes prepared once (otelctx_attrset_new), as an SDK would.
otelctx_attrset *two_attrs_set()
{
    static otelctx_attrset *set = otelctx_attrset_new(two_attrs, 2, nullptr);
    if (set == nullptr)
        std::abort();
    return set;
}

void bench_in_place_attrset(benchmark::State &state)
{
    otelctx_attrset *set = two_attrs_set();
    on_attached_record(state, true, [set](const ids &id) {
        return otelctx_update_attrset(id.trace, id.span, 0x01, set);
    });
}

void bench_record_set_attrset(benchmark::State &state)
{
    otelctx_attrset *set = two_attrs_set();
    otelctx_record *record = new_record(); // never attached
    ids id;
    for (auto _ : state) {
        id.next();
        int ret = otelctx_record_set_attrset(record, id.trace, id.span, 0x01, set);
        benchmark::DoNotOptimize(ret);
        benchmark::ClobberMemory();
    }
    otelctx_record_free(record);
}

} // namespace

void bench_swap(benchmark::State &state)
{
    otelctx_record *records[2] = {new_record(), new_record()};
    unsigned i = 0;
    for (auto _ : state) {
        otelctx_record *previous = otelctx_attach(records[i ^= 1]);
        benchmark::DoNotOptimize(previous);
    }
    otelctx_detach();
    otelctx_record_free(records[0]);
    otelctx_record_free(records[1]);
}

int run_benchmarks(int argc, char **argv)
{
    benchmark::RegisterBenchmark("single/in_place", bench_in_place);
    benchmark::RegisterBenchmark("single/in_place_ids", bench_in_place_ids);
    benchmark::RegisterBenchmark("single/update_span", bench_update_span);
    benchmark::RegisterBenchmark("single/attr_push_pop", bench_attr_push_pop);
    benchmark::RegisterBenchmark("single/swap", bench_swap);
    benchmark::RegisterBenchmark("single/attach_detach", bench_attach_detach);
    benchmark::RegisterBenchmark("single/current", bench_current);
    benchmark::RegisterBenchmark("single/record_set", bench_record_set);
    benchmark::RegisterBenchmark("single/in_place_attrset", bench_in_place_attrset);
    benchmark::RegisterBenchmark("single/record_set_attrset", bench_record_set_attrset);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
