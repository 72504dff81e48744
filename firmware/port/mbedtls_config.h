/*
 * Mbed TLS 2.28 configuration for pipebutton: "signed webhook delivery".
 *
 * This is the whole configuration, not a list of overrides of
 * mbedtls/config.h.  The build passes it with
 * -DMBEDTLS_CONFIG_FILE='"mbedtls_config.h"' (mk/mbedtls.mk) to every file
 * that sees an mbedTLS header: the library, the firmware and the host
 * tests.  The model is configs/config-ccm-psk-tls1_2.h.  Anything not named
 * here is off.
 *
 * What the device needs (spec: device-interface.md 2, 5; azure-webhook.md):
 *  - a TLS 1.2 client to dev.azure.com or an on-premises Azure DevOps Server:
 *    ECDHE-RSA and ECDHE-ECDSA with AES-GCM, curves P-256 and P-384, SNI,
 *    16 KB incoming records (Azure ignores max_fragment_length), RSA
 *    certificates up to 4096 bits (Microsoft RSA Root CA 2017) and ECDSA
 *    P-384 ones (DigiCert G3, Microsoft ECC Root CA 2017);
 *  - certificate chains checked against time, so X.509 parsing with dates;
 *  - HMAC-SHA1 of the payload (the X-Port-Signature header);
 *  - base64 for the PEM lines of `ca add`.
 *
 * Sizes on lm3s6965evb are in the README and come from `make size`.  The
 * RAM figures below are per TLS session, taken from the pool of section
 * "Memory" unless they say "static" or "stack".
 *
 * Functions the firmware supplies (firmware/tlsport.c):
 *   time_t tlsport_time(time_t *t)        UTC seconds from the wall clock,
 *                                         (time_t)-1 while it is not set;
 *   struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *, struct tm *)
 *                                         without newlib's gmtime (which
 *                                         allocates from newlib's heap);
 *   void tlsport_exit(int status)         the allocator found its pool
 *                                         corrupted: fault, never return;
 * and at start-up tlsport_init() gives mbedTLS its static pool.  The entropy
 * source is registered at run time with mbedtls_entropy_add_source() by the
 * TLS glue (semihosting /dev/urandom under QEMU, the RNG on the NUCLEO).
 */
#ifndef PB_MBEDTLS_CONFIG_H
#define PB_MBEDTLS_CONFIG_H

/* Declarations for the hooks named below.  Nothing here defines code. */
#include <stdio.h> /* snprintf, which x509.c calls through mbedtls_snprintf */
#include <time.h>  /* time_t, struct tm */

/* ======================================================================
 * System support
 * ==================================================================== */

/* Inline assembly for the bignum inner loops (UMULL/UMLAL on the
 * Cortex-M3/M4, x86-64 on the host): RSA-4096 verification and ECDHE are
 * several times faster; ROM +~0.5 KB. */
#define MBEDTLS_HAVE_ASM

/* Certificates are checked against the wall clock (spec 5: no byte is sent
 * to a server whose validity period did not verify).  mbedtls_time() is
 * tlsport_time(): before NTP or `time set` it returns -1, the gmtime hook
 * then fails and mbedTLS treats every certificate as expired and not yet
 * valid (fail closed).  The delivery code does not connect before the clock
 * is set anyway (spec 5).  ROM: ~0.3 KB for the date comparisons. */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
time_t tlsport_time(time_t *t);
#define MBEDTLS_PLATFORM_TIME_MACRO tlsport_time
/* Our own gmtime_r: newlib-nano's gmtime() keeps its result in a buffer it
 * mallocs from newlib's heap on first use, which this firmware does not
 * allow for mbedTLS.  ~200 B ROM, no RAM. */
#define MBEDTLS_PLATFORM_GMTIME_R_ALT

/* ======================================================================
 * Memory: mbedTLS allocates only from a static pool of its own
 * ==================================================================== */

/* The platform layer, so that calloc/free/exit/snprintf are hooks. */
#define MBEDTLS_PLATFORM_C
/* calloc/free go through function pointers that
 * mbedtls_memory_buffer_alloc_init() points at the pool allocator. */
