/* Following pipeline runs; see runs.h. */
#include "runs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "builds_reader.h"
#include "cfg.h"
#include "delivery.h"
#include "events.h"
#include "hal_time.h"
#include "https.h"
#include "mbedtls/base64.h"
#include "mbedtls/platform.h"
#include "net.h"
#include "payload.h"
#include "version.h"
#include "wallclock.h"

#define RUN_ID_MAX (PAYLOAD_ID_MAX + 24u)

/* The query's head for the longest values the configuration accepts:
 *   "GET " 4, path_prefix 128, "/" org 65, "/" project 189 (64 bytes, at
 *   most 62 of them spaces, each sent as %20), "/_apis/build/builds?
 *   tagFilters=" 31, runId 54, "&queryOrder=queueTimeAscending&$top=1
 *   &api-version=7.1" 53, " HTTP/1.1\r\n" 11                         535
 *   "Host: " host 253 ":65535" "\r\n"                                 267
 *   "Authorization: Basic " base64 of ":" + 256 bytes (344) "\r\n"    367
 *   "Accept: application/json\r\n"                                     26
 *   "User-Agent: pipebutton/" version (at most 32) "\r\n"              57
 *   "\r\n"                                                              2
 * = 1,254 bytes (a host test builds it).  ":" + the PAT is read in behind
 * the head, encoded into it and wiped at once. */
#define QUERY_HEAD_MAX 1264u
#define REQ_SIZE (QUERY_HEAD_MAX + 2u + CFG_PAT_MAX)

/* Why a query could not be made (https.h's build codes). */
enum { BUILD_NO_MEMORY = 1, BUILD_NO_PAT, BUILD_TOO_BIG };

typedef enum {
    RS_FREE = 0,
    RS_WAITING, /* delivered; no build carries its tag yet */
    RS_QUEUED,
    RS_RUNNING,
    RS_COMPLETED,
    RS_NOT_STARTED,
    RS_LOST
} run_state_t;

typedef enum { LOST_UNAUTHORIZED = 1, LOST_NOT_FOUND, LOST_TIMEOUT, LOST_CAPACITY } lost_reason_t;

static const char *const s_state_names[] = {
    [RS_FREE] = "-",          [RS_WAITING] = "waiting",         [RS_QUEUED] = "queued", [RS_RUNNING] = "running",
    [RS_COMPLETED] = "completed", [RS_NOT_STARTED] = "not-started", [RS_LOST] = "lost",
};
static const char *const s_lost_names[] = {
    [LOST_UNAUTHORIZED] = "unauthorized",
    [LOST_NOT_FOUND] = "not-found",
    [LOST_TIMEOUT] = "timeout",
    [LOST_CAPACITY] = "capacity",
};

typedef struct {
    char id[RUN_ID_MAX];
    uint32_t build;        /* 0: none seen */
    uint32_t delivered_at; /* hal_millis() at EVT delivered */
    uint32_t next_at;      /* its next poll */
    uint8_t state;         /* run_state_t */
    uint8_t why;           /* RS_COMPLETED: its builds_result_t; RS_LOST: its lost_reason_t */
} run_t;

static struct {
    run_t runs[RUNS_KEPT]; /* oldest first; runs[0..count) */
    unsigned count;
    bool enabled;          /* project and pat are set */
    int polling;           /* the run whose poll is under way, or -1 */
    bool yielding;         /* a trigger fell due during the poll ... */
    uint32_t yield_at;     /* ... at this time */
    bool holding;          /* a Retry-After: no poll before hold_until */
    uint32_t hold_until;
    uint32_t polls, failed;
    char *req;             /* the query, in the heap while it is sent */
    builds_reader_t reader;
} s;

static bool active(const run_t *r)
{
    return r->state >= RS_WAITING && r->state <= RS_RUNNING;
}

static uint32_t ms_of(cfg_key_t key)
{
    return cfg_u32(key) * 1000u; /* at most 604,800,000 (cfg.c's limits) */
}

/* ------------------------------------------------------------ the list */

static void drop(unsigned i)
{
    memmove(&s.runs[i], &s.runs[i + 1u], (s.count - i - 1u) * sizeof s.runs[0]);
    s.count--;
    memset(&s.runs[s.count], 0, sizeof s.runs[0]);
}

