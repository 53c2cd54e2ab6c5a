/* SPDX-License-Identifier: Apache-2.0 */
#include "tls_slot.h"

/*
 * The variable OTEP 4947 names. Default visibility puts it in .dynsym; the
 * global-dynamic model plus -mtls-dialect=gnu2 makes the compiler emit a
 * TLSDESC access, which works whether the library is loaded at start-up or
 * by dlopen (initial-exec would not on musl, and eats glibc's static TLS).
 */
__attribute__((visibility("default"), tls_model("global-dynamic")))
_Thread_local otelctx_record *otel_thread_ctx_v1;

otelctx_record **otelctx_tls_slot(void)
{
    return &otel_thread_ctx_v1;
}