#define MBEDTLS_PLATFORM_MEMORY
/* No libc defaults: until tlsport_init() runs, mbedtls_calloc() returns
 * NULL instead of falling back to newlib's calloc (which would pull newlib's
 * malloc into the image and share the sbrk heap).  The host tests point
 * calloc/free at libc's with mbedtls_platform_set_calloc_free() so that
 * AddressSanitizer sees every block. */
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO snprintf
void tlsport_exit(int status) __attribute__((noreturn));
/* Only memory_buffer_alloc.c calls mbedtls_exit(), when it finds its headers
 * corrupted: that is a bug, so it faults (EVT fault, reset). */
#define MBEDTLS_PLATFORM_EXIT_MACRO tlsport_exit

/* First-fit allocator over one static buffer (firmware/tlsport.c,
 * TLSPORT_POOL_SIZE): mbedTLS never touches lwIP's heap or newlib's.  32 B
 * of header per block on a 32-bit target.  ROM ~1.2 KB.
 *
 * MBEDTLS_MEMORY_DEBUG stays off: its counters are cheap, but it prints
 * through fprintf(stderr) and so would drag newlib's stdio into the image.
 * The high-water mark that `status` shows (mbedtls_memory_buffer_alloc_max_get
 * needs MEMORY_DEBUG) is measured instead like a stack's: tlsport_init()
 * paints the free pool and tlsport_pool_peak() finds the highest byte ever
 * handed out (calloc zeroes every block, so it cannot keep the paint).
 * That counts headers and fragmentation too, which is what sizing the pool
 * needs. */
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* 8, not the default 4: uint64_t members (SHA-512 state) are 8-aligned in
 * both ABIs and UBSan checks it on the host.  Costs at most 4 B per block on
 * the target. */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8

/* ======================================================================
 * Random numbers
 * ==================================================================== */

/* Entropy pool (SHA-512 accumulator, ~250 B RAM in the context) fed by the
 * one source the TLS glue registers; no /dev/urandom, no getrandom. */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
/* One hardware/semihosting source, plus one spare.  Each costs 20 B in the
 * entropy context. */
#define MBEDTLS_ENTROPY_MAX_SOURCES 2
/* AES-256 CTR_DRBG, seeded from the entropy pool: ~330 B RAM (context),
 * ROM ~1.5 KB.  Reuses the AES code that GCM needs anyway. */
#define MBEDTLS_CTR_DRBG_C

/* ======================================================================
 * Symmetric crypto and hashes
 * ==================================================================== */

#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
/* AES tables in flash rather than built in RAM at first use: saves 8.5 KB of
 * RAM.  FEWER_TABLES keeps one 1 KB table per direction and rotates, saving
 * 6 KB of flash for a few percent of AES speed (records are small here). */
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
/* AES-GCM (128 and 256): what Azure's front ends offer; no CBC, CCM or
 * ChaCha code at all.  The 4-bit tables cost 256 B RAM per direction. */
#define MBEDTLS_GCM_C

#define MBEDTLS_MD_C
/* SHA-1: only for the HMAC-SHA1 of the payload (X-Port-Signature).  It is not
 * accepted in certificate signatures (mbedTLS's default X.509 profile) nor in
 * TLS 1.2 handshake signatures (MBEDTLS_TLS_DEFAULT_ALLOW_SHA1_IN_KEY_EXCHANGE
 * stays off): Azure's chains are SHA-256/SHA-384 throughout. */
#define MBEDTLS_SHA1_C
/* SHA-256: certificate signatures, the TLS 1.2 PRF and transcript. */
#define MBEDTLS_SHA256_C
/* SHA-384 (in the SHA-512 module): the *_SHA384 suites and ECDSA-SHA384
 * certificate signatures of the P-384 roots; also the entropy accumulator. */
#define MBEDTLS_SHA512_C
/* Rolled loops: SHA-256 -1.5 KB ROM, SHA-512 -2.5 KB ROM, ~30 % slower on a
 * handful of KB per handshake (a few milliseconds). */
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_SMALLER

