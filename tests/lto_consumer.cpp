// SPDX-License-Identifier: Apache-2.0
// A C++ hot-path consumer linking the ThinLTO bitcode archive: the C API is
// inlined across the language boundary, TLSDESC access included.
// lto_consumer_check.sh proves it from the disassembly.
#include <cstdio>
#include <cstring>

#include <otelctx.h>

extern "C" {
// Not inlined themselves, so the gate can find each one's own slot access.
__attribute__((noinline)) otelctx_record *consumer_swap(otelctx_record *record)
{
    return otelctx_attach(record);
}

__attribute__((noinline)) otelctx_record *consumer_current()
{
    return otelctx_current();
}
}

int main()
{
    static const uint8_t trace_id[16] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
    static const uint8_t span_id[8] = {3, 3, 3, 3, 3, 3, 3, 3};
    otelctx_record *a = otelctx_record_new();
    otelctx_record *b = otelctx_record_new();
    if (a == nullptr || b == nullptr)
        return 1;
    otelctx_record_set(b, trace_id, span_id, 1, nullptr, 0);

    bool ok = consumer_swap(a) == nullptr && consumer_current() == a &&
              consumer_swap(b) == a && consumer_current() == b &&
              std::memcmp(consumer_current()->trace_id, trace_id, 16) == 0 &&
              consumer_swap(nullptr) == b && consumer_current() == nullptr;
    otelctx_record_free(a);
    otelctx_record_free(b);
    std::puts(ok ? "lto_consumer: ok" : "lto_consumer: wrong slot values");
    return ok ? 0 : 1;
}
