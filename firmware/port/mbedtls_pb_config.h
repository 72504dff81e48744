/*
 * Mbed TLS 3.6 (LTS) configuration for pipebutton: "signed webhook delivery".
 *
 * This is the whole configuration, not a list of overrides of the library's
 * default mbedtls_config.h (whose name it must not share: mbedTLS includes
 * MBEDTLS_CONFIG_FILE from its own folder first).  The build passes it with
 * -DMBEDTLS_CONFIG_FILE='"mbedtls_pb_config.h"' (mk/mbedtls.mk) to every file
 * that sees an mbedTLS header: the library, the firmware and the host
 * tests.  The model is configs/config-ccm-psk-tls1_2.h.  Anything not named
 * here is off.  The PSA_WANT_* symbols are derived from it by the library
 * (MBEDTLS_PSA_CRYPTO_CONFIG is off).
 *
 * What the device needs (spec: device-interface.md 2, 5; azure-webhook.md):
 *  - a TLS client to dev.azure.com or an on-premises Azure DevOps Server,
 *    offering TLS 1.3 and TLS 1.2 (the server chooses): TLS 1.3 with
 *    AES-GCM, groups x25519, P-256 and P-384, RSA-PSS and ECDSA signatures;
 *    TLS 1.2 with ECDHE-RSA and ECDHE-ECDSA with AES-GCM; SNI; 16 KB
 *    incoming records (Azure ignores max_fragment_length); handshake
 *    messages split over several records; RSA certificates up to 4096 bits
 *    and ECDSA P-256/P-384 ones; session resumption (tickets or ids);
 *  - certificate chains checked against time, so X.509 parsing with dates;
 *  - HMAC-SHA1 of the payload (the X-Port-Signature header);
 *  - base64 for the PEM lines of `ca add`.
 *
 * Sizes and pool peaks on lm3s6965evb are in the README and come from `make
 * size` and `status` (tls_pool_peak).  RAM figures below are per TLS session,
 * from the heap (firmware/tlsport.c) unless they say "static" or "stack".
 *
 * Functions the firmware supplies (firmware/tlsport.c, firmware/rng.c):
 *   time_t tlsport_time(time_t *t)        UTC seconds from the wall clock,
 *                                         (time_t)-1 while it is not set;
 *   mbedtls_ms_time()                     the uptime tick (TLS 1.3 ticket
 *                                         ages need a monotonic clock);
 *   struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *, struct tm *)
 *                                         without newlib's gmtime (which
 *                                         allocates from newlib's heap);
 *   mbedtls_psa_external_get_random()     PSA's randomness, from the one
 *                                         CTR_DRBG of rng.c;
 * and at start-up tlsport_init() gives mbedTLS its memory.
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
 * several times faster. */
#define MBEDTLS_HAVE_ASM

/* Certificates are checked against the wall clock (spec 5: no byte is sent
 * to a server whose validity period did not verify).  mbedtls_time() is
 * tlsport_time(): before NTP or `time set` it returns -1, the gmtime hook
 * then fails and mbedTLS treats every certificate as expired and not yet
 * valid (fail closed).  The delivery code does not connect before the clock
 * is set anyway (spec 5). */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
time_t tlsport_time(time_t *t);
#define MBEDTLS_PLATFORM_TIME_MACRO tlsport_time
/* Our own gmtime_r: newlib-nano's gmtime() keeps its result in a buffer it
 * mallocs from newlib's heap on first use, which this firmware does not
 * allow for mbedTLS. */
#define MBEDTLS_PLATFORM_GMTIME_R_ALT
/* mbedtls_ms_time() from the uptime tick: TLS 1.3 ticket ages must not
 * jump with the wall clock, and the library has no bare-metal default. */
#define MBEDTLS_PLATFORM_MS_TIME_ALT

/* ======================================================================
 * Memory: mbedTLS allocates from the C library's heap, which is its alone
 * ==================================================================== */

