/* SPDX-License-Identifier: Apache-2.0 */
#include "elf_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where parts of one file come from, and how much more of it may be read. */
struct reader {
    int fd;
    uint64_t size;                   /* st_size when opened */
    uint64_t budget;                 /* bytes left under ELF_FILE_READ_CAP */
    const char *name;
    char *why;
    size_t why_len;
};

/* Reads len bytes at off into a new buffer (*out; NULL when len is 0).
 * 0, or -1 with why: outside the file, over the cap, or short (the file
 * changed since fstat). */
static int read_part(struct reader *r, uint64_t off, uint64_t len, void **out)
{
    *out = NULL;
    if (len == 0)
        return 0;
    if (off > r->size || len > r->size - off) {
        snprintf(r->why, r->why_len, "%s: a header points past the end of the file", r->name);
        return -1;
    }
    if (len > r->budget) {
        snprintf(r->why, r->why_len, "%s: needs more than the %llu MiB read of one file",
                 r->name, (unsigned long long)(ELF_FILE_READ_CAP >> 20));
        return -1;
    }
    r->budget -= len;
    unsigned char *buf = malloc((size_t)len);
    if (buf == NULL) {
        snprintf(r->why, r->why_len, "%s: out of memory", r->name);
        return -1;
    }
    for (uint64_t got = 0; got < len;) {
        ssize_t n = pread(r->fd, buf + got, (size_t)(len - got), (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(r->why, r->why_len, "%s: %s", r->name,
                     n < 0 ? strerror(errno) : "shorter than when opened (the file changed)");
            free(buf);
            return -1;
        }
        got += (uint64_t)n;
    }
    *out = buf;
    return 0;
}

/* ---- .dynsym by name ---------------------------------------------------- */

/* Names are hashed by at most this many bytes: a name without a NUL in
 * .dynstr costs no more to index than a long one. */
enum { HASHED_PREFIX = 128 };
#define END_OF_CHAIN UINT32_MAX

/* FNV-1a from a basis drawn once per run, so that a crafted file cannot
 * aim every name at one chain. */
static uint64_t hash_basis(void)
{
    static uint64_t basis;
    if (basis == 0 && getrandom(&basis, sizeof(basis), GRND_NONBLOCK) != sizeof(basis))
        basis = 0xcbf29ce484222325u ^ (uint64_t)getpid();
    basis |= 1;
    return basis;
}

static uint64_t name_hash(const char *s, size_t len)
{
    uint64_t h = hash_basis();
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h;
}

/* The bytes of .dynsym entry i's name that are hashed, or -1 when its name
 * starts outside .dynstr. */
static long hashed_length(const struct elf_file *f, size_t i)
{
    size_t at = f->dynsym[i].st_name;
    if (at >= f->dynstr_size)
        return -1;
    size_t room = f->dynstr_size - at < HASHED_PREFIX ? f->dynstr_size - at : HASHED_PREFIX;
    const char *nul = memchr(f->dynstr + at, '\0', room);
    return nul != NULL ? nul - (f->dynstr + at) : (long)room;
}

/* One pass over .dynsym: entries are pushed from the last, so each chain
 * lists them lowest index first. */
static int index_names(struct elf_file *f, struct reader *r)
{
    size_t n = 1;
    while (n < f->n_dynsym)
        n <<= 1;
    f->buckets = malloc(n * sizeof(*f->buckets));
    f->next = malloc(f->n_dynsym * sizeof(*f->next));
    if (f->buckets == NULL || f->next == NULL) {
        snprintf(r->why, r->why_len, "%s: out of memory", r->name);
        return -1;
    }
    f->n_buckets = n;
    memset(f->buckets, 0xff, n * sizeof(*f->buckets));
    for (size_t i = f->n_dynsym; i-- > 1;) {
        long len = hashed_length(f, i);
        f->next[i] = END_OF_CHAIN;
        if (len < 0)
            continue;
        size_t b = name_hash(f->dynstr + f->dynsym[i].st_name, (size_t)len) & (n - 1);
        f->next[i] = f->buckets[b];
        f->buckets[b] = (uint32_t)i;
    }
    return 0;
}

const Elf64_Sym *elf_file_symbol(const struct elf_file *f, const char *name)
{
    if (f->n_buckets == 0)
        return NULL;
    size_t len = strlen(name);
    size_t b = name_hash(name, len < HASHED_PREFIX ? len : HASHED_PREFIX) & (f->n_buckets - 1);
    for (uint32_t i = f->buckets[b]; i != END_OF_CHAIN; i = f->next[i]) {
        size_t at = f->dynsym[i].st_name;
        if (len < f->dynstr_size - at && memcmp(f->dynstr + at, name, len) == 0 &&
            f->dynstr[at + len] == '\0')
            return &f->dynsym[i];
    }
    return NULL;
}

/* ---- sections and segments ---------------------------------------------- */

/* .dynsym, its string table and the RELA sections that refer to it. */
static int read_dynamic_symbols(struct elf_file *f, struct reader *r, const Elf64_Shdr *sh)
{
    const Elf64_Ehdr *e = &f->ehdr;
    size_t dynsym_index = 0, n_rela = 0;

    for (size_t i = 0; i < e->e_shnum && dynsym_index == 0; i++)
        if (sh[i].sh_type == SHT_DYNSYM)
            dynsym_index = i;
    const Elf64_Shdr *dynsym = &sh[dynsym_index];
    if (dynsym_index == 0 || dynsym->sh_link >= e->e_shnum ||
        dynsym->sh_entsize != sizeof(Elf64_Sym) || sh[dynsym->sh_link].sh_size == 0)
        return 0; /* no usable .dynsym: nothing to look up by name */
    const Elf64_Shdr *strtab = &sh[dynsym->sh_link];
    f->n_dynsym = dynsym->sh_size / sizeof(Elf64_Sym);
    f->dynstr_size = strtab->sh_size;
    if (read_part(r, dynsym->sh_offset, f->n_dynsym * sizeof(Elf64_Sym), (void **)&f->dynsym) != 0 ||
        read_part(r, strtab->sh_offset, strtab->sh_size, (void **)&f->dynstr) != 0)
        return -1;
    for (size_t i = 0; i < e->e_shnum && n_rela < 2; i++) {
        if (sh[i].sh_type != SHT_RELA || sh[i].sh_link != dynsym_index ||
            sh[i].sh_entsize != sizeof(Elf64_Rela))
            continue;
        size_t count = sh[i].sh_size / sizeof(Elf64_Rela);
        if (read_part(r, sh[i].sh_offset, count * sizeof(Elf64_Rela), (void **)&f->rela[n_rela]) != 0)
            return -1;
        f->view.rela[n_rela] = f->rela[n_rela];
        f->view.rela_count[n_rela] = f->rela[n_rela] != NULL ? count : 0;
        n_rela++;
    }
    if (f->n_dynsym > 1 && index_names(f, r) != 0)
        return -1;
    const Elf64_Sym *slot = elf_file_symbol(f, OTELCTX_SLOT_NAME);
    if (slot != NULL) {
        f->view.slot = f->slot = slot;
        f->view.slot_index = (size_t)(slot - f->dynsym);
    }
    return 0;
}

/* Whether the string at offset at of a table of size bytes is name. */
static int named(const char *table, uint64_t size, uint64_t at, const char *name)
{
    size_t len = strlen(name);
    return at < size && size - at > len && memcmp(table + at, name, len) == 0 &&
           table[at + len] == '\0';
}

/*
 * The first SHT_SYMTAB, in one pass: its defined STT_TLS otel_thread_ctx_v1
 * (GLOBAL preferred: LOCAL entries come first), and whether it defines
 * __libc_setup_tls. The fallback is a courtesy of the reference reader, not
 * the spec's: a table that does not fit in what is left of the cap, or
 * that lies outside the file, is not read, and the file is still read.
 */
static void read_symtab(struct elf_file *f, struct reader *r, const Elf64_Shdr *sh)
{
    const Elf64_Ehdr *e = &f->ehdr;
    size_t at = 1;
    Elf64_Sym *syms = NULL, found = {0};
    char *names = NULL;

    while (at < e->e_shnum && sh[at].sh_type != SHT_SYMTAB)
        at++;
    if (at >= e->e_shnum || sh[at].sh_entsize != sizeof(Elf64_Sym) || sh[at].sh_link == 0 ||
        sh[at].sh_link >= e->e_shnum)
        return;
    const Elf64_Shdr *strtab = &sh[sh[at].sh_link];
    uint64_t n = sh[at].sh_size / sizeof(Elf64_Sym);
    if (n * sizeof(Elf64_Sym) > r->budget || strtab->sh_size > r->budget - n * sizeof(Elf64_Sym) ||
        read_part(r, sh[at].sh_offset, n * sizeof(Elf64_Sym), (void **)&syms) != 0 ||
        read_part(r, strtab->sh_offset, strtab->sh_size, (void **)&names) != 0)
        goto done;
    for (uint64_t i = 1; i < n; i++) {
        const Elf64_Sym *s = &syms[i];
        if (s->st_shndx == SHN_UNDEF)
            continue;
        if (ELF64_ST_TYPE(s->st_info) == STT_FUNC &&
            named(names, strtab->sh_size, s->st_name, "__libc_setup_tls"))
            f->glibc_static_tls = 1;
        if (ELF64_ST_TYPE(s->st_info) == STT_TLS &&
            (found.st_info == 0 || (ELF64_ST_BIND(found.st_info) != STB_GLOBAL &&
                                    ELF64_ST_BIND(s->st_info) == STB_GLOBAL)) &&
            named(names, strtab->sh_size, s->st_name, OTELCTX_SLOT_NAME))
            found = *s;
    }
    if (found.st_info != 0 && f->slot == NULL && (f->symtab_slot = malloc(sizeof(found))) != NULL) {
        *f->symtab_slot = found;
        f->slot = f->symtab_slot;
        f->slot_only_in_symtab = 1;
    }
done:
    free(syms);
    free(names);
}

/* The symbol tables and relocations. .symtab only where it can matter: a
 * file with TLS whose .dynsym defines no slot, or an executable without
 * interpreter (whose TLS layout depends on its libc's start-up). */
static int read_sections(struct elf_file *f, struct reader *r)
{
    const Elf64_Ehdr *e = &f->ehdr;
    Elf64_Shdr *sh;

    if (e->e_shnum == 0 || e->e_shentsize != sizeof(Elf64_Shdr))
        return 0;
    if (read_part(r, e->e_shoff, (uint64_t)e->e_shnum * sizeof(*sh), (void **)&sh) != 0)
        return -1;
    int ret = read_dynamic_symbols(f, r, sh);
    int defined = f->slot != NULL && f->slot->st_shndx != SHN_UNDEF;
    if (ret == 0 && f->tls != NULL && (!defined || (f->view.executable && !f->has_interp))) {
        if (!defined)
            f->slot = NULL;
        read_symtab(f, r, sh);
        if (f->slot == NULL)
            f->slot = f->view.slot;
    }
    free(sh);
    return ret;
}

/* Whether the dynamic section marks a PIE (DF_1_PIE): how a static-pie,
 * which has no interpreter, tells itself from a library. */
static int flagged_pie(struct reader *r, const Elf64_Phdr *dynamic, int *pie)
{
    Elf64_Dyn *d;
    size_t n = dynamic->p_filesz / sizeof(*d);

    *pie = 0;
    if (read_part(r, dynamic->p_offset, n * sizeof(*d), (void **)&d) != 0)
        return -1;
    for (size_t i = 0; i < n && d[i].d_tag != DT_NULL; i++)
        if (d[i].d_tag == DT_FLAGS_1 && (d[i].d_un.d_val & DF_1_PIE))
            *pie = 1;
    free(d);
    return 0;
}

/* Executable: ET_EXEC, or a PIE (ET_DYN with an interpreter, or flagged
 * DF_1_PIE: a static-pie). */
static int read_segments(struct elf_file *f, struct reader *r)
{
    const Elf64_Ehdr *e = &f->ehdr;
    const Elf64_Phdr *dynamic = NULL;
    int first_load = 1;

    f->view.executable = e->e_type == ET_EXEC;
    if (e->e_phnum == 0 || e->e_phentsize != sizeof(Elf64_Phdr))
        return 0;
    if (read_part(r, e->e_phoff, (uint64_t)e->e_phnum * sizeof(Elf64_Phdr), (void **)&f->phdrs) != 0)
        return -1;
    for (size_t i = 0; i < e->e_phnum; i++) {
        const Elf64_Phdr *ph = &f->phdrs[i];
        if (ph->p_type == PT_INTERP)
            f->view.executable = f->has_interp = 1;
        if (ph->p_type == PT_DYNAMIC && dynamic == NULL)
            dynamic = ph;
        if (ph->p_type == PT_TLS)
            f->tls = ph;
        if (ph->p_type == PT_LOAD && first_load) {
            f->first_load_vaddr = ph->p_vaddr;
            first_load = 0;
        }
        if (ph->p_type == PT_LOAD) {
            Elf64_Addr end = ph->p_vaddr + ph->p_memsz;
            if (end < ph->p_vaddr)
                end = UINT64_MAX;
            if (end > f->load_end)
                f->load_end = end;
        }
    }
    int pie = 0;
    if (!f->view.executable && dynamic != NULL && flagged_pie(r, dynamic, &pie) != 0)
        return -1;
    f->view.executable |= pie;
    return 0;
}

int elf_file_read(struct elf_file *f, int fd, const char *name, char *why, size_t why_len)
{
    struct stat st;
    struct reader r = {fd, 0, ELF_FILE_READ_CAP, name, why, why_len};
    Elf64_Ehdr *e;

    memset(f, 0, sizeof(*f));
    if (fstat(fd, &st) != 0) {
        snprintf(why, why_len, "%s: %s", name, strerror(errno));
        return ELF_FILE_UNREADABLE;
    }
    r.size = (uint64_t)st.st_size;
    if (r.size < sizeof(Elf64_Ehdr) || read_part(&r, 0, sizeof(*e), (void **)&e) != 0) {
        snprintf(why, why_len, "%s: not an ELF file", name);
        return ELF_FILE_NOT_ELF;
    }
    f->ehdr = *e;
    free(e);
    if (memcmp(f->ehdr.e_ident, ELFMAG, SELFMAG) != 0 || f->ehdr.e_ident[EI_CLASS] != ELFCLASS64) {
        snprintf(why, why_len, "%s: not %s ELF file", name,
                 memcmp(f->ehdr.e_ident, ELFMAG, SELFMAG) != 0 ? "an" : "a 64-bit");
        return ELF_FILE_NOT_ELF;
    }
    f->view.name = name;
    f->view.machine = f->ehdr.e_machine;
    if (f->view.machine != EM_X86_64 && f->view.machine != EM_AARCH64) {
        snprintf(why, why_len, "%s: machine %u is neither x86-64 nor aarch64", name,
                 f->view.machine);
        return ELF_FILE_NOT_ELF;
    }
    if (read_segments(f, &r) != 0 || read_sections(f, &r) != 0) {
        elf_file_close(f);
        return ELF_FILE_UNREADABLE;
    }
    return ELF_FILE_OK;
}

int elf_file_open(struct elf_file *f, const char *path, char *why, size_t why_len)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), ret = ELF_FILE_UNREADABLE;

    memset(f, 0, sizeof(*f));
    if (fd < 0) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return ret;
    }
    if (fstat(fd, &st) != 0)
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        snprintf(why, why_len, "%s: not a regular file", path);
    else
        ret = elf_file_read(f, fd, path, why, why_len);
    close(fd);
    return ret;
}

void elf_file_close(struct elf_file *f)
{
    free(f->phdrs);
    free(f->dynsym);
    free(f->dynstr);
    free(f->rela[0]);
    free(f->rela[1]);
    free(f->symtab_slot);
    free(f->buckets);
    free(f->next);
    memset(f, 0, sizeof(*f));
}