static void lose(run_t *r, lost_reason_t why)
{
    r->state = RS_LOST;
    r->why = (uint8_t)why;
    ev_run_lost(r->id, s_lost_names[why]);
}

void runs_delivered(const char *run_id)
{
    if (!s.enabled) {
        return;
    }
    /* Called as delivery ends its exchange, so no poll is under way and no
     * run moves in the list while one is. */
    unsigned followed = 0;
    int oldest = -1;
    for (unsigned i = 0; i < s.count; i++) {
        if (active(&s.runs[i])) {
            oldest = oldest < 0 ? (int)i : oldest;
            followed++;
        }
    }
    if (followed >= RUNS_FOLLOWED) {
        lose(&s.runs[oldest], LOST_CAPACITY);
    }
    if (s.count == RUNS_KEPT) {
        /* the oldest finished one makes room: at most RUNS_FOLLOWED - 1
         * are followed now */
        for (unsigned i = 0; i < s.count; i++) {
            if (!active(&s.runs[i])) {
                drop(i);
                break;
            }
        }
    }
    run_t *r = &s.runs[s.count++];
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", run_id);
    r->state = RS_WAITING;
    r->delivered_at = hal_millis();
    /* a tag shows once the pipeline's job runs: the first look after a
     * poll period, or when run.wait_s ends if that is sooner */
    uint32_t poll = ms_of(CFG_RUN_POLL_S), wait = ms_of(CFG_RUN_WAIT_S);
    r->next_at = r->delivered_at + (wait < poll ? wait : poll);
}

bool runs_following(void)
{
    for (unsigned i = 0; i < s.count; i++) {
        if (active(&s.runs[i])) {
            return true;
        }
    }
    return false;
}

bool runs_get(unsigned index, runs_info_t *info)
{
    if (index >= s.count) {
        return false;
    }
    const run_t *r = &s.runs[index];
    info->run_id = r->id;
    info->build = r->build;
    info->state = s_state_names[r->state];
    info->result = r->state == RS_COMPLETED ? builds_result_name((builds_result_t)r->why) : NULL;
    info->reason = r->state == RS_LOST ? s_lost_names[r->why] : NULL;
    return true;
}

uint32_t runs_polls(void)
{
    return s.polls;
}

uint32_t runs_polls_failed(void)
{
    return s.failed;
}

/* ------------------------------------------------------------ the query */

typedef struct {
    char *buf;
    size_t size, len;
    bool over;
} out_t;

static void out(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(out_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = o->over ? -1 : vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->size - o->len) {
        o->over = true;
    } else {
        o->len += (size_t)n;
    }
}

static void req_free(void)
{
    if (s.req != NULL) {
        cfg_wipe(s.req, REQ_SIZE); /* the PAT, encoded */
        mbedtls_free(s.req);
        s.req = NULL;
    }
}

/* A string key's value, read straight into the head (its room is counted
 * above, so it always fits). */
static void out_cfg(out_t *o, cfg_key_t key)
{
    if (!o->over) {
        o->len += strlen(cfg_str(key, o->buf + o->len, o->size - o->len));
    }
}

/* https_build_fn: the spec's query, once the connection is open (when the
 * heap has room again after a handshake).  Values go from the store into
 * the heap, not through the stack. */
