/* `queue`, `queue retry <runId>|all`, `queue drop <runId>` (spec section 2). */
#include <string.h>

#include "cmd.h"
#include "commands.h"
#include "console.h"
#include "delivery.h"
#include "hal_time.h"
#include "payload.h"
#include "queue.h"

#define RUN_ID_MAX (PAYLOAD_ID_MAX + 24u)

static const char USAGE[] = "usage: queue [retry <runId>|all | drop <runId>]";

static void list(void)
{
    char id[RUN_ID_MAX], last[8];
    queue_sched_t q;
    queue_summary_t sum;
    uint32_t now = hal_millis();
    for (unsigned i = 0; i < queue_count(); i++) {
        if (queue_peek(i, &q, &sum) != QUEUE_OK) {
            memcpy(sum.action, "unreadable", sizeof "unreadable");
        }
        int32_t left = (int32_t)(q.next_at - now);
        queue_run_id(&sum, id, sizeof id);
        con_info("id=%s action=%s attempts=%u next_in_ms=%ld last=%s", id, sum.action, (unsigned)q.attempts,
                 (long)(left > 0 && !q.in_flight ? left : 0), delivery_last_name(&q, last));
    }
    con_ok(NULL);
}

static void retry(const char *id)
{
    unsigned n = 0;
    bool all = strcmp(id, "all") == 0;
    int one = all ? -1 : queue_find(id);
    queue_sched_t q;
    for (unsigned i = 0; i < queue_count(); i++) {
        if ((all || (int)i == one) && queue_peek(i, &q, NULL) == QUEUE_OK && !q.in_flight) {
            queue_set_due(i, hal_millis());
            n++;
        }
    }
    if (!all && one < 0) {
        con_err("bad-argument", "no pending trigger %s", id);
    } else {
        con_ok("count=%u", n);
    }
}

static void drop(const char *id)
{
    int i = queue_find(id);
    if (i < 0) {
        con_err("bad-argument", "no pending trigger %s", id);
        return;
    }
    switch (queue_remove((unsigned)i, QUEUE_DONE_DROPPED)) {
    case QUEUE_OK:
        con_ok(NULL);
        break;
    case QUEUE_BUSY:
        con_err("busy", "%s is being sent; try again when its attempt ends", id);
        break;
    default:
        con_err("storage", "%s is dropped until reset, but the queue memory did not take the change", id);
        break;
    }
}

void cmd_queue(const char *args)
{
    char verb[8], id[RUN_ID_MAX];
    const char *rest = cmd_word(args, verb, sizeof verb);
    if (rest == NULL) {
        con_err("bad-argument", "%s", USAGE);
        return;
    }
    if (verb[0] == '\0') {
        list();
        return;
    }
    if (cmd_word(rest, id, sizeof id) == NULL || id[0] == '\0') {
        con_err("bad-argument", "%s", USAGE);
    } else if (strcmp(verb, "retry") == 0) {
        retry(id);
    } else if (strcmp(verb, "drop") == 0) {
        drop(id);
    } else {
        con_err("bad-argument", "%s", USAGE);
    }
}
