/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The slot of a TLS-model writer: otel_thread_ctx_v1 defined here, 8 bytes,
 * STT_TLS, default visibility, as OTEP 4947 names it. Which access model
 * reaches it (TLSDESC, legacy general-dynamic, initial-exec, local-exec) is
 * chosen by the flags this file is compiled with (tests/tls_models/
 * CMakeLists.txt and musl.sh); read_model.py checks the result with readelf.
 * The writer takes the slot's address only through tls_model_slot(), so the
 * one access of the process is this object's own.
 */
__attribute__((visibility("default"))) _Thread_local void *otel_thread_ctx_v1;

__attribute__((visibility("default"), noinline)) void **tls_model_slot(void)
{
    return &otel_thread_ctx_v1;
}
