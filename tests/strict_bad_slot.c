/* SPDX-License-Identifier: Apache-2.0 */
/* A library whose slot is two pointers wide: readers require 8 bytes. */
__attribute__((visibility("default"))) _Thread_local void *otel_thread_ctx_v1[2];
