// SPDX-License-Identifier: Apache-2.0
// The benchmark binary. Linked against libotelctx.so.1 by SONAME (no
// rpath): LD_LIBRARY_PATH picks the default or the optimized build, so the
// same code measures both. Besides the single/* benchmarks:
//   multi/swap/N   single/swap on N threads at once
//   dlopen/swap    a second copy of the library, dlmopen()ed into its own
//                  namespace, its slot in dynamically allocated TLS (the
//                  binary re-executes itself with glibc's optional static
//                  TLS surplus at 0, as in a process that has used it up;
//                  counter dynamic_tls = 1 confirms where the slot is)
//   floor/tls_le   store to a local-exec variable of this executable
//   floor/tlsdesc  store through an inline TLSDESC access (libbench_tls.so)
//   alt/tls_gd     a swap function using the legacy __tls_get_addr dialect
//   alt/pthread_getspecific  the same swap with a pthread key
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "single.h"

extern "C" {
void bench_tlsdesc_swaps(size_t n, void *a, void *b);
void *bench_tls_gd_swap(void *record);

// External linkage: stores to a variable nobody reads are otherwise dropped.
__attribute__((tls_model("local-exec"))) thread_local void *bench_le_slot;
}

namespace {
void *records[2] = {&records[0], &records[1]}; // any two distinct pointers

void floor_tls_le(benchmark::State &state)
{
    unsigned i = 0;
    for (auto _ : state) {
        bench_le_slot = records[i ^= 1];
        benchmark::ClobberMemory();
    }
}

void floor_tlsdesc(benchmark::State &state)
{
    constexpr size_t batch = 1000;
    while (state.KeepRunningBatch(batch))
        bench_tlsdesc_swaps(batch, records[0], records[1]);
}

void alt_tls_gd(benchmark::State &state)
{
    unsigned i = 0;
    for (auto _ : state) {
        void *previous = bench_tls_gd_swap(records[i ^= 1]);
        benchmark::DoNotOptimize(previous);
    }
}

void alt_pthread_getspecific(benchmark::State &state)
{
    static pthread_key_t key;
    static int created = pthread_key_create(&key, nullptr);
    unsigned i = 0;
    if (created != 0) {
        state.SkipWithError("pthread_key_create failed");
        return;
    }
    for (auto _ : state) {
        void *previous = pthread_getspecific(key);
        pthread_setspecific(key, records[i ^= 1]);
        benchmark::DoNotOptimize(previous);
    }
}

// The dlmopen()ed copy shares nothing with the linked one.
struct second_copy {
    void *handle = nullptr;
    otelctx_record *(*attach)(otelctx_record *) = nullptr;
    otelctx_record *(*record_new)() = nullptr;
    void (*record_free)(otelctx_record *) = nullptr;
    void **slot = nullptr;
};

second_copy load_second_copy()
{
    second_copy lib;
    lib.handle = dlmopen(LM_ID_NEWLM, "libotelctx.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib.handle == nullptr)
        return lib;
    lib.attach = reinterpret_cast<otelctx_record *(*)(otelctx_record *)>(
        dlsym(lib.handle, "otelctx_attach"));
    lib.record_new = reinterpret_cast<otelctx_record *(*)()>(
        dlsym(lib.handle, "otelctx_record_new"));
    lib.record_free = reinterpret_cast<void (*)(otelctx_record *)>(
        dlsym(lib.handle, "otelctx_record_free"));
    return lib;
}

void dlopen_swap(benchmark::State &state)
{
    static second_copy lib = load_second_copy();
    if (lib.attach == nullptr || lib.record_new == nullptr || lib.record_free == nullptr) {
        state.SkipWithError("dlmopen of libotelctx.so.1 failed");
        return;
    }
    otelctx_record *mine[2] = {lib.record_new(), lib.record_new()};
    unsigned i = 0;
    for (auto _ : state) {
        otelctx_record *previous = lib.attach(mine[i ^= 1]);
        benchmark::DoNotOptimize(previous);
    }
    lib.attach(nullptr);
    lib.record_free(mine[0]);
    lib.record_free(mine[1]);
    // Where the copy's slot lives: static TLS is within a few KiB below the
    // thread pointer, dynamically allocated TLS is on the heap.
    auto *slot = static_cast<char *>(dlsym(lib.handle, "otel_thread_ctx_v1"));
    auto distance = reinterpret_cast<uintptr_t>(pthread_self()) - reinterpret_cast<uintptr_t>(slot);
    state.counters["dynamic_tls"] = distance > (1u << 20) ? 1 : 0;
}

// glibc reads tunables at start-up only, hence the re-execution.
void without_optional_static_tls(char **argv)
{
    if (std::getenv("OTELCTX_BENCH_TUNED") != nullptr)
        return;
    std::string tunables = "glibc.rtld.optional_static_tls=0";
    if (const char *previous = std::getenv("GLIBC_TUNABLES"))
        tunables = std::string(previous) + ":" + tunables;
    setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
    setenv("OTELCTX_BENCH_TUNED", "1", 1);
    execv("/proc/self/exe", argv);
}

} // namespace

int main(int argc, char **argv)
{
    without_optional_static_tls(argv);
    benchmark::RegisterBenchmark("multi/swap/4", bench_swap)->Threads(4);
    benchmark::RegisterBenchmark("multi/swap/16", bench_swap)->Threads(16);
    benchmark::RegisterBenchmark("dlopen/swap", dlopen_swap);
    benchmark::RegisterBenchmark("floor/tls_le", floor_tls_le);
    benchmark::RegisterBenchmark("floor/tlsdesc", floor_tlsdesc);
    benchmark::RegisterBenchmark("alt/tls_gd", alt_tls_gd);
    benchmark::RegisterBenchmark("alt/pthread_getspecific", alt_pthread_getspecific);
    return run_benchmarks(argc, argv);
}
