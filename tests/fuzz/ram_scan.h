/* Where a secret must not stay behind: the static objects of every C file
 * linked into the target (the firmware, the libraries, the fakes), found in
 * its symbol table. */
#ifndef RAM_SCAN_H
#define RAM_SCAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *addr;
    size_t size;
    const char *name; /* "file:symbol" */
} fz_object_t;

/* Every writable static object (.data, .bss) defined by a local symbol of a
 * C file (the symbol table names it "<file>.c", without its directory)
 * other than those in skip (NULL-terminated): libFuzzer's and the
 * sanitizers' own objects are C++ and left out.  Found once, from
 * /proc/self/exe; aborts when the symbol table is missing (a stripped binary
 * would check nothing). */
size_t fz_ram_objects(const char *const *skip, const fz_object_t **out);

#endif
