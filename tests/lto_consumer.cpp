// SPDX-License-Identifier: Apache-2.0
// A C++ hot-path consumer linking the ThinLTO bitcode archive through the
// header-only C++ layer (otelctx.hpp): the C API is inlined across the
// language boundary, TLSDESC access included. lto_consumer_check.sh proves
// it from the disassembly.
//
// --scenario: speaks tests/scenario_reader.py's protocol instead (one
// context per stdin line, "TRACE SPAN FLAGS KEY:VALUE..." in hex, until an
// empty line; one thread per context, each attaching its record through
// scoped_attach; "self_check RET WHY", "thread TID any" per thread,
// "ready"; records kept attached until stdin closes), so that the readers
// can check what this program published. With OTELCTX_SCENARIO_BUSY=1 the
// threads spin meanwhile, for a sampling reader.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

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

namespace scenario {
struct context {
    uint8_t trace_id[16] = {}, span_id[8] = {}, flags = 0;
    std::vector<std::pair<uint8_t, std::string>> attrs;
    pid_t tid = 0;
};

std::mutex lock;
std::condition_variable changed;
int published = 0;
bool released = false;
std::atomic<bool> stop_spinning{false};

[[noreturn]] void fail(const char *what)
{
    std::fprintf(stderr, "lto_consumer --scenario: %s\n", what);
    std::exit(1);
}

std::string hex_bytes(const std::string &word)
{
    if (word.size() % 2 != 0)
        fail("odd hex length");
    std::string bytes;
    for (std::size_t i = 0; i < word.size(); i += 2)
        bytes.push_back(char(std::stoul(word.substr(i, 2), nullptr, 16)));
    return bytes;
}

context parse(const std::string &line)
{
    std::istringstream words(line);
    std::string trace, span, word;
    unsigned flags;
    context c;
    if (!(words >> trace >> span >> flags) || trace.size() != 32 || span.size() != 16)
        fail("bad context line");
    std::memcpy(c.trace_id, hex_bytes(trace).data(), 16);
    std::memcpy(c.span_id, hex_bytes(span).data(), 8);
    c.flags = uint8_t(flags);
    while (words >> word) {
        std::size_t colon = word.find(':');
        if (colon == std::string::npos)
            fail("attribute without KEY:");
        c.attrs.emplace_back(uint8_t(std::stoul(word.substr(0, colon))), hex_bytes(word.substr(colon + 1)));
    }
    return c;
}

void publish(context &c, bool busy)
{
    otelctx::record record;
    std::vector<otelctx_attr> attrs;
    for (const auto &[key, value] : c.attrs)
        attrs.push_back({key, value.data(), value.size()});
    if (otelctx_record_set(record.get(), c.trace_id, c.span_id, c.flags, attrs.data(), attrs.size()) != 0)
        fail("otelctx_record_set failed");
    otelctx::scoped_attach attached(record);
    {
        std::lock_guard<std::mutex> guard(lock);
        c.tid = gettid();
        published++;
    }
    changed.notify_all();
    while (busy && !stop_spinning.load(std::memory_order_relaxed))
        ;
    std::unique_lock<std::mutex> guard(lock);
    changed.wait(guard, [] { return released; });
}

int run()
{
    const char *busy_env = std::getenv("OTELCTX_SCENARIO_BUSY");
    bool busy = busy_env != nullptr && std::strcmp(busy_env, "1") == 0;
    std::vector<context> contexts;
    std::string line;
    while (std::getline(std::cin, line) && !line.empty())
        contexts.push_back(parse(line));
    char why[256];
    int ret = otelctx_self_check(why, sizeof(why));
    std::printf("self_check %d %s\n", ret, why);
    std::vector<std::thread> threads;
    for (auto &c : contexts)
        threads.emplace_back(publish, std::ref(c), busy);
    {
        std::unique_lock<std::mutex> guard(lock);
        changed.wait(guard, [&] { return published == int(contexts.size()); });
    }
    for (const auto &c : contexts)
        std::printf("thread %d any\n", int(c.tid));
    std::printf("ready\n");
    std::fflush(stdout);
    while (std::getline(std::cin, line))
        ;
    stop_spinning.store(true, std::memory_order_relaxed);
    {
        std::lock_guard<std::mutex> guard(lock);
        released = true;
    }
    changed.notify_all();
    for (auto &t : threads)
        t.join();
    return 0;
}
} // namespace scenario

int main(int argc, char **argv)
{
    if (argc == 2 && std::strcmp(argv[1], "--scenario") == 0)
        return scenario::run();
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
