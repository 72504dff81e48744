/*
 * Following pipeline runs (spec section 8): after EVT delivered, the run that
 * the trigger started is looked for in the Builds API (the build tagged with
 * the trigger's runId) every run.poll_s until it completes, and each change
 * is announced (EVT run ...).  Only while `project` and `pat` are both set.
 *
 * One poll is one GET of the spec's query through the HTTPS exchange
 * (https.h), the same one-at-a-time client delivery uses, reusing its
 * kept-alive connection; the answer streams through builds_reader.h.
 * Deliveries come first: a poll starts only when no attempt runs and no
 * trigger is due (delivery_due()); a trigger that falls due while a poll is
 * under way waits for that poll's answer (one round trip, and the connection
 * it shares is then already open) but never more than RUNS_YIELD_MS: then
 * the poll is dropped and its connection closed.
 *
 * How a poll ends:
 *   200, the build                the run's state; an event when it changed
 *   200, no build yet             state=not-started once run.wait_s has
 *                                 passed since EVT delivered, else a poll
 *                                 again (at the latest when run.wait_s ends)
 *   401, 403, 203 (a sign-in page) state=lost reason=unauthorized
 *   404                           state=lost reason=not-found
 *   429 or 503 with Retry-After   no poll of any run before it has passed
 *   anything else (DNS, TCP, TLS, a timeout, 5xx, another status, an answer
 *   that is not a list of builds) the next poll, run.poll_s later
 * and run.follow_s after EVT delivered a run still followed is lost
 * (reason=timeout).  At most RUNS_FOLLOWED runs are followed at once; the
 * next delivered trigger drops the oldest (reason=capacity).  RAM only.
 */
#ifndef RUNS_H
#define RUNS_H

#include <stdbool.h>
#include <stdint.h>

/* Runs followed at once (spec: at least 4). */
#define RUNS_FOLLOWED 4u
/* Runs kept for the `run` command: those followed and the latest finished
 * (at least RUNS_KEPT - RUNS_FOLLOWED of them). */
#define RUNS_KEPT 8u
/* The longest a due trigger waits for a poll already under way. */
#define RUNS_YIELD_MS 1000u

void runs_init(void);
void runs_task(void);

/* A trigger was delivered (EVT delivered): follow the run it started. */
void runs_delivered(const char *run_id);

/* Whether any run is being followed (the run-running LED). */
bool runs_following(void);

/* One run as `run` lists it, oldest first: state is waiting (no build
 * seen yet), queued, running, completed, not-started or lost; build 0 when
 * none was seen; result NULL unless completed; reason NULL unless lost. */
typedef struct {
    const char *run_id;
    uint32_t build;
    const char *state;
    const char *result;
    const char *reason;
} runs_info_t;
bool runs_get(unsigned index, runs_info_t *info);

/* Polls started since boot, and those that ended without an answer the run
 * could use (a transient failure). */
uint32_t runs_polls(void);
uint32_t runs_polls_failed(void);

#endif
