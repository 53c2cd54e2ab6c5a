/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the ELF path behind `otelctx-inspect check` and a live
 * reading. Each input is a file (in a memfd, read through the same pread
 * reader as a mapping's file), then judged by the OTEP 4947 rules, its
 * names looked up as libthread_db would, and, for an executable without
 * interpreter, its slot's static TLS offset computed. tls_access locates
 * the slot from the input's relocations and headers, the input itself
 * standing for the target's memory at the load bias (its GOT words are the
 * file's bytes at r_offset), and resolves it in a made-up thread whose DTV
 * is the input too, with glibc's and musl's DTV layouts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elf_file.h"
#include "target.h"
#include "tls.h"
#include "tls_access.h"

static int input_file(void)
{
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("fuzz_elf", MFD_CLOEXEC)) < 0)
        abort();
    return fd;
}

/* A process of one object, the input, mapped at an arbitrary bias. */
static void locate(struct elf_file *f)
{
    struct loaded_object object = {.path = "input", .base = 0x10000, .is_executable = 1, .elf = *f};
    struct target t = {.pid = getpid(), .objects = &object, .n_objects = 1};
    struct slot_location loc;
    char why[512];

    if (f->view.slot == NULL || f->has_interp || tls_open(&t, why, sizeof(why)) != 0)
        return;
    (void)tls_locate(&t, &object, &loc, why, sizeof(why));
    tls_close();
}

/* What tls_access says must hold together whatever the input. */
static void locate_by_relocations(struct elf_file *f, const uint8_t *data, size_t size)
{
    struct loaded_object object = {.path = "input", .base = (uintptr_t)data, .elf = *f};
    struct target t = {.pid = getpid(), .objects = &object, .n_objects = 1};
    struct tls_access a;
    char why[512];
    int64_t tp_offset;

    if (f->slot != NULL && f->slot != f->view.slot && f->slot != f->symtab_slot)
        abort();
    if (f->slot_only_in_symtab != (f->slot != NULL && f->slot == f->symtab_slot))
        abort();
    if (f->slot != NULL && tls_access_local_exec(f, f->slot->st_value, &tp_offset) == 0 &&
        f->view.machine == EM_X86_64 && tp_offset > -8)
        abort(); /* variant II: the slot's 8 bytes end at or below the thread pointer */
    int found = tls_access_locate(&t, &object, &a, why, sizeof(why));
    if (found != 0)
        return;
    int dynamic = a.model == TLS_MODEL_TLSDESC_DYNAMIC || a.model == TLS_MODEL_GENERAL_DYNAMIC;
    if (a.dynamic != dynamic || (!dynamic && a.tp_offset > -8) || (dynamic && a.module == 0) ||
        strcmp(tls_model_name(a.model), "unknown") == 0)
        abort();
    /* A thread pointer into the input: the DTV pointer is its word at 8. */
    uint64_t tp = (uintptr_t)data + (size > 16 ? size / 2 : 0), address;
    for (uint32_t entry = 8; entry <= 16; entry += 8) {
        a.dtv_entry = entry;
        (void)tls_access_address(&t, &a, tp, &address, why, sizeof(why));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {OTELCTX_SLOT_NAME, "_r_debug", "nptl_version",
                                        "_thread_db_pthread_tid", "__libc_start_main", ""};
    int fd = input_file();
    struct elf_file f;
    char why[512];

    if (ftruncate(fd, 0) != 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    if (elf_file_read(&f, fd, "input", why, sizeof(why)) == ELF_FILE_OK) {
        otelctx__check_elf_view(&f.view, why, sizeof(why));
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            const Elf64_Sym *sym = elf_file_symbol(&f, names[i]);
            if (sym != NULL && (sym < f.dynsym || sym >= f.dynsym + f.n_dynsym))
                abort();
        }
        locate(&f);
        locate_by_relocations(&f, data, size);
    }
    elf_file_close(&f);
    return 0;
}
