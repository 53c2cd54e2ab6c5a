/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every byte that came from a target (its memory, /proc text, mapped files)
 * is printed through here, so that no byte of it can act on the user's
 * terminal: C0 controls, DEL, C1 controls (U+0080..U+009F, which terminals
 * read as CSI, OSC...) and bytes that are not well-formed UTF-8 are written
 * as escapes; printable UTF-8 is kept.
 */
#ifndef OTELCTX_INSPECT_ESCAPE_H
#define OTELCTX_INSPECT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

enum escape_style {
    ESCAPE_TEXT,   /* \xNN for each such byte, \\ for a backslash */
    ESCAPE_QUOTED, /* the same, and \" for a quote: the text of a "value" */
    ESCAPE_JSON,   /* the body of a JSON string: \uNNNN, U+FFFD for a bad byte */
};

/* Writes n bytes of target text to out in the given style. */
void escape_write(FILE *out, const void *bytes, size_t n, enum escape_style style);

/* The same for a NUL-terminated string. */
void escape_string(FILE *out, const char *text, enum escape_style style);

/* Writes text in ESCAPE_TEXT style into dst (dst_len > 0), NUL-terminated,
 * cut before the first escape that does not fit; returns the length. */
size_t escape_into(char *dst, size_t dst_len, const char *text);

#endif
