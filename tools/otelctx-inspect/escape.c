/* SPDX-License-Identifier: Apache-2.0 */
#include "escape.h"

#include <stdint.h>
#include <string.h>

#include "record_view.h"

/* Longest piece one step writes: "\u0085" (6), or a 4-byte UTF-8 sequence. */
enum { PIECE_MAX = 8 };

/* U+0080..U+009F, encoded c2 80..c2 9f. */
static int is_c1(const uint8_t *s, size_t sequence)
{
    return sequence == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

/* The printable form of the text at s (n > 0 bytes) in piece; returns its
 * length and sets *used to the bytes of s it stands for. */
static size_t escape_piece(const uint8_t *s, size_t n, enum escape_style style,
                           char piece[PIECE_MAX], size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    size_t sequence = utf8_sequence(s, n);

    *used = sequence ? sequence : 1;
    if (style == ESCAPE_JSON) {
        if (sequence == 0) {
            memcpy(piece, "\\ufffd", 6);
            return 6;
        }
        if (s[0] < 0x20 || s[0] == 0x7f || is_c1(s, sequence)) {
            unsigned code = sequence == 2 ? s[1] : s[0];
            memcpy(piece, "\\u00", 4);
            piece[4] = hex[code >> 4];
            piece[5] = hex[code & 0xf];
            return 6;
        }
    } else if (sequence == 0 || s[0] < 0x20 || s[0] == 0x7f || is_c1(s, sequence)) {
        /* A C1 control's lead byte alone: its second byte, on its own not
         * UTF-8, follows as \xNN too. */
        *used = 1;
        piece[0] = '\\';
        piece[1] = 'x';
        piece[2] = hex[s[0] >> 4];
        piece[3] = hex[s[0] & 0xf];
        return 4;
    }
    if (s[0] == '\\' || (s[0] == '"' && style != ESCAPE_TEXT)) {
        piece[0] = '\\';
        piece[1] = (char)s[0];
        return 2;
    }
    memcpy(piece, s, sequence);
    return sequence;
}

void escape_write(FILE *out, const void *bytes, size_t n, enum escape_style style)
{
    const uint8_t *s = bytes;
    char piece[PIECE_MAX];

    for (size_t i = 0, used; i < n; i += used)
        fwrite(piece, 1, escape_piece(s + i, n - i, style, piece, &used), out);
}

void escape_string(FILE *out, const char *text, enum escape_style style)
{
    escape_write(out, text, strlen(text), style);
}

size_t escape_into(char *dst, size_t dst_len, const char *text)
{
    const uint8_t *s = (const uint8_t *)text;
    size_t n = strlen(text), length = 0;
    char piece[PIECE_MAX];

    for (size_t i = 0, used; i < n; i += used) {
        size_t len = escape_piece(s + i, n - i, ESCAPE_TEXT, piece, &used);
        if (length + len >= dst_len)
            break;
        memcpy(dst + length, piece, len);
        length += len;
    }
    dst[length] = '\0';
    return length;
}
