/* Delivery of queued triggers; see delivery.h. */
#include "delivery.h"

#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "device.h"
#include "events.h"
#include "hal_time.h"
#include "https.h"
#include "mbedtls/platform.h"
#include "net.h"
#include "payload.h"
#include "retry.h"
#include "rng.h"
#include "runs.h"
#include "transport.h"
#include "trigger.h"
#include "version.h"
#include "wallclock.h"

#define EXPIRY_SWEEP_MS 1000u
#define REMOUNT_MS 5000u
#define RUN_ID_MAX (PAYLOAD_ID_MAX + 24u)

/* The request (head, then body) lives in the heap only while it is sent,
 * after the TLS handshake, when the heap has room again. */
#define REQ_SIZE (HTTP_REQUEST_HEAD_MAX + PAYLOAD_MAX + 1u)

/* Why a request could not be made (https.h's build codes). */
enum {
    BUILD_NO_MEMORY = 1,
    BUILD_NOT_CONFIGURED, /* the secret went away meanwhile */
    BUILD_STORAGE,        /* the stored trigger does not read back */
    BUILD_TOO_BIG         /* with today's org the body exceeds 1,536 bytes */
};

static struct {
    bool busy; /* an attempt is running: the HTTPS exchange is ours */
    char run_id[RUN_ID_MAX];
    unsigned attempt;
    uint32_t swept_at;
    uint32_t remount_at;
    uint32_t delivered, failed;
    char *req; /* head at the start, body after HTTP_REQUEST_HEAD_MAX */
} s;

uint32_t delivery_delivered(void)
{
    return s.delivered;
}

uint32_t delivery_failed(void)
{
    return s.failed;
}

bool delivery_busy(void)
{
    return s.busy;
}

void delivery_init(void)
{
    memset(&s, 0, sizeof s);
}

/* ------------------------------------------------------------ time */

/* Spec section 4: a press made before the clock was set is back-dated from
 * uptime in the same boot; after a reset its time is that of the first
 * attempt, marked estimated.  True when t changed. */
static bool fix_press_time(trigger_rec_t *t)
{
    if (t->at_utc) {
        return false;
    }
    if (t->boot != device_boot() || !wallclock_at_uptime(t->at_ms, &t->at_ms)) {
        (void)wallclock_now(&t->at_ms);
        t->at_estimated = true;
    }
    t->at_utc = true;
    return true;
}

/* Writes the fixed press time back, so every later attempt (and one after a
 * reset) carries the same "at". */
static void settle_press_time(void)
{
    trigger_rec_t *t = mbedtls_calloc(1, sizeof *t);
    if (t == NULL) {
        return; /* the request is built with it fixed in RAM for this attempt */
    }
    if (queue_flight_load(t) == QUEUE_OK && fix_press_time(t)) {
        (void)queue_flight_update(t);
    }
    mbedtls_free(t);
}

/* How long ago the trigger was pressed, on the device's own running clock,
 * which no step of the wall clock moves (spec section 5): elapsed uptime for
 * a press in this boot; for an earlier one, the clock as first set in this
 * boot plus the uptime since, less the press's time.  False when that cannot
 * be known, or would be negative (the clocks of the two boots disagree). */
static bool elapsed_ms(const queue_sched_t *q, const queue_summary_t *sum, uint64_t *ms)
{
    uint64_t now = hal_uptime_ms();
    if (q->pressed_ms != QUEUE_PRESSED_UNKNOWN) {
        *ms = (uint32_t)now - q->pressed_ms;
        return true;
    }
    if (!sum->at_utc) {
        if (sum->boot != device_boot()) {
            return false; /* pressed in an earlier boot before the clock was set */
        }
        *ms = now > sum->at_ms ? now - sum->at_ms : 0u;
        return true;
    }
    return wallclock_since(sum->at_ms, ms);
}