/* The platform layer, so that calloc/free/snprintf are hooks. */
#define MBEDTLS_PLATFORM_C
/* calloc/free go through function pointers that tlsport_init() points at
 * newlib-nano's calloc and free, through a layer that counts failed
 * allocations, so that a handshake that ran out of memory says `no-memory`
 * and never a certificate reason.  The board's linker script gives the heap
 * all the RAM that nothing else needs; nothing else allocates from it, and
 * lwIP keeps its own.
 *
 * Why not MBEDTLS_MEMORY_BUFFER_ALLOC_C over a static array: its block
 * header is 32 bytes on a 32-bit target, newlib-nano's 4 (plus rounding to
 * 8), and a handshake makes hundreds of small blocks (a 16-byte list node
 * for every name in the server's certificate).  Measured with the test
 * chain under TLS 1.3 on lm3s6965evb: the first-fit pool ran out of its
 * 43.2 KB; the heap peaks at the figure the README gives. */
#define MBEDTLS_PLATFORM_MEMORY
/* No libc defaults: until tlsport_init() runs, mbedtls_calloc() returns
 * NULL.  The host tests point calloc/free at glibc's so that
 * AddressSanitizer sees every block. */
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO snprintf

/* ======================================================================
 * Random numbers
 * ==================================================================== */

/* Entropy pool (SHA-512 accumulator) fed by the one source rng.c registers
 * (semihosting /dev/urandom under QEMU, the RNG on the NUCLEO); no
 * /dev/urandom, no getrandom. */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
/* One hardware/semihosting source, plus one spare. */
#define MBEDTLS_ENTROPY_MAX_SOURCES 2
/* AES-256 CTR_DRBG, seeded from the entropy pool; the one generator of the
 * device (TLS, PSA, lwIP's sequence numbers and DNS ids, retry jitter). */
#define MBEDTLS_CTR_DRBG_C
/* PSA asks rng.c's CTR_DRBG (mbedtls_psa_external_get_random) instead of
 * keeping a second entropy context and DRBG of its own: ~0.9 KB less static
 * RAM. */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG

/* ======================================================================
 * PSA Crypto: TLS 1.3 is built on it, so TLS 1.2 and X.509 use it too
 * ==================================================================== */

#define MBEDTLS_PSA_CRYPTO_C
/* TLS 1.2, X.509 and PK go through PSA as TLS 1.3 must: one code path for
 * record protection and ECDHE instead of two. */
#define MBEDTLS_USE_PSA_CRYPTO
/* PSA copies every input and output buffer of a call before using it, to
 * guard against a caller in another security domain changing them midway.
 * Here there is one program and one thread, and the copies were the
 * biggest blocks of a handshake: a record decrypted through PSA costs
 * twice its size again (2 x 3.9 KB for the test chain's Certificate
 * message, 2 x 16 KB for a full record). */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS
/* A static table of key slots: a TLS 1.3 handshake holds at most six keys
 * at once (the ECDHE key, two record keys per direction for the handshake
 * and application traffic, one certificate key being checked).  The dynamic
 * store would put a 16-slot table in the heap for good, wherever the first
 * handshake left room, splitting the free space the next one needs whole.
 * Running out is reported as `no-memory`. */
#define MBEDTLS_PSA_KEY_SLOT_COUNT 8

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
/* AES-GCM (128 and 256): what Azure's front ends offer in both versions; no
 * CBC, CCM or ChaCha code at all. */
#define MBEDTLS_GCM_C

#define MBEDTLS_MD_C
/* SHA-1: only for the HMAC-SHA1 of the payload (X-Port-Signature).  It is not
 * accepted in certificate signatures (mbedTLS's default X.509 profile) nor in
 * handshake signatures: Azure's chains are SHA-256/SHA-384 throughout. */
#define MBEDTLS_SHA1_C
/* SHA-256: certificate signatures, the TLS 1.2 PRF, the TLS 1.3 key schedule
 * of the *_SHA256 suites, transcripts. */
