/*
 * lwIP options: only what differs from lwIP's opt.h, each with its reason.
 * The networking issue grows this file; today only the version is used.
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#define NO_SYS 1          /* bare-metal superloop, no RTOS threads */
#define LWIP_SOCKET 0     /* needs threads */
#define LWIP_NETCONN 0    /* needs threads */

#endif