static bool too_old(const queue_sched_t *q, const queue_summary_t *sum)
{
    uint32_t max_age_s = cfg_u32(CFG_MAX_AGE);
    uint64_t age;
    return max_age_s != 0 && elapsed_ms(q, sum, &age) && age >= (uint64_t)max_age_s * 1000u;
}

/* max_age: a trigger older than that is dropped with EVT expired. */
static void sweep_expired(void)
{
    queue_sched_t q;
    queue_summary_t sum;
    char id[RUN_ID_MAX];
    for (unsigned i = 0; cfg_u32(CFG_MAX_AGE) != 0 && i < queue_count();) {
        if (queue_peek(i, &q, &sum) == QUEUE_OK && !q.in_flight && too_old(&q, &sum)) {
            queue_run_id(&sum, id, sizeof id);
            (void)queue_remove(i, QUEUE_DONE_EXPIRED);
            ev_expired(id);
        } else {
            i++;
        }
    }
}

/* ------------------------------------------------------------ the request */

static void req_free(void)
{
    mbedtls_free(s.req);
    s.req = NULL;
}

/* https_build_fn: called once the connection is open. */
static int build_request(void *ctx, const uint8_t **head, size_t *head_len, const uint8_t **body, size_t *body_len)
{
    (void)ctx;
    char host[CFG_BUF(HOST)], org[CFG_BUF(ORG)], webhook[CFG_BUF(WEBHOOK)], path_prefix[CFG_BUF(PATH_PREFIX)],
        api_version[CFG_BUF(API_VERSION)], sig_header[CFG_BUF(SIG_HEADER)];
    uint8_t secret[CFG_SECRET_MAX + 1];
    size_t secret_len = 0;
    char sig[41];
    CFG_GET_STR(ORG, org);
    s.req = mbedtls_calloc(1, REQ_SIZE);
    /* The trigger is read from the queue only for this: 1.1 KB of heap for
     * a moment rather than of static RAM for good. */
    trigger_rec_t *t = s.req != NULL ? mbedtls_calloc(1, sizeof *t) : NULL;
    if (t == NULL) {
        return BUILD_NO_MEMORY;
    }
    char *req_body = s.req + HTTP_REQUEST_HEAD_MAX;
    int rc = queue_flight_load(t) == QUEUE_OK ? 0 : BUILD_STORAGE;
    (void)fix_press_time(t); /* when writing it back did not work */
    if (rc == 0 && payload_build(t, org, s.attempt, req_body, PAYLOAD_MAX + 1, body_len) != PAYLOAD_OK) {
        rc = BUILD_TOO_BIG;
    }
    mbedtls_free(t);
    if (rc != 0) {
        return rc;
    }
    /* The secret is read at send time and wiped at once after signing.
     * The HMAC's context comes from the heap the TLS session holds most of. */
    bool have_secret = cfg_secret(secret, sizeof secret, &secret_len);
    bool signed_ok = have_secret && payload_sign(secret, secret_len, req_body, *body_len, sig) == 0;
    cfg_wipe(secret, sizeof secret);
    if (!signed_ok) {
        return have_secret ? BUILD_NO_MEMORY : BUILD_NOT_CONFIGURED;
    }
    http_request_t r = {
        .host = CFG_GET_STR(HOST, host),
        .port = (uint16_t)cfg_u32(CFG_PORT),
        .path_prefix = CFG_GET_STR(PATH_PREFIX, path_prefix),
        .org = org,
        .webhook = CFG_GET_STR(WEBHOOK, webhook),
        .api_version = CFG_GET_STR(API_VERSION, api_version),
        .sig_header = CFG_GET_STR(SIG_HEADER, sig_header),
        .signature = sig,
        .version = PB_VERSION,
        .content_length = (uint32_t)*body_len,
        .keep_alive = true,
    };
    if (http_request_build(s.req, HTTP_REQUEST_HEAD_MAX, head_len, &r) != HTTP_OK) {
        return BUILD_TOO_BIG;
    }
    *head = (const uint8_t *)s.req;
    *body = (const uint8_t *)req_body;
    return 0;
}

