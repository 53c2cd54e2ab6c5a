/* SPDX-License-Identifier: Apache-2.0 */
#include "elf_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int in_bounds(const struct elf_file *f, Elf64_Off off, Elf64_Xword size)
{
    return off <= f->size && size <= f->size - off;
}

static const Elf64_Shdr *section(const struct elf_file *f, size_t i)
{
    return (const Elf64_Shdr *)(f->data + f->ehdr->e_shoff) + i;
}

/* The name of .dynsym entry i, or NULL when it lies outside .dynstr. */
static const char *symbol_name(const struct elf_file *f, size_t i)
{
    size_t at = f->dynsym[i].st_name;
    if (at >= f->dynstr_size || memchr(f->dynstr + at, '\0', f->dynstr_size - at) == NULL)
        return NULL;
    return f->dynstr + at;
}

const Elf64_Sym *elf_file_symbol(const struct elf_file *f, const char *name)
{
    for (size_t i = 1; i < f->n_dynsym; i++) {
        const char *found = symbol_name(f, i);
        if (found != NULL && strcmp(found, name) == 0)
            return &f->dynsym[i];
    }
    return NULL;
}

/* .dynsym: the slot's entry. */
static void read_dynsym(struct elf_file *f, const Elf64_Shdr *dynsym)
{
    if (dynsym->sh_link >= f->ehdr->e_shnum || dynsym->sh_entsize != sizeof(Elf64_Sym))
        return;
    const Elf64_Shdr *strtab = section(f, dynsym->sh_link);
    if (!in_bounds(f, dynsym->sh_offset, dynsym->sh_size) ||
        !in_bounds(f, strtab->sh_offset, strtab->sh_size) || strtab->sh_size == 0)
        return;
    f->dynsym = (const Elf64_Sym *)(f->data + dynsym->sh_offset);
    f->n_dynsym = dynsym->sh_size / sizeof(Elf64_Sym);
    f->dynstr = (const char *)(f->data + strtab->sh_offset);
    f->dynstr_size = strtab->sh_size;
    const Elf64_Sym *syms = f->dynsym;

    for (size_t i = 1; i < f->n_dynsym; i++) {
        const char *name = symbol_name(f, i);
        if (name == NULL)
            continue;
        if (strcmp(name, OTELCTX_SLOT_NAME) == 0) {
            f->view.slot_index = i;
            f->view.slot = &syms[i];
        }
    }
}

static void read_sections(struct elf_file *f)
{
    const Elf64_Ehdr *e = f->ehdr;
    size_t dynsym_index = 0, n_rela = 0;

    if (e->e_shentsize != sizeof(Elf64_Shdr) ||
        !in_bounds(f, e->e_shoff, (Elf64_Xword)e->e_shnum * sizeof(Elf64_Shdr)))
        return;
    for (size_t i = 0; i < e->e_shnum; i++) {
        if (section(f, i)->sh_type == SHT_DYNSYM) {
            dynsym_index = i;
            read_dynsym(f, section(f, i));
        }
    }
    /* Dynamic relocations: the RELA sections that refer to .dynsym. */
    for (size_t i = 0; dynsym_index != 0 && i < e->e_shnum && n_rela < 2; i++) {
        const Elf64_Shdr *s = section(f, i);
        if (s->sh_type != SHT_RELA || s->sh_link != dynsym_index ||
            s->sh_entsize != sizeof(Elf64_Rela) || !in_bounds(f, s->sh_offset, s->sh_size))
            continue;
        f->view.rela[n_rela] = (const Elf64_Rela *)(f->data + s->sh_offset);
        f->view.rela_count[n_rela] = s->sh_size / sizeof(Elf64_Rela);
        n_rela++;
    }
}

/* Whether the dynamic section marks a PIE (DF_1_PIE): how a static-pie,
 * which has no interpreter, tells itself from a library. */
static int flagged_pie(const struct elf_file *f, const Elf64_Phdr *dynamic)
{
    if (!in_bounds(f, dynamic->p_offset, dynamic->p_filesz))
        return 0;
    const Elf64_Dyn *d = (const Elf64_Dyn *)(f->data + dynamic->p_offset);
    for (size_t i = 0; i < dynamic->p_filesz / sizeof(*d) && d[i].d_tag != DT_NULL; i++)
        if (d[i].d_tag == DT_FLAGS_1 && (d[i].d_un.d_val & DF_1_PIE))
            return 1;
    return 0;
}

/* Executable: ET_EXEC, or a PIE (ET_DYN with an interpreter, or flagged
 * DF_1_PIE: a static-pie). */
static void read_segments(struct elf_file *f)
{
    const Elf64_Ehdr *e = f->ehdr;
    int first_load = 1;

    f->view.executable = e->e_type == ET_EXEC;
    if (e->e_phentsize != sizeof(Elf64_Phdr) ||
        !in_bounds(f, e->e_phoff, (Elf64_Xword)e->e_phnum * sizeof(Elf64_Phdr)))
        return;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(f->data + e->e_phoff);
    for (size_t i = 0; i < e->e_phnum; i++) {
        if (ph[i].p_type == PT_INTERP)
            f->view.executable = f->has_interp = 1;
        if (ph[i].p_type == PT_DYNAMIC && flagged_pie(f, &ph[i]))
            f->view.executable = 1;
        if (ph[i].p_type == PT_TLS)
            f->tls = &ph[i];
        if (ph[i].p_type == PT_LOAD && first_load) {
            f->first_load_vaddr = ph[i].p_vaddr;
            first_load = 0;
        }
    }
}

int elf_file_open(struct elf_file *f, const char *path, char *why, size_t why_len)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    memset(f, 0, sizeof(*f));
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    f->size = (size_t)st.st_size;
    if (f->size < sizeof(Elf64_Ehdr)) {
        close(fd);
        snprintf(why, why_len, "%s: not an ELF file", path);
        return -1;
    }
    f->data = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (f->data == MAP_FAILED) {
        f->data = NULL;
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    f->ehdr = (const Elf64_Ehdr *)f->data;
    if (memcmp(f->ehdr->e_ident, ELFMAG, SELFMAG) != 0 ||
        f->ehdr->e_ident[EI_CLASS] != ELFCLASS64) {
        snprintf(why, why_len, "%s: not %s ELF file", path,
                 memcmp(f->ehdr->e_ident, ELFMAG, SELFMAG) != 0 ? "an" : "a 64-bit");
        elf_file_close(f);
        return -1;
    }
    f->view.name = path;
    f->view.machine = f->ehdr->e_machine;
    if (f->view.machine != EM_X86_64 && f->view.machine != EM_AARCH64) {
        snprintf(why, why_len, "%s: machine %u is neither x86-64 nor aarch64", path,
                 f->view.machine);
        elf_file_close(f);
        return -1;
    }
    read_segments(f);
    read_sections(f);
    return 0;
}

void elf_file_close(struct elf_file *f)
{
    if (f->data != NULL)
        munmap((void *)f->data, f->size);
    f->data = NULL;
}
