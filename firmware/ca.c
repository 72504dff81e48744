/* Trust anchors; see ca.h.  The `ca` command is cmd_ca.c. */
/* Three fields mbedTLS 3 keeps private, read through MBEDTLS_PRIVATE():
 * the signature algorithm of a certificate (to check that a self-issued one
 * verifies with its own key; mbedTLS's own check of a trusted leaf compares
 * bytes only), and own_buffer (a certificate parsed in place that takes
 * ownership of its DER block). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "ca.h"

#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "store.h"

#include "mbedtls/asn1.h"
#include "mbedtls/md.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform.h"

#define RSA_MIN_BITS 2048u /* mbedTLS's default X.509 profile refuses shorter keys */

/* ---- state --------------------------------------------------------------- */

/* What is in each added slot, so that a TLS lookup or a duplicate check reads
 * only the anchors that can match: the DER length (0 = empty) and a hash of
 * the subject's common name, compared case-blind as mbedTLS compares names.
 * 64 bytes instead of keeping every certificate in RAM. */
typedef struct {
    uint16_t len;
    uint32_t cn_hash;
} slot_t;

static slot_t s_slots[CA_ADDED_MAX]; /* [0] is slot 1 */
static uint32_t s_builtin_hash[CA_BUILTIN_COUNT];
static bool s_builtin_on = true;

/* ---- names ----------------------------------------------------------------- */

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* FNV-1a over the ASCII-lowercased bytes: two names mbedTLS considers equal
 * (same bytes, or UTF8/PrintableString equal but for ASCII case) hash
 * alike, so the hash can only rule candidates out. */
static uint32_t cn_hash(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ lower(p[i])) * 16777619u;
    }
    return h;
}

/* The first common name of a parsed name; an empty one when there is none. */
static void name_cn(const mbedtls_x509_name *name, const uint8_t **p, size_t *n)
{
    for (; name != NULL; name = name->next) {
        if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &name->oid) == 0) {
            *p = name->val.p;
            *n = name->val.len;
            return;
        }
    }
    *p = NULL;
    *n = 0;
}

static uint32_t name_hash(const mbedtls_x509_name *name)
{
    const uint8_t *p;
    size_t n;
    name_cn(name, &p, &n);
    return cn_hash(p, n);
}

static bool string_eq(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
    if (a->len != b->len) {
        return false;
    }
    if (a->tag == b->tag && memcmp(a->p, b->p, a->len) == 0) {
        return true;
    }
    bool a_text = a->tag == MBEDTLS_ASN1_UTF8_STRING || a->tag == MBEDTLS_ASN1_PRINTABLE_STRING;
    bool b_text = b->tag == MBEDTLS_ASN1_UTF8_STRING || b->tag == MBEDTLS_ASN1_PRINTABLE_STRING;
    if (!a_text || !b_text) {
        return false;
    }
    for (size_t i = 0; i < a->len; i++) {
        if (lower(a->p[i]) != lower(b->p[i])) {
            return false;
        }
    }
    return true;
}

/* Distinguished names equal by mbedTLS's rule (x509_name_cmp() in
 * x509_crt.c, which is not exported): same attributes in the same order and
 * multi-valued grouping, values equal byte for byte or, for UTF8/Printable
 * strings, but for ASCII case. */
static bool name_eq(const mbedtls_x509_name *a, const mbedtls_x509_name *b)
{
    while (a != NULL || b != NULL) {
        if (a == NULL || b == NULL || a->oid.tag != b->oid.tag || a->oid.len != b->oid.len ||
            memcmp(a->oid.p, b->oid.p, a->oid.len) != 0 || !string_eq(&a->val, &b->val) ||
            a->next_merged != b->next_merged) {
            return false;
        }
        a = a->next;
        b = b->next;
    }
    return true;
}

/* ---- walking DER without allocating -------------------------------------- */

/* Finds the subject of a DER certificate: the first common name (cn, may be
 * NULL) and the value of its last attribute (last), as pointers into der. */