/* ------------------------------------------------------------ outcomes */

static outcome_t outcome_of_answer(const http_response_t *r)
{
    outcome_t o = {.kind = OUTCOME_HTTP, .status = r->status, .retry_after_s = r->retry_after_s};
    if (http_webhook_exception(r)) {
        o.kind = OUTCOME_WEBHOOK_REJECTED;
    }
    return o;
}

static outcome_t outcome_of_failure(void)
{
    outcome_t o = {.kind = OUTCOME_IO};
    switch (https_failure()) {
    case HTTPS_FAIL_TRANSPORT:
        o.kind = OUTCOME_TRANSPORT;
        o.failure = https_transport_failure();
        break;
    case HTTPS_FAIL_BUILD: {
        static const outcome_kind_t of_build[] = {
            [BUILD_NO_MEMORY] = OUTCOME_NO_MEMORY,
            [BUILD_NOT_CONFIGURED] = OUTCOME_NOT_CONFIGURED,
            [BUILD_STORAGE] = OUTCOME_STORAGE,
            [BUILD_TOO_BIG] = OUTCOME_TOO_BIG,
        };
        int e = https_build_error();
        o.kind = e > 0 && e <= BUILD_TOO_BIG ? of_build[e] : OUTCOME_IO;
        break;
    }
    case HTTPS_FAIL_NO_MEMORY:
        o.kind = OUTCOME_NO_MEMORY;
        break;
    case HTTPS_FAIL_TIMEOUT:
        o.kind = OUTCOME_TIMEOUT;
        break;
    case HTTPS_FAIL_NO_RESPONSE:
        o.kind = OUTCOME_NO_RESPONSE;
        break;
    case HTTPS_FAIL_BAD_RESPONSE:
        o.kind = OUTCOME_BAD_RESPONSE;
        break;
    default:
        break;
    }
    return o;
}

static retry_config_t retry_config(void)
{
    return (retry_config_t){cfg_u32(CFG_RETRY_BASE_MS), cfg_u32(CFG_RETRY_MAX_MS), cfg_u32(CFG_RETRY_ERROR_MS)};
}

/* The one exit of an attempt: its outcome becomes the retry policy's plan,
 * the events, and the trigger's new place in the queue. */
static void finish(outcome_t o)
{
    req_free();
    https_end();
    s.busy = false;
    if (o.kind == OUTCOME_TRANSPORT && transport_tls_token(o.failure) != NULL) {
        ev_tls_fail(s.run_id, transport_tls_token(o.failure));
    }
    retry_config_t cfg = retry_config();
    retry_plan_t plan = retry_plan(&o, s.attempt, &cfg, rng_u32());
    char status[8];
    snprintf(status, sizeof status, "%u", o.status);
    switch (plan.verdict) {
    case VERDICT_DELIVERED: {
        queue_sched_t q;
        queue_summary_t sum;
        uint64_t ms = 0;
        bool known = queue_flight_peek(&q, &sum) == QUEUE_OK && !sum.at_estimated && elapsed_ms(&q, &sum, &ms);
        ev_delivered(s.run_id, s.attempt, o.status, known, ms);
        s.delivered++;
        (void)queue_flight_done(QUEUE_DONE_DELIVERED);
        runs_delivered(s.run_id);
        return;
    }
    case VERDICT_RETRY:
        ev_retry(s.run_id, s.attempt, plan.in_ms, plan.reason != NULL ? plan.reason : status);
        break;
    case VERDICT_ERROR:
        s.failed++;
        ev_error(s.run_id, s.attempt, o.status, plan.reason);
        break;
    }
    queue_flight_end(hal_millis() + plan.in_ms, outcome_pack(&o));
}

/* ------------------------------------------------------------ attempts */

