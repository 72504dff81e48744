/* The retry policy; see retry.h. */
#include "retry.h"

#include <stddef.h>

static bool delivered_status(unsigned s)
{
    return s == 200 || s == 201 || s == 202 || s == 204;
}

/* min(max, base * 2^(attempt-1)), scaled by a factor in [0.5, 1.0]. */
static uint32_t backoff(unsigned attempt, const retry_config_t *cfg, uint32_t random)
{
    uint64_t ms = cfg->base_ms;
    for (unsigned i = 1; i < attempt && ms < cfg->max_ms; i++) {
        ms *= 2u;
    }
    if (ms > cfg->max_ms) {
        ms = cfg->max_ms;
    }
    uint32_t f = 512u + random % 513u; /* 1/1024ths */
    return (uint32_t)((ms * f) / 1024u);
}

verdict_t retry_verdict(const outcome_t *o)
{
    retry_config_t any = {1, 1, 1};
    return retry_plan(o, 1, &any, 0).verdict;
}

retry_plan_t retry_plan(const outcome_t *o, unsigned attempt, const retry_config_t *cfg, uint32_t random)
{
    retry_plan_t p = {VERDICT_RETRY, 0, outcome_name(o)};
    switch (o->kind) {
    case OUTCOME_HTTP: {
        unsigned s = o->status;
        if (delivered_status(s)) {
            p.verdict = VERDICT_DELIVERED;
        } else if (s == 429 || s == 503) {
            p.in_ms = o->retry_after_s != 0 ? o->retry_after_s * 1000u : backoff(attempt, cfg, random);
        } else if (s >= 500 && s <= 599) {
            p.in_ms = backoff(attempt, cfg, random);
        } else {
            p.verdict = VERDICT_ERROR;
            p.reason = s >= 400 && s <= 499 ? "http-4xx" : "unexpected-status";
            p.in_ms = cfg->error_ms;
        }
        return p;
    }
    case OUTCOME_WEBHOOK_REJECTED:
        p.verdict = VERDICT_ERROR;
        p.reason = "webhook-rejected";
        break;
    case OUTCOME_STORAGE:
    case OUTCOME_TOO_BIG:
        p.verdict = VERDICT_ERROR;
        break;
    case OUTCOME_IO:
    case OUTCOME_NO_RESPONSE:
        /* A kept connection the server closed just as the request went
         * out: a new one straight away. */
        p.in_ms = o->reused ? 0u : backoff(attempt, cfg, random);
        return p;
    default:
        p.in_ms = backoff(attempt, cfg, random);
        return p;
    }
    p.in_ms = cfg->error_ms;
    return p;
}

const char *outcome_name(const outcome_t *o)
{
    switch (o->kind) {
    case OUTCOME_NONE:
        return "new";
    case OUTCOME_HTTP:
    case OUTCOME_WEBHOOK_REJECTED:
        return NULL; /* the status says it */
    case OUTCOME_TRANSPORT:
        return transport_failure_name(o->failure);
    case OUTCOME_TIMEOUT:
        return "timeout";
    case OUTCOME_IO:
        return "io";
    case OUTCOME_NO_RESPONSE:
        return "no-response";
    case OUTCOME_BAD_RESPONSE:
        return "bad-response";
    case OUTCOME_NO_MEMORY:
        return "no-memory";
    case OUTCOME_NOT_CONFIGURED:
        return "not-configured";
    case OUTCOME_STORAGE:
        return "storage";
    case OUTCOME_TOO_BIG:
        return "too-big";
    default:
        return "unknown";
    }
}

/* kind in the low 5 bits, then the status (10 bits: 100..999) or the
 * transport failure; the rest of an outcome matters only as it happens. */
#define KIND_BITS 5u
_Static_assert(OUTCOME_KINDS <= (1u << KIND_BITS), "outcome kinds fit their bits");

uint16_t outcome_pack(const outcome_t *o)
{
    unsigned detail = o->kind == OUTCOME_TRANSPORT ? (unsigned)o->failure : o->status;
    return (uint16_t)((unsigned)o->kind | (detail & 0x3FFu) << KIND_BITS);
}

outcome_t outcome_unpack(uint16_t packed)
{
    outcome_t o = {0};
    unsigned kind = packed & ((1u << KIND_BITS) - 1u);
    unsigned detail = packed >> KIND_BITS;
    o.kind = kind < OUTCOME_KINDS ? (outcome_kind_t)kind : OUTCOME_NONE;
    if (o.kind == OUTCOME_TRANSPORT) {
        o.failure = (transport_failure_t)detail;
    } else {
        o.status = (uint16_t)detail;
    }
    return o;
}