static bool der_subject(const uint8_t *der, size_t len, mbedtls_x509_buf *cn, mbedtls_x509_buf *last)
{
    unsigned char *p = (unsigned char *)(uintptr_t)der; /* mbedtls_asn1_* only reads through it */
    const unsigned char *end = p + len;
    size_t n;
    const int seq = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
    memset(cn, 0, sizeof *cn);
    memset(last, 0, sizeof *last);

    if (mbedtls_asn1_get_tag(&p, end, &n, seq) != 0) { /* Certificate */
        return false;
    }
    end = p + n;
    if (mbedtls_asn1_get_tag(&p, end, &n, seq) != 0) { /* tbsCertificate */
        return false;
    }
    end = p + n;
    /* [0] EXPLICIT version: context-specific, constructed, tag number 0 */
    if (mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED) == 0) {
        p += n; /* [0] version */
    }
    static const int skip[] = {MBEDTLS_ASN1_INTEGER, seq, seq, seq}; /* serial, signature, issuer, validity */
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++) {
        if (mbedtls_asn1_get_tag(&p, end, &n, skip[i]) != 0) {
            return false;
        }
        p += n;
    }
    if (mbedtls_asn1_get_tag(&p, end, &n, seq) != 0) { /* subject */
        return false;
    }
    const unsigned char *name_end = p + n;
    while (p < name_end) {
        if (mbedtls_asn1_get_tag(&p, name_end, &n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET) != 0) {
            return false;
        }
        const unsigned char *set_end = p + n;
        while (p < set_end) {
            mbedtls_x509_buf oid = {.tag = MBEDTLS_ASN1_OID}, val;
            if (mbedtls_asn1_get_tag(&p, set_end, &n, seq) != 0) {
                return false;
            }
            const unsigned char *atv_end = p + n;
            if (mbedtls_asn1_get_tag(&p, atv_end, &oid.len, MBEDTLS_ASN1_OID) != 0) {
                return false;
            }
            oid.p = p;
            p += oid.len;
            if (p >= atv_end) {
                return false;
            }
            val.tag = *p++;
            if (mbedtls_asn1_get_len(&p, atv_end, &val.len) != 0) {
                return false;
            }
            val.p = p;
            p = (unsigned char *)(uintptr_t)atv_end;
            if (cn->p == NULL && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &oid) == 0) {
                *cn = val;
            }
            *last = val;
        }
    }
    return true;
}

bool ca_der_cn(const uint8_t *der, size_t len, char *out, size_t size)
{
    mbedtls_x509_buf cn, last;
    if (size == 0 || !der_subject(der, len, &cn, &last) || cn.p == NULL) {
        return false;
    }
    size_t n = cn.len < size - 1 ? cn.len : size - 1;
    memcpy(out, cn.p, n);
    out[n] = '\0';
    return true;
}

static uint32_t der_cn_hash(const uint8_t *der, size_t len)
{
    mbedtls_x509_buf cn, last;
    if (!der_subject(der, len, &cn, &last)) {
        return cn_hash(NULL, 0);
    }
    return cn_hash(cn.p, cn.len);
}

/* For the console, where values never contain spaces (spec section 2):
 * spaces become '_', other bytes outside printable ASCII '?' (as
 * mbedtls_x509_dn_gets does), cut at CA_CN_MAX.  "-" when empty. */
static void printable(const uint8_t *p, size_t n, char out[CA_CN_MAX + 1])
{
    size_t i;
    for (i = 0; i < n && i < CA_CN_MAX; i++) {
        /* cppcheck-suppress arrayIndexOutOfBounds ; bounded by n, the caller's length */
        uint8_t c = p[i];
        out[i] = c == ' ' ? '_' : (c < 0x21 || c > 0x7e) ? '?' : (char)c;
    }
    if (i == 0) {
        out[i++] = '-';
    }
    out[i] = '\0';
}

/* The label `ca list` and `ca add` show: the CN, or, for a subject without
 * one, the value of its last attribute. */
static void der_label(const uint8_t *der, size_t len, char out[CA_CN_MAX + 1])
{
    mbedtls_x509_buf cn, last;
    if (!der_subject(der, len, &cn, &last)) {
        printable((const uint8_t *)"?", 1, out);
    } else if (cn.p != NULL) {
        printable(cn.p, cn.len, out);
    } else {
        printable(last.p, last.len, out);
    }
}

/* ---- the store --------------------------------------------------------------- */

static void slot_key(unsigned slot, char key[16])
{
    snprintf(key, 16, "ca.%u", slot);
}

static int read_slot(unsigned slot, uint8_t *buf, size_t size, size_t *len)
{
    char key[16];
    slot_key(slot, key);
    return store_get(key, buf, size, len);
}