#define MBEDTLS_SHA256_C
/* SHA-384 (in the SHA-512 module): the *_SHA384 suites, SHA-384 certificate
 * signatures (the 2026 chain, the P-384 roots); also the entropy
 * accumulator. */
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
/* Rolled loops: smaller code, ~30 % slower on a handful of KB per
 * handshake (a few milliseconds). */
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_SMALLER
/* HKDF: the TLS 1.3 key schedule (PSA's HKDF-Extract/Expand). */
#define MBEDTLS_HKDF_C
/* PBKDF2: firmware/pbkdf2.c derives the console lock's passphrase hash in
 * slices over the HMAC of MBEDTLS_MD_C; the library's one-call
 * mbedtls_pkcs5_pbkdf2_hmac_ext() is what the host tests check it against.
 * The firmware never calls it, so the linker drops it: no flash, no RAM. */
#define MBEDTLS_PKCS5_C

/* ======================================================================
 * Public-key crypto
 * ==================================================================== */

#define MBEDTLS_BIGNUM_C
/* Largest number: a 4096-bit RSA modulus (Microsoft RSA Root CA 2017, the
 * 2026 "TLS RSA Root G2" and its issuing CAs). */
#define MBEDTLS_MPI_MAX_SIZE 512
/* Sliding-window size for modular exponentiation.  Only RSA public
 * operations happen (e = 65537 uses a window of 1 anyway), so the default of
 * 2 is all that is needed. */
#define MBEDTLS_MPI_WINDOW_SIZE 2

/* RSA verification (handshake signatures, certificate chains): PKCS#1 v1.5
 * for certificates and TLS 1.2, PSS (v2.1) for TLS 1.3's CertificateVerify
 * with an RSA key, which RFC 8446 requires. */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21

#define MBEDTLS_ECP_C
/* Offered in this order (tls.c sets it with mbedtls_ssl_conf_groups()):
 * P-256 (Azure's front end takes only P-256 and P-384), x25519 (the fastest)
 * for servers that prefer it, P-384; P-256 and P-384 also for ECDSA
 * certificates. */
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
/* Fast reduction modulo the NIST primes: several times faster ECDHE/ECDSA. */
#define MBEDTLS_ECP_NIST_OPTIM
/* Window 2 instead of 4: the precomputed table holds 2 points instead of 8,
 * 1.9 KB less heap for a P-384 multiplication at some speed. */
#define MBEDTLS_ECP_WINDOW_SIZE 2
/* No cached comb table for the generator: every handshake loads the curve
 * afresh and multiplies G once or twice, so the table would be built, used
 * once and dropped, doubling the EC peak RAM. */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C /* verification only; signing code is dropped by the linker */

#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* PSA's ECDSA and RSA key formats use it */
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
/* No human-readable certificate and verification texts (the console prints
 * the spec's reason tokens and the subject's CN, which ca.c extracts
 * itself): less flash, no RAM change. */
#define MBEDTLS_X509_REMOVE_INFO
/* RSA-PSS signatures: mbedTLS verifies a handshake signature made with
 * RSA-PSS (TLS 1.3's CertificateVerify, always; TLS 1.2's
 * ServerKeyExchange, which OpenSSL-based servers sign with PSS whenever
 * the client offers it) only with this on, and offers PSS only then.  It
 * also accepts PSS-signed certificates. */
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
/* (MBEDTLS_X509_MAX_INTERMEDIATE_CA stays 8.  No CRLs, no CSR or
 * certificate writing.) */

/* Base64 for the PEM lines of `ca add`, which ca.c decodes line by line into
 * a 2 KB DER buffer.  MBEDTLS_PEM_PARSE_C is off: it would need the whole
 * PEM text in RAM and brings encrypted-PEM code never used here. */
#define MBEDTLS_BASE64_C

/* ======================================================================
 * TLS
 * ==================================================================== */

