// SPDX-License-Identifier: Apache-2.0
// The single/* benchmarks linked against the optimized bitcode archive with
// clang++ -flto=thin and lld: the C API inlined into C++ callers.
#include "single.h"

int main(int argc, char **argv)
{
    return run_benchmarks(argc, argv);
}
