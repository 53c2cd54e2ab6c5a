/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The byte-level pieces every record writer uses: the entry layout, 8-byte
 * loads and stores the compiler may not split, and the copy of a short
 * value that also tells plain ASCII from the rest. Included by the fast
 * path (record_write.h) and the slow finish (record_finish.c) alike.
 */
#ifndef OTELCTX_RECORD_BYTES_H
#define OTELCTX_RECORD_BYTES_H

#include <stdint.h>
#include <string.h>

#define OTELCTX_ENTRY_HEADER 2 /* key index byte + value length byte */
#define OTELCTX_INLINE static inline __attribute__((always_inline))
#define OTELCTX_UNLIKELY(x) __builtin_expect(!!(x), 0)

OTELCTX_INLINE uint64_t otelctx__load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

OTELCTX_INLINE void otelctx__store64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

/* 16 bytes, loaded whole before any is stored (the compiler picks the
 * instructions: one vector load and store, or two of 8 bytes). */
OTELCTX_INLINE void otelctx__copy16(uint8_t *dst, const uint8_t *src)
{
    uint64_t a = otelctx__load64(src), b = otelctx__load64(src + 8);
    otelctx__store64(dst, a);
    otelctx__store64(dst + 8, b);
}

/*
 * Copies exactly len bytes, for len <= 16 (never reading past the caller's
 * value), as two fixed-size, possibly overlapping chunks: no call to memcpy,
 * a few compares. The chunks are loaded and OR-ed first: when some byte has
 * its high bit set (not plain ASCII), nothing is stored and 1 is returned.
 */
#define OTELCTX_COPY_PAIR(type, mask, dst, src, len)                        \
    do {                                                                    \
        type head_, tail_;                                                  \
        memcpy(&head_, (src), sizeof(type));                                \
        memcpy(&tail_, (src) + (len) - sizeof(type), sizeof(type));         \
        if (OTELCTX_UNLIKELY((head_ | tail_) & (mask)))                     \
            return 1;                                                       \
        memcpy((dst), &head_, sizeof(type));                                \
        memcpy((dst) + (len) - sizeof(type), &tail_, sizeof(type));         \
    } while (0)

OTELCTX_INLINE int otelctx__copy_short(uint8_t *dst, const char *src, size_t len)
{
    if (len >= 4) {
        if (len >= 8)
            OTELCTX_COPY_PAIR(uint64_t, 0x8080808080808080u, dst, src, len);
        else
            OTELCTX_COPY_PAIR(uint32_t, 0x80808080u, dst, src, len);
    } else if (len >= 2) {
        OTELCTX_COPY_PAIR(uint16_t, 0x8080u, dst, src, len);
    } else if (len == 1) {
        if (OTELCTX_UNLIKELY((uint8_t)src[0] & 0x80u))
            return 1;
        dst[0] = (uint8_t)src[0];
    }
    return 0;
}

#endif
