/* The names of transport failures; see transport.h. */
#include "transport.h"

const char *transport_tls_token(transport_failure_t f)
{
    switch (f) {
    case TRANSPORT_FAIL_CERT_UNTRUSTED:
        return "cert-untrusted";
    case TRANSPORT_FAIL_CERT_EXPIRED:
        return "cert-expired";
    case TRANSPORT_FAIL_CERT_NOT_YET_VALID:
        return "cert-not-yet-valid";
    case TRANSPORT_FAIL_HOSTNAME:
        return "hostname-mismatch";
    case TRANSPORT_FAIL_NO_ENTROPY:
        return "no-entropy";
    case TRANSPORT_FAIL_NO_MEMORY:
        return "no-memory";
    case TRANSPORT_FAIL_HANDSHAKE:
        return "handshake";
    default:
        return NULL;
    }
}

const char *transport_failure_name(transport_failure_t f)
{
    switch (f) {
    case TRANSPORT_FAIL_DNS:
        return "dns";
    case TRANSPORT_FAIL_CONNECT:
        return "connect";
    case TRANSPORT_FAIL_TIMEOUT:
        return "timeout";
    case TRANSPORT_FAIL_IO:
        return "io";
    case TRANSPORT_FAIL_NONE:
        return "none";
    default:
        return transport_tls_token(f);
    }
}
