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

/* Hides x's value from the optimizer, at no instruction. A loop's cursor
 * passed through it stays a cursor: clang otherwise rewrites it into an
 * index and a count, a register more, which the whole-record writer's
 * loops then take from a callee-saved one (saved and restored on every
 * call). */
#define OTELCTX_OPAQUE(x) __asm__("" : "+r"(x))

/* A writer's error return, as return otelctx__fail(-EINVAL): the constant
 * is then made in the error's own branch. Returned plainly, clang loads
 * -EINVAL into a spare register before the first check, on every call,
 * and moves the result into %eax at one shared return. Volatile, or gcc
 * hoists the empty asm out of the branch and preloads each constant. */
OTELCTX_INLINE int otelctx__fail(int err)
{
    __asm__ volatile("" : "+r"(err));
    return err;
}

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
 * Copies exactly len bytes as two fixed-size, possibly overlapping chunks
 * (never reading past the caller's value): no call to memcpy, a few
 * compares. Jumps to label when len is over 16 (the test sits in the branch
 * for 8 bytes and more, where short values do not pay for it) or some byte
 * has its high bit set (not plain ASCII). A jump rather than a result: the
 * compilers would join the four results into one register and test that,
 * two instructions more. Two flavours, by what a jump leaves behind:
 *
 * OTELCTX_COPY_SHORT stores nothing before the jump: otelctx_attr_push
 * promises the record unchanged when it leaves a value out.
 *
 * OTELCTX_COPY_SHORT_OVER stores the chunks first and tests them after, so
 * the test may clobber one (no register of its own: the whole-record
 * writer's loop then needs no callee-saved register). Only for a writer
 * whose stores past attrs_data_size are free, valid being 0, and whose
 * jump target writes that value again (the whole-record writers' finish).
 */
#define OTELCTX_PAIR_CHECKED(type, mask, dst, src, len, label)              \
    do {                                                                    \
        type head_, tail_;                                                  \
        memcpy(&head_, (src), sizeof(type));                                \
        memcpy(&tail_, (src) + (len) - sizeof(type), sizeof(type));         \
        if (OTELCTX_UNLIKELY((head_ | tail_) & (mask)))                     \
            goto label;                                                     \
        memcpy((dst), &head_, sizeof(type));                                \
        memcpy((dst) + (len) - sizeof(type), &tail_, sizeof(type));         \
    } while (0)

#define OTELCTX_PAIR_STORED(type, mask, dst, src, len, label)               \
    do {                                                                    \
        type head_, tail_;                                                  \
        memcpy(&head_, (src), sizeof(type));                                \
        memcpy(&tail_, (src) + (len) - sizeof(type), sizeof(type));         \
        memcpy((dst), &head_, sizeof(type));                                \
        memcpy((dst) + (len) - sizeof(type), &tail_, sizeof(type));         \
        if (OTELCTX_UNLIKELY((head_ | tail_) & (mask)))                     \
            goto label;                                                     \
    } while (0)

#define OTELCTX_COPY_SHORT_WITH(pair, dst, src, len, label)                 \
    do {                                                                    \
        if ((len) >= 4) {                                                   \
            if ((len) >= 8) {                                               \
                if (OTELCTX_UNLIKELY((len) > 16))                           \
                    goto label;                                             \
                pair(uint64_t, 0x8080808080808080u, dst, src, len, label);  \
            } else {                                                        \
                pair(uint32_t, 0x80808080u, dst, src, len, label);          \
            }                                                               \
        } else if ((len) >= 2) {                                            \
            pair(uint16_t, 0x8080u, dst, src, len, label);                  \
        } else if ((len) == 1) {                                            \
            uint8_t byte_ = (uint8_t)(src)[0];                              \
            if (OTELCTX_UNLIKELY(byte_ & 0x80u))                            \
                goto label;                                                 \
            (dst)[0] = byte_;                                               \
        }                                                                   \
    } while (0)

#define OTELCTX_COPY_SHORT(dst, src, len, label)                            \
    OTELCTX_COPY_SHORT_WITH(OTELCTX_PAIR_CHECKED, dst, src, len, label)

#define OTELCTX_COPY_SHORT_OVER(dst, src, len, label)                       \
    OTELCTX_COPY_SHORT_WITH(OTELCTX_PAIR_STORED, dst, src, len, label)

/* OTELCTX_COPY_SHORT as a function: 1 when the value is longer than 16
 * bytes or not plain ASCII. */
OTELCTX_INLINE int otelctx__copy_short(uint8_t *dst, const char *src, size_t len)
{
    OTELCTX_COPY_SHORT(dst, src, len, not_ascii);
    return 0;
not_ascii:
    return 1;
}

#endif
