#include "semihost.h"

#include <string.h>

#include "cortexm.h"

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_SEEK 0x0A
#define SYS_FLEN 0x0C

#define BKPT_SEMIHOST 0xBEABu
#define HFSR_DEBUGEVT (1u << 31)
#define HFSR_FORCED (1u << 30)

static int call(int op, void *args)
{
    register int r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = args;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int sh_open(const char *path, int mode)
{
    uint32_t args[3] = {(uint32_t)(uintptr_t)path, (uint32_t)mode, (uint32_t)strlen(path)};
    return call(SYS_OPEN, args);
}

int sh_close(int fd)
{
    uint32_t args[1] = {(uint32_t)fd};
    return call(SYS_CLOSE, args);
}

int sh_read(int fd, void *buf, size_t len)
{
    uint32_t args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    return call(SYS_READ, args) == 0 ? 0 : -1; /* returns the bytes NOT read */
}

int sh_write(int fd, const void *buf, size_t len)
{
    uint32_t args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    return call(SYS_WRITE, args) == 0 ? 0 : -1;
}

int sh_seek(int fd, uint32_t pos)
{
    uint32_t args[2] = {(uint32_t)fd, pos};
    return call(SYS_SEEK, args) == 0 ? 0 : -1;
}

long sh_flen(int fd)
{
    uint32_t args[1] = {(uint32_t)fd};
    return call(SYS_FLEN, args);
}

int sh_fault_fixup(uint32_t *frame)
{
    if (!cm_addr_readable((uintptr_t)frame, 8u * sizeof frame[0])) {
        return 0;
    }
    uint32_t pc = frame[6];
    /* With no debugger the BKPT escalates to HardFault: DEBUGEVT on silicon,
     * FORCED in QEMU's model.  The stacked PC is checked before the
     * instruction there is read: after a jump to nowhere, that read would
     * fault inside HardFault, and a fault there locks the core up. */
    if (!(SCB_HFSR & (HFSR_DEBUGEVT | HFSR_FORCED)) || (pc & 1u) != 0 || !cm_addr_readable(pc, 2u) ||
        *(const volatile uint16_t *)(uintptr_t)pc != BKPT_SEMIHOST) {
        return 0;
    }
    SCB_HFSR = HFSR_DEBUGEVT | HFSR_FORCED; /* write-one-to-clear */
    frame[0] = (uint32_t)-1;  /* r0: the call failed */
    frame[6] = pc + 2u;       /* past the BKPT */
    return 1;
}