/* Reads the switch and the slot index from the store. */
static void load(void)
{
    char v[4];
    size_t n;
    s_builtin_on = !(store_get("ca.builtin", v, sizeof v, &n) == STORE_OK && n == 3 && memcmp(v, "off", 3) == 0);
    for (unsigned i = 0; i < CA_BUILTIN_COUNT; i++) {
        s_builtin_hash[i] = der_cn_hash(ca_builtins[i].der, ca_builtins[i].len);
    }
    uint8_t *der = mbedtls_calloc(1, CA_DER_MAX);
    if (der == NULL) {
        return; /* the heap is busy: keep the index as it is */
    }
    for (unsigned slot = 1; slot <= CA_ADDED_MAX; slot++) {
        slot_t *s = &s_slots[slot - 1];
        if (read_slot(slot, der, CA_DER_MAX, &n) == STORE_OK && n > 0) {
            s->len = (uint16_t)n;
            s->cn_hash = der_cn_hash(der, n);
        } else {
            s->len = 0;
            s->cn_hash = 0;
        }
    }
    mbedtls_free(der);
}

/* `config reset yes` clears the ca.* keys with everything else, and an
 * import may in principle touch them: both notify with key NULL. */
static void on_cfg_change(const char *key)
{
    if (key == NULL) {
        load();
    }
}

void ca_init(void)
{
    load();
    cfg_add_listener(on_cfg_change);
}

bool ca_builtin_enabled(void)
{
    return s_builtin_on;
}

bool ca_builtin_der(unsigned i, const uint8_t **der, size_t *len)
{
    if (i >= CA_BUILTIN_COUNT || !s_builtin_on) {
        return false;
    }
    *der = ca_builtins[i].der;
    *len = ca_builtins[i].len;
    return true;
}

bool ca_added_der(unsigned slot, uint8_t *buf, size_t size, size_t *len)
{
    return slot >= 1 && slot <= CA_ADDED_MAX && s_slots[slot - 1].len != 0 &&
           read_slot(slot, buf, size, len) == STORE_OK;
}

/* Whether the added anchor in slot is exactly der.  *no_mem is set when the
 * pool could not lend a buffer to compare in. */
static bool slot_equals(unsigned slot, const uint8_t *der, size_t len, bool *no_mem)
{
    const slot_t *s = &s_slots[slot - 1];
    if (s->len != len || s->cn_hash != der_cn_hash(der, len)) {
        return false;
    }
    uint8_t *buf = mbedtls_calloc(1, len);
    if (buf == NULL) {
        *no_mem = true;
        return false;
    }
    size_t n;
    bool same = read_slot(slot, buf, len, &n) == STORE_OK && n == len && memcmp(buf, der, len) == 0;
    mbedtls_free(buf);
    return same;
}

/* ---- checking a certificate for `ca add` -------------------------------------- */

static bool is_alloc_failure(int ret)
{
    return ret == MBEDTLS_ERR_X509_ALLOC_FAILED || ret == MBEDTLS_ERR_PK_ALLOC_FAILED ||
           ret == MBEDTLS_ERR_MPI_ALLOC_FAILED || ret == MBEDTLS_ERR_ASN1_ALLOC_FAILED;
}

static const char *parse_error(int ret)
{
    int high = -((-ret) & 0xFF80);
    switch (high) {
    case MBEDTLS_ERR_PK_UNKNOWN_PK_ALG:
    case MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE:
    case MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE:
    case MBEDTLS_ERR_PK_INVALID_PUBKEY:
    case MBEDTLS_ERR_PK_INVALID_ALG:
        return "unsupported or bad public key (RSA up to 4096 bits, or ECDSA P-256/P-384)";
    case MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG:
    case MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE:
        return "unsupported signature algorithm";
    case MBEDTLS_ERR_X509_UNKNOWN_VERSION:
        return "unsupported X.509 version";
    case MBEDTLS_ERR_X509_INVALID_DATE:
        return "bad validity dates";
    case MBEDTLS_ERR_X509_INVALID_EXTENSIONS:
        return "bad or unsupported critical extension";
    default:
        return "not a well-formed X.509 certificate";
    }
}

/* Verifies crt's signature with its own key. */
static bool self_signed(const mbedtls_x509_crt *crt)
{
    mbedtls_md_type_t md_type = crt->MBEDTLS_PRIVATE(sig_md);
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(md_type);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    if (md == NULL || mbedtls_md(md, crt->tbs.p, crt->tbs.len, hash) != 0) {
        return false;
    }
    /* mbedtls_pk_verify_ext() takes a non-const context but does not change it. */
    mbedtls_pk_context *pk = (mbedtls_pk_context *)(uintptr_t)&crt->pk;
    return mbedtls_pk_verify_ext(crt->MBEDTLS_PRIVATE(sig_pk), crt->MBEDTLS_PRIVATE(sig_opts), pk, md_type, hash,
                                 mbedtls_md_get_size(md), crt->MBEDTLS_PRIVATE(sig).p,
                                 crt->MBEDTLS_PRIVATE(sig).len) == 0;
}

