/*
 * ARM semihosting: host files (and the host's /dev/urandom) through the
 * debugger or QEMU's `-semihosting-config enable=on,target=native`.  Without
 * it, the BKPT that makes a call would be a fault: the fault handler turns
 * that into a failed call (-1), so these functions are always safe to try.
 */
#ifndef SEMIHOST_H
#define SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

#define SH_MODE_RB 1   /* "rb" */
#define SH_MODE_RPB 3  /* "r+b" */
#define SH_MODE_WPB 7  /* "w+b": create or truncate */

int sh_open(const char *path, int mode);           /* handle, or -1 */
int sh_close(int fd);
/* 0 when all len bytes moved, else -1. */
int sh_read(int fd, void *buf, size_t len);
int sh_write(int fd, const void *buf, size_t len);
int sh_seek(int fd, uint32_t pos);
long sh_flen(int fd);                               /* length, or -1 */

/* Called by the fault handler: if the faulting instruction is a
 * semihosting BKPT (no host answered), make the call return -1 and resume. */
int sh_fault_fixup(uint32_t *frame);

#endif
