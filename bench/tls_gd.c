/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alt/tls_gd: what a user would write in their own shared library without
 * otelctx, compiled with the legacy dialect (-mtls-dialect=gnu): a swap
 * function reaching its TLS variable through __tls_get_addr.
 */
__attribute__((visibility("default"), tls_model("global-dynamic")))
_Thread_local void *bench_tls_gd_slot;

__attribute__((visibility("default")))
void *bench_tls_gd_swap(void *record)
{
    void *previous = bench_tls_gd_slot;
    bench_tls_gd_slot = record;
    return previous;
}