/* Why crt cannot be a trust anchor, or NULL when it can. */
static const char *anchor_problem(const mbedtls_x509_crt *crt)
{
    if (mbedtls_pk_get_type(&crt->pk) == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(&crt->pk) < RSA_MIN_BITS) {
        return "RSA key shorter than 2048 bits";
    }
    bool self_issued = name_eq(&crt->issuer, &crt->subject);
    if (self_issued && !self_signed(crt)) {
        return "issuer and subject are the same but the signature does not verify with its own key";
    }
    if (mbedtls_x509_crt_get_ca_istrue(crt) != 1 && !self_issued) {
        return "neither a CA certificate (basicConstraints CA:TRUE) nor self-signed";
    }
    return NULL;
}

/* Sets (value) or deletes (NULL) an anchor key and, in the same store
 * change, unsets the credentials (cfg.h, endpoint binding): the secret
 * must not sign for a server that other anchors let in. */
static int bound_change(const char *key, const void *value, size_t len)
{
    store_begin();
    int rc = value != NULL ? store_put(key, value, len) : store_del(key);
    if (rc == STORE_OK) {
        rc = cfg_unbind();
    }
    if (rc != STORE_OK) {
        store_abort();
        return rc;
    }
    return store_commit();
}

ca_status_t ca_add(const uint8_t *der, size_t len, unsigned *slot_out, char label[CA_CN_MAX + 1], const char **why)
{
    unsigned char *p = (unsigned char *)(uintptr_t)der; /* mbedtls_asn1_get_tag only reads through it */
    size_t n;
    if (mbedtls_asn1_get_tag(&p, der + len, &n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
        p + n != der + len) {
        *why = "not one DER certificate (truncated, or data after it)";
        return CA_BAD_CERT;
    }
    mbedtls_x509_crt *crt = mbedtls_calloc(1, sizeof *crt);
    if (crt == NULL) {
        return CA_NO_MEMORY;
    }
    mbedtls_x509_crt_init(crt);
    int ret = mbedtls_x509_crt_parse_der_nocopy(crt, der, len);
    const char *problem = NULL;
    if (ret == 0) {
        problem = anchor_problem(crt);
    }
    mbedtls_x509_crt_free(crt);
    mbedtls_free(crt);
    if (is_alloc_failure(ret)) {
        return CA_NO_MEMORY;
    }
    if (ret != 0 || problem != NULL) {
        *why = ret != 0 ? parse_error(ret) : problem;
        return CA_BAD_CERT;
    }
    der_label(der, len, label);

    /* The same certificate again: the slot it already has. */
    unsigned free_slot = 0;
    bool no_mem = false;
    for (unsigned slot = 1; slot <= CA_ADDED_MAX; slot++) {
        if (s_slots[slot - 1].len == 0) {
            if (free_slot == 0) {
                free_slot = slot;
            }
        } else if (slot_equals(slot, der, len, &no_mem)) {
            *slot_out = slot;
            return CA_OK;
        }
    }
    if (no_mem) {
        return CA_NO_MEMORY;
    }
    if (free_slot == 0) {
        return CA_FULL;
    }
    char key[16];
    slot_key(free_slot, key);
    int rc = bound_change(key, der, len);
    if (rc != STORE_OK && rc != STORE_NO_MEDIUM) {
        *why = rc == STORE_FULL ? "non-volatile memory full" : "write failed";
        return CA_STORAGE;
    }
    s_slots[free_slot - 1].len = (uint16_t)len;
    s_slots[free_slot - 1].cn_hash = der_cn_hash(der, len);
    *slot_out = free_slot;
    cfg_notify(key);
    return CA_OK;
}

ca_status_t ca_remove(unsigned slot)
{
    if (slot < 1 || slot > CA_ADDED_MAX || s_slots[slot - 1].len == 0) {
        return CA_NO_SLOT;
    }
    char key[16];
    slot_key(slot, key);
    int rc = bound_change(key, NULL, 0);
    if (rc != STORE_OK && rc != STORE_NO_MEDIUM && rc != STORE_NOT_FOUND) {
        return CA_STORAGE;
    }
    s_slots[slot - 1].len = 0;
    s_slots[slot - 1].cn_hash = 0;
    cfg_notify(key);
    return CA_OK;
}

ca_status_t ca_set_builtin(bool on)
{
    if (on == s_builtin_on) {
        return CA_OK; /* no change: the credentials stay (cfg.h, binding) */
    }
    int rc = bound_change("ca.builtin", on ? "on" : "off", on ? 2u : 3u);
    if (rc != STORE_OK && rc != STORE_NO_MEDIUM) {
        return CA_STORAGE;
    }
    s_builtin_on = on;
    cfg_notify("ca.builtin");
    return CA_OK;
}

bool ca_added_label(unsigned slot, char label[CA_CN_MAX + 1])
{
    if (slot < 1 || slot > CA_ADDED_MAX || s_slots[slot - 1].len == 0) {
        return false;
    }
    size_t n;
    uint8_t *der = mbedtls_calloc(1, CA_DER_MAX);
    if (der != NULL && read_slot(slot, der, CA_DER_MAX, &n) == STORE_OK) {
        der_label(der, n, label);
    } else {
        printable((const uint8_t *)"?", 1, label); /* the heap is busy: the slot is still shown */
    }
    mbedtls_free(der);
    return true;
}

void ca_builtin_label(unsigned i, char label[CA_CN_MAX + 1])
{
    const char *cn = i < CA_BUILTIN_COUNT ? ca_builtins[i].cn : "?";
    printable((const uint8_t *)cn, strlen(cn), label);
}

/* ---- TLS ------------------------------------------------------------------------------ */

/* Parses der into a new pool-allocated certificate.  *no_mem tells a full
 * pool apart from a certificate that does not parse. */
static mbedtls_x509_crt *parse_one(const uint8_t *der, size_t len, bool *no_mem)
{
    mbedtls_x509_crt *crt = mbedtls_calloc(1, sizeof *crt);
    if (crt == NULL) {
        *no_mem = true;
        return NULL;
    }
    mbedtls_x509_crt_init(crt);
    int ret = mbedtls_x509_crt_parse_der_nocopy(crt, der, len);
    if (ret != 0) {
        *no_mem = is_alloc_failure(ret);
        mbedtls_x509_crt_free(crt);
        mbedtls_free(crt);
        return NULL;
    }
    return crt;
}

static mbedtls_x509_crt *parse_added(unsigned slot, bool *no_mem)
{
    size_t len = s_slots[slot - 1].len, n;
    uint8_t *buf = mbedtls_calloc(1, len);
    if (buf == NULL) {
        *no_mem = true;
        return NULL;
    }
    mbedtls_x509_crt *crt = NULL;
    if (read_slot(slot, buf, len, &n) == STORE_OK && n == len) {
        crt = parse_one(buf, len, no_mem);
    }
    if (crt == NULL) {
        mbedtls_free(buf);
        return NULL;
    }
    /* The certificate owns the block now: mbedtls_x509_crt_free() frees it. */
    crt->MBEDTLS_PRIVATE(own_buffer) = 1;
    return crt;
}

int ca_trust_cb(void *ctx, mbedtls_x509_crt const *child, mbedtls_x509_crt **candidates)
{
    (void)ctx;
    mbedtls_x509_crt *head = NULL, **tail = &head;
    uint32_t want = name_hash(&child->issuer);
    bool no_mem = false;
    *candidates = NULL;
    for (unsigned i = 0; i < CA_BUILTIN_COUNT + CA_ADDED_MAX && !no_mem; i++) {
        mbedtls_x509_crt *crt = NULL;
        if (i < CA_BUILTIN_COUNT) {
            if (s_builtin_on && s_builtin_hash[i] == want) {
                crt = parse_one(ca_builtins[i].der, ca_builtins[i].len, &no_mem); /* in place, from flash */
            }
        } else {
            unsigned slot = i - CA_BUILTIN_COUNT + 1;
            if (s_slots[slot - 1].len != 0 && s_slots[slot - 1].cn_hash == want) {
                crt = parse_added(slot, &no_mem);
            }
        }
        if (crt == NULL) {
            continue;
        }
        if (name_eq(&child->issuer, &crt->subject)) {
            *tail = crt;
            tail = &crt->next;
        } else {
            mbedtls_x509_crt_free(crt);
            mbedtls_free(crt);
        }
    }
    if (no_mem) {
        mbedtls_x509_crt_free(head);
        mbedtls_free(head);
        return -1;
    }
    *candidates = head;
    return 0;
}

int ca_verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    (void)ctx;
    if (depth != 0 || (*flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) == 0 || !name_eq(&crt->issuer, &crt->subject)) {
        return 0;
    }
    for (unsigned slot = 1; slot <= CA_ADDED_MAX; slot++) {
        bool no_mem = false;
        if (s_slots[slot - 1].len != 0 && slot_equals(slot, crt->raw.p, crt->raw.len, &no_mem)) {
            *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_NOT_TRUSTED;
            break;
        }
    }
    return 0;
}
