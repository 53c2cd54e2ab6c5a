// SPDX-License-Identifier: Apache-2.0
// The C++ header's prepared sets and flags against the C calls they wrap:
// otelctx::attrset, record::set with a set, otelctx::update with a set and
// scoped_attach::update_flags give the bytes the plain C calls give.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "otelctx.hpp"

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::exit(1);                                                               \
        }                                                                               \
    } while (0)

static const uint8_t trace_id[16] = {0x3c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t span_id[8] = {0x4d, 1, 2, 3, 4, 5, 6, 7};

static bool same(const otelctx_record *a, const otelctx_record *b)
{
    return std::memcmp(a, b, 28) == 0 &&
           std::memcmp(a->attrs_data, b->attrs_data, b->attrs_data_size) == 0;
}

int main()
{
    const otelctx_attr plain[] = {{1, "GET", 3}, {2, "/caf\xc3\xa9/items", 12}, {3, "\xc3(", 2}};
    otelctx::attrset set{{1, "GET"}, {2, "/caf\xc3\xa9/items"}, {3, "\xc3("}};
    CHECK(set.left_out() == 1);

    otelctx::record via_set, via_c;
    CHECK(otelctx_record_set(via_c.get(), trace_id, span_id, 1, plain, 3) == 1);
    CHECK(via_set.set(trace_id, span_id, 1, set) == 1);
    CHECK(same(via_set.get(), via_c.get()));

    {
        otelctx::scoped_attach attached(via_set);
        CHECK(otelctx::update(trace_id, span_id, 0, set) == 1);
        CHECK(via_set.get()->trace_flags == 0);
        CHECK(attached.update_flags(0x81) == 0);
        CHECK(via_set.get()->trace_flags == 0x81);
    }
    CHECK(otelctx_current() == nullptr);
    CHECK(via_c.set(trace_id, span_id, 0x81, {{1, "GET"}, {2, "/caf\xc3\xa9/items"}, {3, "\xc3("}}) == 1);
    CHECK(same(via_set.get(), via_c.get()));

    otelctx::attrset moved = std::move(set);
    CHECK(moved.get() != nullptr && set.get() == nullptr);
    std::printf("test_hpp: prepared sets and flags as the C calls write them\n");
    return 0;
}
