/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linked into the *_interposed tests: the executable defines and exports
 * otel_thread_ctx_v1 itself (the link's --export-dynamic-symbol), so the
 * library's slot is bound to the executable's, which is not an otelctx
 * block, and every writer takes its far path with the library's own guard
 * byte. One object, so that the canary is the 8 bytes after the slot: they
 * must stay 0 (the library must not take them for its guard byte).
 */
__asm__("\t.section .tbss,\"awT\",%nobits\n"
        "\t.p2align 3\n"
        "\t.globl otel_thread_ctx_v1\n"
        "\t.type otel_thread_ctx_v1, %tls_object\n"
        "\t.size otel_thread_ctx_v1, 8\n"
        "otel_thread_ctx_v1:\n"
        "\t.zero 16\n"
        "\t.previous\n");