/* ======================================================================
 * Public-key crypto
 * ==================================================================== */

#define MBEDTLS_BIGNUM_C
/* Largest number: a 4096-bit RSA modulus (Microsoft RSA Root CA 2017).
 * Also sizes a few stack buffers (512 B instead of 1 KB in RSA verify). */
#define MBEDTLS_MPI_MAX_SIZE 512
/* Sliding-window size for modular exponentiation.  We only do RSA public
 * operations (e = 65537 uses a window of 1 anyway), so the default of 6
 * would only cost a 64-entry array of MPI headers (768 B of stack). */
#define MBEDTLS_MPI_WINDOW_SIZE 2

/* RSA verification (server key exchange signatures, certificate chains),
 * PKCS#1 v1.5 only: TLS 1.2 and Azure's chains use no PSS.  ROM ~4 KB. */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15

#define MBEDTLS_ECP_C
/* P-256 first (the TLS glue sets that preference with
 * mbedtls_ssl_conf_curves(): it halves the ECDHE time and RAM), P-384 for
 * servers that insist and for the P-384 roots' certificate signatures. */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
/* Sizes ECP buffers for P-384 instead of P-521. */
#define MBEDTLS_ECP_MAX_BITS 384
/* Fast reduction modulo the NIST primes: ~1.5 KB ROM, several times faster
 * ECDHE/ECDSA. */
#define MBEDTLS_ECP_NIST_OPTIM
/* Window 2 instead of 4: the precomputed table holds 2 points instead of 8.
 * Measured on a Cortex-M3 at 62.5 MHz (QEMU -icount shift=4): a handshake
 * with an ECDSA P-384 chain takes 3.2 s at window 2 and 2.7 s at window 4,
 * whose table costs 1.9 KB more of the pool; RSA chains (Azure's today) take
 * 0.6-0.7 s with P-256 ECDHE and 1.1-1.3 s with P-384 either way. */
#define MBEDTLS_ECP_WINDOW_SIZE 2
/* No cached comb table for the generator: it would only help repeated
 * multiplications of G in one group, but every handshake loads the curve
 * afresh and multiplies G once (ECDHE key) or twice (ECDSA verify), so the
 * table would be built, used once and dropped, doubling the EC peak RAM. */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
/* Without an internal DRBG in the ECP module (ROM -1 KB, no extra DRBG
 * context on the stack).  The only operations on a secret scalar are the
 * ECDHE key generation and shared secret, and the TLS code passes its own
 * RNG to both, so their blinding stays on; ECDSA verification handles only
 * public data. */
#define MBEDTLS_ECP_NO_INTERNAL_RNG
/* (MBEDTLS_ECDH_LEGACY_CONTEXT off: the smaller ECDH context; we do not
 * reach into its fields.  MBEDTLS_ECP_RESTARTABLE off: a handshake may hold
 * the CPU for about a second, which spec 2 allows.) */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C /* verification only; signing code is dropped by the linker */

#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* required by ECDSA_C; only its signing path uses it */
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* ======================================================================
 * X.509
 * ==================================================================== */

#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
/* Trust anchors come from a callback (firmware/ca.c, ca_trust_cb) that
 * parses, on demand, only the anchors whose subject matches the issuer being
 * looked up: built-ins straight from flash (no copy), added ones from the
 * store.  The alternative, one parsed list of every anchor, would keep up to
 * 4 + 8 certificates (~20 KB) in RAM for every handshake. */
#define MBEDTLS_X509_TRUSTED_CERTIFICATE_CALLBACK
/* keyUsage and extendedKeyUsage are enforced (a CA key must be allowed to
 * sign certificates, the server's to do TLS server authentication): a few
 * hundred bytes of ROM. */
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
/* (MBEDTLS_X509_MAX_INTERMEDIATE_CA stays 8: it only sizes an 80 B array on
 * the stack.  No RSASSA-PSS, no CRLs, no CSR or certificate writing.) */

