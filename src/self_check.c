/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otelctx_self_check(): the ELF rules of OTEP 4947, applied in memory to the
 * object this code was linked into, through its dynamic section. Readers
 * find the slot the same way, so what passes here is what they can use.
 * Then whether any other object defines the slot (src/copies.h): a reader
 * keeps one slot per process.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "copies.h"
#include "elf_rules.h"
#include "loaded_object.h"
#include "otelctx.h"

int otelctx_self_check(char *why, size_t why_len)
{
    struct otelctx_loaded_object self;

    if (why == NULL)
        why_len = 0;
    if (why_len > 0)
        why[0] = '\0';
    if (!otelctx__loaded_object_containing(&otelctx__copy, &self) ||
        self.dynamic == NULL) {
        snprintf(why, why_len, "otelctx is linked into a fully static executable (-static), "
                 "which has no .dynsym: the spec requires " OTELCTX_SLOT_NAME " there (a reader "
                 "that falls back to .symtab finds it only while the binary is not stripped); link with "
                 "-static-pie (and -Wl,--export-dynamic-symbol=" OTELCTX_SLOT_NAME ") instead");
        return -ENOEXEC;
    }
    int err = otelctx__check_elf_view(&self.view, why, why_len);
    if (err < 0)
        return err;
    /* The object passes: now whether it is alone in defining the slot. */
    size_t used = why_len > 0 ? strlen(why) : 0;
    char *rest = why_len > used + 2 ? why + used + 2 : NULL;
    size_t rest_len = rest != NULL ? why_len - used - 2 : 0;
    if (rest != NULL)
        rest[0] = '\0';
    err = otelctx__copies_check(rest, rest_len);
    if (rest != NULL && rest[0] != '\0')
        memcpy(why + used, "; ", 2);
    else if (rest != NULL)
        why[used] = '\0';
    return err;
}
