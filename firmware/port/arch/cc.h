/* lwIP's compiler and platform glue for arm-none-eabi and the host tests. */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

void pb_lwip_assert(const char *msg, const char *file, int line);

/* lwIP's own diagnostics are not console output: the protocol owns that. */
#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) pb_lwip_assert((x), __FILE__, __LINE__)

/* newlib and glibc both provide struct timeval in sys/time.h */
#define LWIP_TIMEVAL_PRIVATE 0

#endif
