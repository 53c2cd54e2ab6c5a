/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzz targets' judges of what otelctx-inspect prints, written apart
 * from its escaper: text that no terminal can act on, and JSON that holds
 * together; and the run of both printers on a reading. A broken rule
 * aborts (libFuzzer reports the input).
 */
#ifndef OTELCTX_FUZZ_INSPECT_OUTPUT_CHECKS_H
#define OTELCTX_FUZZ_INSPECT_OUTPUT_CHECKS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "snapshot.h"

#define REQUIRE(cond)                                                        \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,       \
                    __LINE__, #cond);                                        \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* The judges are left out of coverage: what they branch on would steer the
 * fuzzer towards variety in the checks, not in the code under test. */
#define JUDGE static inline __attribute__((no_sanitize("coverage")))

/* The code point of the well-formed UTF-8 sequence at s (n bytes left) in
 * *code, and its length; 0 when the bytes are not one (RFC 3629). */
JUDGE size_t decode_utf8(const uint8_t *s, size_t n, uint32_t *code)
{
    static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    *code = len == 1 ? s[0] : s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        *code = *code << 6 | (s[i] & 0x3f);
    }
    if (*code < least[len] || *code > 0x10ffff || (*code >= 0xd800 && *code <= 0xdfff))
        return 0;
    return len;
}

/* UTF-8 throughout; no C0 control but newline, no DEL, no C1 control. */
JUDGE void check_printable(const char *text, size_t n)
{
    const uint8_t *s = (const uint8_t *)text;
    for (size_t i = 0, len; i < n; i += len) {
        uint32_t code;
        len = decode_utf8(s + i, n - i, &code);
        REQUIRE(len != 0);
        REQUIRE(code >= 0x20 || code == '\n');
        REQUIRE(code != 0x7f && (code < 0x80 || code > 0x9f));
    }
}

/* One JSON value then a newline: strings closed and escaped as JSON allows,
 * brackets balanced, nothing outside strings but the literals' letters,
 * numbers and punctuation. Not a full parser: cheap enough for each run. */
JUDGE void check_json_line(const char *text, size_t n)
{
    char open[64];
    size_t depth = 0, i = 0;

    REQUIRE(n > 0 && text[n - 1] == '\n');
    for (n--; i < n; i++) {
        char c = text[i];
        if (c == '"') {
            for (i++; i < n && text[i] != '"'; i++) {
                REQUIRE((uint8_t)text[i] >= 0x20);
                if (text[i] != '\\')
                    continue;
                REQUIRE(++i < n && strchr("\"\\/bfnrtu", text[i]) != NULL);
                if (text[i] == 'u') {
                    REQUIRE(i + 4 < n);
                    for (int k = 1; k <= 4; k++)
                        REQUIRE(strchr("0123456789abcdefABCDEF", text[i + k]) != NULL);
                    i += 4;
                }
            }
            REQUIRE(i < n);
        } else if (c == '{' || c == '[') {
            REQUIRE(depth < sizeof(open));
            open[depth++] = c;
        } else if (c == '}' || c == ']') {
            REQUIRE(depth > 0 && open[--depth] == (c == '}' ? '{' : '['));
        } else {
            REQUIRE(c != '\0' && strchr("0123456789-.,:truefalsn", c) != NULL);
        }
    }
    REQUIRE(depth == 0);
}

/* What print wrote for the reading (t, s), in memory: free it; its length
 * in *n. */
typedef void printer(FILE *out, const struct target *t, const struct snapshot *s);

static inline char *print_to_memory(printer *print, const struct target *t,
                                    const struct snapshot *s, size_t *n)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, n);
    REQUIRE(out != NULL);
    print(out, t, s);
    REQUIRE(fclose(out) == 0);
    return text;
}

/* The reading as text and as JSON: both printable, the JSON one line. */
static inline void check_printers(const struct target *t, const struct snapshot *s)
{
    size_t n;
    char *text = print_to_memory(print_text, t, s, &n);
    check_printable(text, n);
    free(text);
    text = print_to_memory(print_json, t, s, &n);
    check_printable(text, n);
    check_json_line(text, n);
    free(text);
}

#endif