/* Spec section 5: nothing is sent before the clock is set, nor while the
 * device is not configured or has no network (`queue` says which). */
static const char *waiting_for(void)
{
    uint64_t now;
    if (!wallclock_now(&now)) {
        return "clock-unset";
    }
    if (!trigger_configured()) {
        return "not-configured";
    }
    return net_is_up() ? NULL : "net-down";
}

bool delivery_due(void)
{
    queue_sched_t q;
    uint32_t now = hal_millis();
    for (unsigned i = 0; waiting_for() == NULL && i < queue_count(); i++) {
        if (queue_peek(i, &q, NULL) == QUEUE_OK && !q.in_flight && (int32_t)(now - q.next_at) >= 0) {
            return true;
        }
    }
    return false;
}

static void begin_attempt(void)
{
    queue_sched_t q;
    queue_summary_t sum;
    if (queue_flight_peek(&q, &sum) != QUEUE_OK) {
        /* the record decayed on the medium: kept for a person to see */
        outcome_t o = {.kind = OUTCOME_STORAGE};
        queue_flight_end(hal_millis() + cfg_u32(CFG_RETRY_ERROR_MS), outcome_pack(&o));
        return;
    }
    queue_run_id(&sum, s.run_id, sizeof s.run_id);
    if (too_old(&q, &sum)) {
        (void)queue_flight_done(QUEUE_DONE_EXPIRED);
        ev_expired(s.run_id);
        return;
    }
    if (!sum.at_utc) {
        settle_press_time();
    }
    s.attempt = q.attempts;
    s.busy = true;
    ev_sending(s.run_id, s.attempt);
    char host[CFG_BUF(HOST)];
    uint64_t now_ms = 0;
    (void)wallclock_now(&now_ms);
    https_request_t req = {
        .host = CFG_GET_STR(HOST, host),
        .port = (uint16_t)cfg_u32(CFG_PORT),
        .build = build_request,
        .now_utc_s = now_ms / 1000u,
    };
    https_start(&req);
}

void delivery_task(void)
{
    if (s.busy) {
        switch (https_poll()) {
        case HTTPS_DONE:
            finish(outcome_of_answer(https_response()));
            break;
        case HTTPS_FAILED: {
            outcome_t o = outcome_of_failure();
            o.reused = https_reused();
            finish(o);
            break;
        }
        default:
            break;
        }
        return;
    }
    /* A queue write failed: mount again (between attempts only), which
     * settles the medium exactly as after a power cut. */
    if (queue_broken() && (uint32_t)(hal_millis() - s.remount_at) >= REMOUNT_MS) {
        s.remount_at = hal_millis();
        (void)queue_init();
    }
    if ((uint32_t)(hal_millis() - s.swept_at) >= EXPIRY_SWEEP_MS) {
        s.swept_at = hal_millis();
        sweep_expired();
    }
    if (waiting_for() != NULL || !https_idle() || !queue_flight_begin(hal_millis())) {
        return;
    }
    begin_attempt();
}

/* ------------------------------------------------------------ state */

bool delivery_needs_person(void)
{
    queue_sched_t q;
    for (unsigned i = 0; i < queue_count(); i++) {
        if (queue_peek(i, &q, NULL) == QUEUE_OK) {
            outcome_t o = outcome_unpack(q.last);
            if (o.kind != OUTCOME_NONE && retry_verdict(&o) == VERDICT_ERROR) {
                return true;
            }
        }
    }
    return false;
}

const char *delivery_last_name(const queue_sched_t *q, char buf[8])
{
    outcome_t o = outcome_unpack(q->last);
    if (o.kind == OUTCOME_NONE) {
        const char *why = waiting_for();
        return why != NULL ? why : "new";
    }
    const char *name = outcome_name(&o);
    if (name != NULL) {
        return name;
    }
    snprintf(buf, 8, "%u", o.status);
    return buf;
}
