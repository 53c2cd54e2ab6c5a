/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The messages of one reading, held back until the reading is classified:
 * when the process turns out to have exited meanwhile, what went wrong while
 * it was torn down (vanished files, refused ptrace, missing slot) is noise,
 * and one "exited while it was read" replaces it.
 */
#ifndef OTELCTX_INSPECT_DIAG_H
#define OTELCTX_INSPECT_DIAG_H

/* Adds one line ("otelctx-inspect: " and a newline are added). */
void diag(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Writes the held lines to stderr, or forgets them. */
void diag_flush(void);
void diag_drop(void);

#endif
