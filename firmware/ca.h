/*
 * Trust anchors for TLS (spec section 2: `ca add|list|remove|builtin`).
 *
 * Two kinds:
 *  - built-in: the four Azure roots, slots b0..b3, generated at build time
 *    from Debian's ca-certificates (tools/gen-roots.py) as const DER in
 *    flash; trusted unless `ca builtin off`;
 *  - added: up to CA_ADDED_MAX certificates from `ca add`, slots 1..8, each
 *    kept in the store as DER under "ca.<slot>"; a slot keeps its number
 *    until removed.  "ca.builtin" holds "on" or "off" (absent = on).
 *
 * Anchors are never all parsed into RAM: the TLS glue sets ca_trust_cb()
 * as mbedTLS's trusted-CA callback, which parses, per lookup, only the
 * anchors whose subject matches the issuer wanted (built-ins in place from
 * flash), and ca_verify_cb() as the verify callback so that a pinned
 * self-signed server certificate is trusted (mbedTLS does not look at the
 * callback's anchors for that case).
 *
 * Memory: `ca add` decodes into the console's capture buffer; everything
 * else is allocated from mbedTLS's heap (tlsport.h) and freed before the
 * call returns, except what ca_trust_cb() hands to mbedTLS.
 */
#ifndef CA_H
#define CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mbedtls/x509_crt.h"

#define CA_BUILTIN_COUNT 4u
#define CA_ADDED_MAX 8u
#define CA_DER_MAX 2048u /* spec: at most 2,048 bytes of DER per added anchor */
#define CA_CN_MAX 64u    /* longest CN shown by `ca list`/`ca add` (RFC 5280 ub-common-name) */

/* The built-in anchors, defined in the generated build/<board>/gen/roots.c. */
typedef struct {
    const char *cn;
    const uint8_t *der;
    size_t len;
} ca_builtin_t;
extern const ca_builtin_t ca_builtins[CA_BUILTIN_COUNT];

/* Reads the added anchors and the built-in switch from the store: call
 * after store_open(), and again whenever the store was changed behind this
 * module's back. */
void ca_init(void);


/* Checking and keeping anchors (the `ca` command, cmd_ca.c). */
typedef enum {
    CA_OK = 0,
    CA_BAD_CERT,  /* not an acceptable anchor: *why says which rule */
    CA_NO_MEMORY, /* the heap is busy (a TLS handshake): try again */
    CA_FULL,      /* CA_ADDED_MAX anchors are added already */
    CA_STORAGE,   /* the store refused: nothing changed (*why for ca_add) */
    CA_NO_SLOT    /* no added anchor in that slot */
} ca_status_t;

/* Checks a DER certificate (one, complete; a CA, or a self-signed server
 * certificate to pin; RSA of 2048 bits or more) and stores it as an added
 * anchor: CA_OK with the slot (the one it already had if it was there) and
 * its subject's label for the console.
 *
 * Adding an anchor, removing one and switching the built-ins change whom
 * the device trusts: each unsets the credentials in the same store change
 * (cfg.h, endpoint binding; cfg_unbound() names them) and notifies the
 * configuration's listeners with its "ca.*" key.  The same certificate
 * again, or the built-ins switched to what they are, changes nothing. */
ca_status_t ca_add(const uint8_t *der, size_t len, unsigned *slot, char label[CA_CN_MAX + 1], const char **why);
ca_status_t ca_remove(unsigned slot);
ca_status_t ca_set_builtin(bool on);
/* `ca list`'s labels: a subject's CN with spaces as '_' ("?" when an added
 * anchor cannot be read now); false for an empty slot. */
bool ca_added_label(unsigned slot, char label[CA_CN_MAX + 1]);
void ca_builtin_label(unsigned i, char label[CA_CN_MAX + 1]);

/* --- for the TLS glue ------------------------------------------------- */

bool ca_builtin_enabled(void);

/* Built-in anchor i (0..CA_BUILTIN_COUNT-1) as DER in flash, no copy; false
 * when i is out of range or the built-ins are switched off. */
bool ca_builtin_der(unsigned i, const uint8_t **der, size_t *len);

/* Added anchor in slot 1..CA_ADDED_MAX, copied into buf (size bytes); false
 * when the slot is empty, buf is too small or the store fails. */
bool ca_added_der(unsigned slot, uint8_t *buf, size_t size, size_t *len);

/* mbedtls_x509_crt_ca_cb_t, for mbedtls_ssl_conf_ca_cb(conf, ca_trust_cb,
 * NULL): *candidates gets a freshly parsed list of the trusted anchors
 * whose subject matches child's issuer (NULL when none), allocated with
 * mbedtls_calloc; mbedTLS frees it.  Built-ins are parsed in place from
 * flash (mbedtls_x509_crt_parse_der_nocopy); an added anchor's DER is read
 * from the store into a heap block that its certificate owns.  Returns 0,
 * or -1 when memory ran out (mbedTLS then fails the handshake: better than
 * silently trusting less). */
int ca_trust_cb(void *ctx, mbedtls_x509_crt const *child, mbedtls_x509_crt **candidates);

/* For mbedtls_ssl_conf_verify(conf, ca_verify_cb, NULL): clears
 * MBEDTLS_X509_BADCERT_NOT_TRUSTED on a self-issued server certificate
 * (depth 0) that is byte for byte an added anchor, the rule mbedTLS applies
 * to a static CA list ("locally trusted end entity").  Expiry, host name and
 * key checks are left as they are.  Always returns 0. */
int ca_verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags);

/* --- internals exposed for the unit and fuzz tests --------------------- */

/* The PEM capture of `ca add` (cmd_ca.c), one line at a time (NULL = an
 * over-long line). */
void cmd_ca_capture_line(const char *line);

/* Writes the subject's common name of a DER certificate into out (at most
 * CA_CN_MAX bytes, NUL-terminated), raw; false when there is none or the
 * DER cannot be walked.  No allocation. */
bool ca_der_cn(const uint8_t *der, size_t len, char *out, size_t size);

#endif
