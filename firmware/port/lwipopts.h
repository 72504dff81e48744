/*
 * lwIP options: only what differs from lwIP's opt.h, each with its reason.
 * On lm3s6965evb every byte lwIP keeps is a byte less for the TLS heap, so
 * the pools are sized to one connection at a time; the README's RAM budget
 * shows what they come to.
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#include <stdint.h>

/* ---- system */
#define NO_SYS 1                 /* bare-metal superloop, no RTOS threads */
#define LWIP_SOCKET 0            /* needs threads */
#define LWIP_NETCONN 0           /* needs threads */
#define SYS_LIGHTWEIGHT_PROT 0   /* lwIP only ever runs in the superloop, never in an ISR */
#define LWIP_IPV6 0              /* Azure DevOps is reached over IPv4 here; saves ~20 KB flash */

/* ---- memory: heap + pools, see the budget above */
#define MEM_ALIGNMENT __SIZEOF_POINTER__ /* 4 on Cortex-M; 8 for the 64-bit host tests */
#define MEM_SIZE 1536            /* outgoing TCP data (TLS records are copied in, up to TCP_SND_BUF) and UDP requests */
#define MEMP_NUM_PBUF 8          /* PBUF_REF/ROM headers: DNS, SNTP and TCP headers over ROM data */
#define MEMP_NUM_UDP_PCB 4       /* DHCP, DNS, SNTP, one spare */
#define MEMP_NUM_TCP_PCB 2       /* one delivery at a time, plus one closing in TIME_WAIT */
#define MEMP_NUM_TCP_PCB_LISTEN 0 /* the device never listens */
#define MEMP_NUM_TCP_SEG 8       /* covers TCP_SND_QUEUELEN */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 2) /* + SNTP's timer, + one spare */
#define MEMP_NUM_ARP_QUEUE 2     /* a DNS query and a SYN may wait for the same ARP reply */
/* Received frames in flight (TLS reads through them), about 600 B each: a
 * board may ask for fewer (lm3s6965evb gives the TLS heap every byte it can). */
#ifndef PB_RX_FRAMES
#define PB_RX_FRAMES 4
#endif
#define PBUF_POOL_SIZE PB_RX_FRAMES
#define PBUF_POOL_BUFSIZE LWIP_MEM_ALIGN_SIZE(TCP_MSS + 40 + PBUF_LINK_ENCAPSULATION_HLEN + PBUF_LINK_HLEN)

/* ---- protocols */
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 4         /* gateway, DNS, NTP, the webhook host on the same segment */
#define LWIP_ETHERNET 1
#define LWIP_DHCP 1
#define LWIP_DHCP_DOES_ACD_CHECK 0 /* no address conflict probe: saves a second of start-up, a timer and RAM */
#define LWIP_DHCP_GET_NTP_SRV 1  /* NTP servers offered by DHCP feed SNTP */
#define LWIP_DHCP_MAX_NTP_SERVERS 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_ICMP 1              /* answer ping: a person debugging the network expects it */
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define IP_REASSEMBLY 0          /* nothing we receive is fragmented in practice; saves RAM */
#define IP_FRAG 0                /* we never send more than the MSS */
#define LWIP_DNS 1
#define DNS_TABLE_SIZE 2         /* the webhook host and the NTP server */
#define DNS_MAX_NAME_LENGTH 128  /* RFC 1123 host names as `host` accepts them are shorter */
#define DNS_MAX_SERVERS 2
#define LWIP_DNS_SECURE 7        /* random XID and source port, no duplicate outstanding queries */
/* lwIP fixes the DNS server port at compile time; the `dns` key may name one. */
extern uint16_t pb_dns_port;
#define DNS_SERVER_PORT pb_dns_port
#define LWIP_DNS_SUPPORT_MDNS_QUERIES 0

/* ---- TCP: the window is sized to the receive pool, not to a TLS record.
 * The TLS glue acknowledges data as mbedTLS consumes it, so a 16 KB record
 * streams through a small window. */
#define TCP_MSS 536
#define TCP_WND ((PBUF_POOL_SIZE - 1) * TCP_MSS) /* the receive pool, less one frame for ARP, DNS, SNTP */
#define TCP_SND_BUF (2 * TCP_MSS)
#define TCP_SND_QUEUELEN 8
#define LWIP_TCP_KEEPALIVE 0
#define TCP_QUEUE_OOSEQ 0        /* out-of-order segments would hold pool buffers hostage */

/* ---- SNTP */
#define SNTP_SERVER_DNS 1        /* the `ntp` key may be a name */
#define SNTP_MAX_SERVERS 1
#define SNTP_GET_SERVERS_FROM_DHCP 1
#define SNTP_STARTUP_DELAY 0     /* the clock gates every delivery: ask at once */
#define SNTP_UPDATE_DELAY 3600000u /* resync hourly; lwIP's minimum is 15 s */
#define SNTP_RETRY_TIMEOUT 5000u /* first retry after 5 s, doubling */
#define SNTP_RETRY_TIMEOUT_EXP 1
#define SNTP_RETRY_TIMEOUT_MAX 60000u
#define SNTP_CHECK_RESPONSE 2    /* the reply must answer our request (origin timestamp) */
#define SNTP_COMP_ROUNDTRIP 1    /* half the round trip is added: sub-second accuracy */
extern uint16_t pb_sntp_port;
#define SNTP_PORT pb_sntp_port   /* the `ntp` key may name a port */
void pb_sntp_set_time(int32_t sec, uint32_t frac);
#define SNTP_SET_SYSTEM_TIME_NTP(sec, frac) pb_sntp_set_time((int32_t)(sec), (uint32_t)(frac))
void pb_sntp_get_time(int32_t *sec, uint32_t *frac);
#define SNTP_GET_SYSTEM_TIME_NTP(sec, frac) pb_sntp_get_time(&(sec), &(frac))

/* ---- netif */
#define LWIP_NETIF_STATUS_CALLBACK 1 /* EVT net up/down when the address comes and goes */
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1    /* DHCP tells the router who we are */
#define LWIP_SINGLE_NETIF 1

/* ---- checksums: computed in software (neither MAC's offload is used) */

/* ---- diagnostics */
#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0

/* ---- randomness for DNS ids and ports, and TCP initial sequence numbers:
 * the device's DRBG (firmware/rng.h), not lwIP's tick-seeded default */
uint32_t rng_u32(void);
#define LWIP_RAND() rng_u32()
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) rng_u32()

#endif
