/* SPDX-License-Identifier: Apache-2.0 */
/* A library whose slot is two pointers wide: readers require 8 bytes. Its
 * reader function gives it the TLSDESC relocation through which a musl
 * process's slot is located. */
__attribute__((visibility("default"))) _Thread_local void *otel_thread_ctx_v1[2];

__attribute__((visibility("default"))) void *strict_bad_slot_first(void)
{
    return otel_thread_ctx_v1[0];
}