/* Base64 for the PEM lines of `ca add`, which ca.c decodes line by line into
 * a 2 KB DER buffer.  MBEDTLS_PEM_PARSE_C is off: it would need the whole
 * PEM text in RAM (2.8 KB more) and brings encrypted-PEM code we never use.
 * ROM ~0.6 KB. */
#define MBEDTLS_BASE64_C

/* ======================================================================
 * TLS
 * ==================================================================== */

#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C /* client only: the device never listens */
/* TLS 1.2 only.  Azure turned off 1.0 and 1.1; mbedTLS 2.28's TLS 1.3 is an
 * experimental prototype. */
#define MBEDTLS_SSL_PROTO_TLS1_2

#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED   /* dev.azure.com today */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED /* ECC chains (DigiCert G3, Microsoft ECC 2017) */
/* Exactly these four, preferred in this order (the server chooses in the
 * end): AES-128 first for speed.  An explicit list drops the others from the
 * ciphersuite table: a few hundred bytes of ROM. */
#define MBEDTLS_SSL_CIPHERSUITES                          \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,      \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,    \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,  \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

/* SNI: mandatory on Azure DevOps since April 2025. */
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
/* RFC 7627 extended master secret: the usual defence against the triple
 * handshake attack, supported by Azure; ~0.3 KB ROM. */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* Tell the server why a handshake failed (bad certificate, ...): it shows up
 * in the server's logs, which helps whoever runs an on-premises server.
 * ~0.2 KB ROM. */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES

/* Record buffers, allocated per session from the pool.  Incoming: the full
 * 16 KB, since Azure does not honour max_fragment_length and its
 * Certificate message is several KB in one record (~16.5 KB RAM).  Outgoing:
 * 1 KB (~1.1 KB RAM) holds the ClientHello; a request (head plus a body of up
 * to 1,536 bytes) goes out in two or three records, which costs a few dozen
 * bytes on the wire and saves 1 KB of the 64 KB board's pool. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 1024

/* Off, each on purpose:
 *  - MBEDTLS_SSL_KEEP_PEER_CERTIFICATE: the server's chain (several KB) is
 *    parsed in place in the incoming record buffer instead of copied, and
 *    freed as soon as it has been verified; only its SHA-256 is kept.
 *  - MBEDTLS_SSL_SESSION_TICKETS: a ticket would save one full handshake per
 *    delivery but needs the session and a ticket of up to a few hundred bytes
 *    kept between deliveries; presses are rare, so every delivery does a
 *    full handshake.  ~1.5 KB ROM saved.
 *  - MBEDTLS_SSL_RENEGOTIATION: never needed for one request per connection;
 *    a classic attack surface.
 *  - MBEDTLS_SSL_MAX_FRAGMENT_LENGTH, ALPN, ENCRYPT_THEN_MAC (CBC only),
 *    TRUNCATED_HMAC, CBC_RECORD_SPLITTING, FALLBACK_SCSV, RECORD_CHECKING,
 *    CONTEXT_SERIALIZATION, EXPORT_KEYS, DTLS: not used by this client.
 *  - MBEDTLS_SSL_SRV_C, MBEDTLS_SSL_PROTO_TLS1_3_EXPERIMENTAL.
 *  - MBEDTLS_DEBUG_C: tens of KB of strings.
 *  - MBEDTLS_ERROR_C (and ERROR_STRERROR_DUMMY): ~7 KB of messages; the TLS
 *    glue maps mbedTLS codes to the spec's reason tokens (cert-untrusted,
 *    cert-expired, handshake, ...) instead of printing mbedTLS's text.
 *  - MBEDTLS_NET_C, MBEDTLS_FS_IO, MBEDTLS_TIMING_C, MBEDTLS_THREADING_C:
 *    lwIP carries the bytes, there is no file system, the superloop has one
 *    thread.
 *  - MBEDTLS_SELF_TEST, MBEDTLS_VERSION_FEATURES, MBEDTLS_CERTS_C, PSA.
 */

/* mbedtls_version_get_string() for `version`. */
#define MBEDTLS_VERSION_C

#include "mbedtls/check_config.h"

#endif /* PB_MBEDTLS_CONFIG_H */
