#define _GNU_SOURCE
#include "ram_scan.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static fz_object_t *s_objects;
static size_t s_count;
static bool s_found;

static int main_bias(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size;
    *(uintptr_t *)ctx = info->dlpi_addr; /* the first entry is the program itself */
    return 1;
}

static bool wanted(const char *file, const char *const *skip)
{
    size_t n = strlen(file);
    if (n < 3 || strcmp(file + n - 2, ".c") != 0) {
        return false;
    }
    for (size_t i = 0; skip != NULL && skip[i] != NULL; i++) {
        if (strcmp(file, skip[i]) == 0) {
            return false;
        }
    }
    return true;
}

size_t fz_ram_objects(const char *const *skip, const fz_object_t **out)
{
    if (s_found) {
        *out = s_objects;
        return s_count;
    }
    int fd = open("/proc/self/exe", O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        abort();
    }
    const uint8_t *img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (img == MAP_FAILED) {
        abort();
    }
    uintptr_t bias = 0;
    dl_iterate_phdr(main_bias, &bias);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
    const Elf64_Shdr *symtab = NULL;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type == SHT_SYMTAB) {
            symtab = &sh[i];
        }
    }
    if (symtab == NULL) {
        fprintf(stderr, "ram_scan: no symbol table in /proc/self/exe\n");
        abort();
    }
    const char *names = (const char *)(img + sh[symtab->sh_link].sh_offset);
    const Elf64_Sym *sym = (const Elf64_Sym *)(img + symtab->sh_offset);
    size_t nsym = symtab->sh_size / sizeof *sym;
    const char *file = "";
    size_t cap = 0;
    for (size_t i = 0; i < nsym; i++) {
        unsigned type = ELF64_ST_TYPE(sym[i].st_info);
        if (type == STT_FILE) {
            file = names + sym[i].st_name;
            continue;
        }
        if (type != STT_OBJECT || ELF64_ST_BIND(sym[i].st_info) != STB_LOCAL || sym[i].st_size == 0 ||
            sym[i].st_shndx == SHN_UNDEF || sym[i].st_shndx >= eh->e_shnum) {
            continue;
        }
        const Elf64_Shdr *sec = &sh[sym[i].st_shndx];
        if ((sec->sh_flags & (SHF_ALLOC | SHF_WRITE)) != (SHF_ALLOC | SHF_WRITE) || !wanted(file, skip)) {
            continue;
        }
        if (s_count == cap) {
            cap = cap * 2 + 64;
            s_objects = realloc(s_objects, cap * sizeof *s_objects);
            if (s_objects == NULL) {
                abort();
            }
        }
        char *label = malloc(strlen(file) + strlen(names + sym[i].st_name) + 2);
        if (label == NULL) {
            abort();
        }
        sprintf(label, "%s:%s", file, names + sym[i].st_name);
        s_objects[s_count++] =
            (fz_object_t){(const uint8_t *)(bias + sym[i].st_value), (size_t)sym[i].st_size, label};
    }
    /* The symbol table stays mapped: it is small, and found once. */
    s_found = true;
    *out = s_objects;
    return s_count;
}