static int build_query(void *ctx, const uint8_t **head, size_t *head_len, const uint8_t **body, size_t *body_len)
{
    const run_t *r = ctx;
    s.req = mbedtls_calloc(1, REQ_SIZE);
    if (s.req == NULL) {
        return BUILD_NO_MEMORY;
    }
    char *tail = s.req + QUERY_HEAD_MAX + 1u; /* CFG_PAT_MAX + 1 bytes: the project, then ":" + the PAT */
    out_t o = {s.req, QUERY_HEAD_MAX + 1u, 0, false};
    out(&o, "GET ");
    out_cfg(&o, CFG_PATH_PREFIX);
    out(&o, "/");
    out_cfg(&o, CFG_ORG);
    out(&o, "/");
    for (const char *p = cfg_str(CFG_PROJECT, tail, CFG_BUF(PROJECT)); *p != '\0'; p++) {
        out(&o, *p == ' ' ? "%%20" : "%c", *p); /* the only byte of a project name URLs escape */
    }
    out(&o, "/_apis/build/builds?tagFilters=%s&queryOrder=queueTimeAscending&$top=1&api-version=7.1 HTTP/1.1\r\n"
        "Host: ", r->id);
    out_cfg(&o, CFG_HOST);
    uint16_t port = (uint16_t)cfg_u32(CFG_PORT);
    if (port != 443) {
        out(&o, ":%u", (unsigned)port);
    }
    out(&o, "\r\nAuthorization: Basic ");
    size_t pat_len = 0, b64 = 0;
    tail[0] = ':';
    if (!cfg_pat(tail + 1, CFG_PAT_MAX, &pat_len)) {
        return BUILD_NO_PAT;
    }
    if (o.over || mbedtls_base64_encode((unsigned char *)o.buf + o.len, o.size - o.len, &b64,
                                        (const unsigned char *)tail, pat_len + 1u) != 0) {
        o.over = true;
    } else {
        o.len += b64;
    }
    cfg_wipe(tail, CFG_PAT_MAX + 1u);
    out(&o, "\r\nAccept: application/json\r\nUser-Agent: pipebutton/%s\r\n\r\n", PB_VERSION);
    if (o.over) {
        return BUILD_TOO_BIG;
    }
    *head = (const uint8_t *)s.req;
    *head_len = o.len;
    *body = NULL;
    *body_len = 0;
    return 0;
}

static void on_body(void *ctx, const uint8_t *data, size_t len)
{
    builds_reader_feed(ctx, data, len);
}

static void start_poll(unsigned i)
{
    char host[CFG_BUF(HOST)];
    uint64_t now_ms = 0;
    (void)wallclock_now(&now_ms);
    builds_reader_init(&s.reader);
    s.polling = (int)i;
    s.yielding = false;
    s.polls++;
    https_request_t req = {
        .host = CFG_GET_STR(HOST, host),
        .port = (uint16_t)cfg_u32(CFG_PORT),
        .build = build_query,
        .ctx = &s.runs[i],
        .on_body = on_body,
        .body_ctx = &s.reader,
        .now_utc_s = now_ms / 1000u,
    };
    https_start(&req);
}

/* ------------------------------------------------------------ answers */

/* The poll told nothing new: the next one, a poll period on. */
static void transient(run_t *r, uint32_t now)
{
    s.failed++;
    r->next_at = now + ms_of(CFG_RUN_POLL_S);
}

static void observe(run_t *r, const builds_reader_t *b, uint32_t now)
{
    run_state_t state;
    switch (b->status) {
    case BUILDS_NOT_STARTED:
    case BUILDS_POSTPONED:
        state = RS_QUEUED;
        break;
    case BUILDS_IN_PROGRESS:
    case BUILDS_CANCELLING:
        state = RS_RUNNING;
        break;
    case BUILDS_COMPLETED:
        state = RS_COMPLETED;
        break;
    default:
        transient(r, now); /* a status Azure does not define: ask again */
        return;
    }
    r->next_at = now + ms_of(CFG_RUN_POLL_S);
    if (state == r->state && b->id == r->build) {
        return;
    }
    r->state = (uint8_t)state;
    r->build = b->id;
    if (state == RS_COMPLETED) {
        r->why = b->result;
        ev_run_completed(r->id, r->build, b->number, builds_result_name((builds_result_t)b->result),
                         b->result == BUILDS_SUCCEEDED || b->result == BUILDS_PARTIALLY_SUCCEEDED);
    } else {
        ev_run_seen(r->id, r->build, b->number, s_state_names[state]);
    }
}

/* No build carries the tag (yet). */
static void not_seen(run_t *r, uint32_t now)
{
    if (r->state != RS_WAITING) {
        transient(r, now); /* seen before: a glitch, not an answer */
        return;
    }
    uint32_t waited = now - r->delivered_at, wait = ms_of(CFG_RUN_WAIT_S), poll = ms_of(CFG_RUN_POLL_S);
    if (waited >= wait) {
        r->state = RS_NOT_STARTED;
        ev_run_not_started(r->id);
        return;
    }
    r->next_at = now + (wait - waited < poll ? wait - waited : poll);
}

