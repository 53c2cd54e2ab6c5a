/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OTELCTX_UTF8_H
#define OTELCTX_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Whether s[0..len) is UTF-8 (RFC 3629): no overlong forms, no surrogates,
 * nothing above U+10FFFF, no sequence cut short by the end. Readers decode
 * values as UTF-8, and key names and resource strings go into protobuf
 * string fields, which strict proto3 decoders reject (the whole payload)
 * when they are not UTF-8. Async-signal-safe.
 */
int otelctx__utf8_valid(const uint8_t *s, size_t len);

#endif
