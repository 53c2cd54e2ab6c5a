// SPDX-License-Identifier: Apache-2.0
// A C++ hot-path consumer linking the ThinLTO bitcode archive through the
// header-only C++ layer (otelctx.hpp): the C API is inlined across the
// language boundary, TLSDESC access included. lto_consumer_check.sh proves
// it from the disassembly.
#include <cstdio>
#include <cstring>

#include <otelctx.hpp>

namespace {
const uint8_t trace_id[16] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
const uint8_t span_id[8] = {3, 3, 3, 3, 3, 3, 3, 3};
const uint8_t child_id[8] = {4, 4, 4, 4, 4, 4, 4, 4};
} // namespace

extern "C" {
// Not inlined themselves, so the gate can find each one's own slot access.
__attribute__((noinline)) otelctx_record *consumer_swap(otelctx::record &record)
{
    otelctx::scoped_attach attached(record);
    // A child span while attached; the guard's end restores the previous.
    return attached.update_span(child_id) == 0 ? attached.previous() : record.get();
}

__attribute__((noinline)) otelctx_record *consumer_current()
{
    return otelctx_current();
}
}

int main()
{
    otelctx::record outer, inner;
    int key = otelctx::key_index("http.route");
    if (key < 0 || outer.set(trace_id, span_id, 1, {{uint8_t(key), "/api/v1"}}) != 0 ||
        inner.set(trace_id, span_id, 1) != 0)
        return 1;
    bool ok;
    {
        otelctx::scoped_attach attached(outer);
        ok = consumer_current() == outer.get() && consumer_swap(inner) == outer.get() &&
             consumer_current() == outer.get() &&
             std::memcmp(inner.get()->span_id, child_id, 8) == 0 &&
             attached.push({uint8_t(key), "/api/v2"}) == 0 && attached.pop(1) == 1 &&
             outer.get()->attrs_data_size == 2 + 7;
    }
    ok = ok && consumer_current() == nullptr;
    std::puts(ok ? "lto_consumer: ok" : "lto_consumer: wrong slot values");
    return ok ? 0 : 1;
}