static void poll_end(bool answered, uint32_t now)
{
    run_t *r = &s.runs[s.polling];
    unsigned status = 0, retry_after_s = 0;
    int rc = BUILDS_E_END;
    if (answered) {
        const http_response_t *resp = https_response();
        status = resp->status;
        retry_after_s = resp->retry_after_s;
        rc = status == 200 ? builds_reader_finish(&s.reader) : BUILDS_E_END;
    }
    req_free();
    https_end();
    s.polling = -1;
    s.yielding = false;
    if (status == 200 && rc == BUILDS_OK) {
        observe(r, &s.reader, now);
    } else if (status == 200 && rc == BUILDS_EMPTY) {
        not_seen(r, now);
    } else if (status == 401 || status == 403 || status == 203) {
        /* 203: Azure's sign-in page for credentials it does not take */
        lose(r, LOST_UNAUTHORIZED);
    } else if (status == 404) {
        lose(r, LOST_NOT_FOUND);
    } else {
        if ((status == 429 || status == 503) && retry_after_s != 0) {
            s.holding = true;
            s.hold_until = now + retry_after_s * 1000u;
        }
        transient(r, now);
    }
}

static void poll_step(uint32_t now)
{
    switch (https_poll()) {
    case HTTPS_DONE:
        poll_end(true, now);
        return;
    case HTTPS_FAILED:
        poll_end(false, now);
        return;
    default:
        break;
    }
    if (!delivery_due()) {
        s.yielding = false;
    } else if (!s.yielding) {
        s.yielding = true;
        s.yield_at = now;
    } else if ((uint32_t)(now - s.yield_at) >= RUNS_YIELD_MS) {
        https_abort(); /* the trigger goes first, on a new connection */
        poll_end(false, now);
    }
}

/* ------------------------------------------------------------ the task */

/* Not inlined into main(), whose frame lies under every TLS handshake (the
 * deepest the stack goes): start_poll's host name need not be in it. */
__attribute__((noinline)) void runs_task(void)
{
    uint32_t now = hal_millis();
    if (s.polling >= 0) {
        poll_step(now);
        return;
    }
    if (!s.enabled) {
        return;
    }
    uint32_t follow = ms_of(CFG_RUN_FOLLOW_S);
    int due = -1;
    for (unsigned i = 0; i < s.count; i++) {
        run_t *r = &s.runs[i];
        if (!active(r)) {
            continue;
        }
        if ((uint32_t)(now - r->delivered_at) >= follow) {
            lose(r, LOST_TIMEOUT);
        } else if ((int32_t)(now - r->next_at) >= 0 &&
                   (due < 0 || (int32_t)(r->next_at - s.runs[due].next_at) < 0)) {
            due = (int)i;
        }
    }
    if (s.holding && (int32_t)(now - s.hold_until) < 0) {
        return;
    }
    s.holding = false;
    /* Deliveries first: a due trigger or an attempt under way holds polls back. */
    if (due < 0 || delivery_busy() || !https_idle() || !net_is_up() || delivery_due()) {
        return;
    }
    start_poll((unsigned)due);
}

/* ------------------------------------------------------------ set-up */

static void on_config(const char *key)
{
    if (key != NULL && strcmp(key, "project") != 0 && strcmp(key, "pat") != 0) {
        return;
    }
    s.enabled = cfg_is_set("project") && cfg_is_set("pat");
    if (s.enabled) {
        return;
    }
    /* Nothing of spec section 8 happens now: the followed runs are
     * forgotten (the finished ones stay listed). */
    if (s.polling >= 0) {
        https_abort();
        req_free();
        s.polling = -1;
    }
    for (unsigned i = s.count; i-- > 0;) {
        if (active(&s.runs[i])) {
            drop(i);
        }
    }
}

void runs_init(void)
{
    req_free();
    memset(&s, 0, sizeof s);
    s.polling = -1;
    cfg_add_listener(on_config);
    on_config(NULL);
}