#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C /* client only: the device never listens */
/* Both versions; the server chooses.  Azure turned off 1.0 and 1.1. */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
/* TLS 1.3 key exchange: (EC)DHE with a certificate for a full handshake;
 * PSK with (EC)DHE to resume from a ticket, which keeps forward secrecy.
 * Pure PSK (no ECDHE) stays off. */
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
/* A dummy ChangeCipherSpec and a legacy session id, as RFC 8446 appendix D.4
 * advises: middleboxes on company networks drop TLS 1.3 without them. */
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE

#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED   /* dev.azure.com today */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED /* ECC chains (DigiCert G3, Microsoft ECC 2017) */
/* Exactly these, preferred in this order (the server chooses in the end):
 * TLS 1.3's two AES-GCM suites, then TLS 1.2's four; AES-128 first for
 * speed.  An explicit list drops the others from the ciphersuite table. */
#define MBEDTLS_SSL_CIPHERSUITES                          \
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,                    \
        MBEDTLS_TLS1_3_AES_256_GCM_SHA384,                \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,  \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,    \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,  \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

/* SNI: mandatory on Azure DevOps since April 2025. */
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
/* RFC 7627 extended master secret (TLS 1.2): the usual defence against the
 * triple handshake attack, supported by Azure. */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* Tell the server why a handshake failed (bad certificate, ...): it shows up
 * in the server's logs, which helps whoever runs an on-premises server. */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
/* Session resumption: TLS 1.3 tickets and TLS 1.2 tickets (RFC 5077), or a
 * TLS 1.2 session id when the server gives no ticket.  The one saved
 * session lives in RAM only (tls.c), for the configured endpoint only. */
#define MBEDTLS_SSL_SESSION_TICKETS
/* Required by mbedTLS 3.6's TLS 1.3 code.  The chain stays parsed until the
 * connection closes; tls.c drops it from the session it keeps for
 * resumption (a resumed session needs no certificate). */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE

/* Record buffers, allocated per session from the heap.  Incoming: the full
 * 16 KB, since Azure does not honour max_fragment_length and its
 * Certificate message is several KB; handshake messages split over records
 * are reassembled in it (3.6.3 and later).  Outgoing: 1 KB holds the
 * ClientHello (with a ticket to resume, if the ticket fits: tls.c keeps only
 * tickets that do); a request (head plus a body of up to 1,536 bytes) goes
 * out in two or three records. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 1024

/* Off, each on purpose:
 *  - MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_ENABLED (no forward secrecy),
 *    MBEDTLS_SSL_EARLY_DATA (0-RTT data can be replayed: no request byte
 *    goes out before the peer is verified).
 *  - MBEDTLS_SSL_RENEGOTIATION: never needed for a few requests per
 *    connection; a classic attack surface.
 *  - MBEDTLS_SSL_MAX_FRAGMENT_LENGTH, RECORD_SIZE_LIMIT, ALPN,
 *    ENCRYPT_THEN_MAC (CBC only), CBC_RECORD_SPLITTING, DTLS,
 *    CONTEXT_SERIALIZATION, EXPORT_KEYS: not used by this client.
 *  - MBEDTLS_SSL_SRV_C.
 *  - MBEDTLS_DEBUG_C: tens of KB of strings.
 *  - MBEDTLS_ERROR_C: the TLS glue maps mbedTLS codes to the spec's reason
 *    tokens (cert-untrusted, no-memory, handshake, ...) instead of printing
 *    mbedTLS's text.
 *  - MBEDTLS_NET_C, MBEDTLS_FS_IO, MBEDTLS_TIMING_C, MBEDTLS_THREADING_C:
 *    lwIP carries the bytes, there is no file system, the superloop has one
 *    thread.
 *  - MBEDTLS_PSA_CRYPTO_STORAGE_C (no persistent keys), MBEDTLS_SELF_TEST,
 *    MBEDTLS_VERSION_FEATURES, MBEDTLS_PEM_PARSE_C.
 */

/* mbedtls_version_get_string() for `version`. */
#define MBEDTLS_VERSION_C

#endif /* PB_MBEDTLS_CONFIG_H */
