#!/usr/bin/env python3
"""pipebutton's port guard: the first step of an Azure Pipelines run that a
pipebutton device (or Port) started through an Azure DevOps incoming webhook.
pipelines/port-guard.yml runs it (this file is copied into that template by
tools/gen-port-guard.py); it needs Python 3.8 or later and nothing else.

What it does, in order:

 1. Takes the trigger's port_context.runId and port_context.trigger.at from
    PB_RUN_ID and PB_TRIGGER_AT (the template fills them from the webhook
    resource's parameters through env, never into script text).  A runId must
    be 1 to 64 of A-Z a-z 0-9 _ - (a device's is <device_id>-<boot>-<seq>).
    A run with neither, queued by a person (Build.Reason Manual), goes ahead
    with a warning unless --manual-runs false; any other run without them is
    refused.
 2. Tags the build with the runId (build.addbuildtag), so that the device
    following the run finds it (spec section 8 of device-interface.md).
 3. Refuses a stale trigger: one pressed more than --max-age seconds (600)
    before Azure queued this run, or more than --max-future seconds (60)
    after.  The payload is signed, so `at` cannot be changed: a captured
    request replayed later than that is refused.  The reference is the
    build's queueTime (Azure's clock when the webhook call arrived, read from
    the Builds API), not the agent's clock, so a run that waited for a free
    agent is not refused for the wait, and a job re-run later is judged as
    its first run was.
 4. Ends a duplicate: when another build of this pipeline (definition)
    already carries the runId's tag and was not itself stopped by this guard
    (marked with one of the port-guard-* tags below), this run deploys
    nothing.  A delivery the device retried because its answer was lost, or
    a replay within the --max-age window, thus starts one deployment, not
    two.  --on-duplicate says how the run ends:
      cancel (default)  the run cancels itself through the Builds API and
                        shows as canceled (needs "Stop builds" for the build
                        service identity; without it the run fails instead)
      fail              the step fails: the run shows as failed
      skip              the step succeeds with output proceed=false; later
                        steps and jobs must check it (see the template)
 5. Otherwise: output variables proceed=true, verdict=fresh, runId.

When in doubt it does not deploy.  Builds API answers:
  401, 203 (token not accepted), 403 (no "View builds"), 404 (project or
  collection URI wrong), other 4xx ......... refused at once (exit 6)
  429 and 5xx, timeouts, connection errors .. retried --attempts times (4),
                                             waiting Retry-After or 2, 4, 8 s
                                             (at most --retry-cap, 30 s),
                                             then refused (exit 6)
Two builds of one runId whose guards run within the same second or two may
both see the other and both stop (nothing deploys; press again), but never
both go ahead unless neither can see the other's tag yet; a job that holds
an exclusive lock (an environment with the Exclusive Lock check) runs the
guards one after the other and closes that gap.

Every run the guard stops carries a tag saying why: port-guard-refused (bad
or missing trigger fields), port-guard-stale, port-guard-duplicate,
port-guard-unchecked (the Builds API could not be asked).  Such a build does
not count as "the earlier build" for later duplicates.

Exit codes: 0 go ahead (and skip-mode duplicates: proceed=false), 1 internal
error, 2 usage or agent environment, 3 trigger fields missing or malformed,
4 stale, 5 duplicate, 6 the Builds API could not be asked.

Environment (the agent sets all but the first three; the template maps
System.AccessToken, which the agent does not export by itself):
  PB_RUN_ID, PB_TRIGGER_AT, SYSTEM_ACCESSTOKEN, SYSTEM_COLLECTIONURI,
  SYSTEM_TEAMPROJECTID (or SYSTEM_TEAMPROJECT), SYSTEM_DEFINITIONID,
  BUILD_BUILDID, BUILD_REASON.  HTTPS goes through HTTPS_PROXY when set and
  trusts the system's CAs (SSL_CERT_FILE to add one).
"""

import argparse
import calendar
import email.utils
import http.client
import json
import os
import re
import socket
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

EXIT_GO, EXIT_ERROR, EXIT_USAGE, EXIT_REFUSED, EXIT_STALE, EXIT_DUPLICATE, EXIT_UNCHECKED = range(7)

TAG_REFUSED = "port-guard-refused"
TAG_STALE = "port-guard-stale"
TAG_DUPLICATE = "port-guard-duplicate"
TAG_UNCHECKED = "port-guard-unchecked"
STOP_TAGS = frozenset((TAG_REFUSED, TAG_STALE, TAG_DUPLICATE, TAG_UNCHECKED))

API_VERSION = "7.1"
RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
                   r"(?:([Zz])|([+-])(\d{2}):(\d{2}))")
MAX_PAGES = 20


# ---------------------------------------------------------------------------
# Pure logic

def parse_time(text):
    """An RFC 3339 / ISO 8601 date-time with seconds and a zone (Z or
    +hh:mm), fractions of up to 9 digits -> seconds since 1970 (float).
    Raises ValueError for anything else (no zone: ambiguous)."""
    m = _TIME.fullmatch(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"not an ISO 8601 UTC time: {describe_value(text)}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]
            and hour <= 23 and minute <= 59 and second <= 59):
        raise ValueError(f"no such time: {text.strip()}")
    frac = m.group(7) or ""
    epoch = calendar.timegm((year, month, day, hour, minute, second)) + (int(frac) / 10 ** len(frac)
                                                                       if frac else 0.0)
    if m.group(9):
        oh, om = int(m.group(10)), int(m.group(11))
        if oh > 23 or om > 59:
            raise ValueError(f"bad zone offset in {text.strip()}")
        epoch -= (1 if m.group(9) == "+" else -1) * (oh * 3600 + om * 60)
    return epoch


def describe_value(value, limit=40):
    """A short, safe description of an untrusted value for the log: it is
    never echoed whole (it could be anything a payload carried)."""
    if value is None:
        return "nothing"
    text = str(value)
    shown = "".join(c if c.isalnum() or c in "-_.:+ " else "?" for c in text[:limit])
    return f"'{shown}'{'...' if len(text) > limit else ''} ({len(text)} characters)"


def check_age(at, reference, max_age, max_future):
    """(ok, age in seconds, why) of a trigger pressed at `at` and queued at
    `reference` (seconds since 1970).  max_age 0: no limit on age."""
    age = reference - at
    if age < -max_future:
        return False, age, (f"pressed {-age:.1f} s after this run was queued (more than "
                            f"{max_future:g} s: a clock is wrong)")
    if max_age and age > max_age:
        return False, age, f"pressed {age:.1f} s before this run was queued (limit {max_age:g} s)"
    return True, age, ""


def earlier_builds(builds, own_id, tag):
    """The builds of `builds` (Builds API objects) other than `own_id` that
    carry `tag` and were not stopped by this guard, oldest first."""
    out = []
    for b in builds:
        tags = b.get("tags") or []
        if b.get("id") == own_id or tag not in tags or STOP_TAGS.intersection(tags):
            continue
        out.append(b)
    return sorted(out, key=lambda b: (b.get("queueTime") or "", b.get("id") or 0))


def retry_after_seconds(value, now):
    """A Retry-After value (seconds or an HTTP date) -> seconds, or None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def describe_build(b):
    result = b.get("result")
    return (f"#{b.get('buildNumber', '?')} (id {b.get('id', '?')}, {b.get('status', '?')}"
            f"{', ' + result if result and result != 'none' else ''})")


# ---------------------------------------------------------------------------
# Azure Pipelines logging commands

def _escape(text, prop=False):
    text = str(text).replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(";", "%3B").replace("]", "%5D") if prop else text


class Log:
    """Lines for the agent: plain text and ##vso logging commands."""

    def __init__(self, out):
        self.out = out

    def say(self, text):
        print(f"port guard: {text}", file=self.out, flush=True)

    def issue(self, kind, text):
        print(f"##vso[task.logissue type={kind}]port guard: {_escape(text)}", file=self.out, flush=True)

    def tag(self, tag):
        print(f"##vso[build.addbuildtag]{_escape(tag, prop=True)}", file=self.out, flush=True)

    def output(self, name, value):
        print(f"##vso[task.setvariable variable={name};isOutput=true]{_escape(value)}",
              file=self.out, flush=True)


# ---------------------------------------------------------------------------
# The Builds API

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: following it would send the token elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class ApiError(Exception):
    def __init__(self, message, status=None, transient=False):
        super().__init__(message)
        self.status, self.transient = status, transient
        self.retry_after = None         # the Retry-After header of a 429 or 503


class BuildsApi:
    """The Builds API of this run's project, with the job's access token."""

    def __init__(self, collection_uri, project, token, timeout=20.0, attempts=4, retry_cap=30.0,
                 log=None, sleep=time.sleep, clock=time.time):
        self.base = collection_uri.rstrip("/") + "/" + urllib.parse.quote(project, safe="") + \
            "/_apis/build/builds"
        self.token = token
        self.timeout, self.attempts, self.retry_cap = timeout, max(1, attempts), retry_cap
        self.log, self.sleep, self.clock = log, sleep, clock
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=ssl.create_default_context()), _NoRedirect)
        self.calls = 0

    def url(self, suffix="", **query):
        query["api-version"] = API_VERSION
        return self.base + suffix + "?" + urllib.parse.urlencode(query, safe="$,")

    def _once(self, method, url, body):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/json",
            "User-Agent": "pipebutton-port-guard/1"})
        if data is not None:
            req.add_header("Content-Type", "application/json")
        self.calls += 1
        try:
            with self.opener.open(req, timeout=self.timeout) as r:
                status, headers, raw = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            try:
                raw = e.read()
            except (OSError, http.client.HTTPException):
                raw = b""
            err = ApiError(f"HTTP {e.code}: {_service_message(raw) or e.reason}", e.code,
                           e.code == 429 or e.code >= 500)
            err.retry_after = e.headers.get("Retry-After") if e.headers is not None else None
            raise err from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, ssl.SSLCertVerificationError):
                raise ApiError(f"the server's certificate is not trusted: {e.reason.verify_message}") from None
            raise ApiError(f"cannot reach the Builds API: {e.reason}", transient=True) from None
        except (socket.timeout, TimeoutError, ConnectionError, http.client.HTTPException, ssl.SSLError,
                OSError) as e:
            raise ApiError(f"connection failed: {type(e).__name__}: {e}", transient=True) from None
        if status == 203:
            raise ApiError("HTTP 203 (a sign-in page): the access token was not accepted", 203)
        try:
            return json.loads(raw.decode("utf-8")), headers
        except (UnicodeDecodeError, ValueError):
            raise ApiError(f"HTTP {status} with a body that is not JSON ({len(raw)} bytes)", status,
                           transient=True) from None

    def call(self, method, url, body=None):
        """(JSON document, headers), retrying what may heal.  ApiError."""
        for attempt in range(1, self.attempts + 1):
            try:
                return self._once(method, url, body)
            except ApiError as e:
                if not e.transient or attempt == self.attempts:
                    raise
                wait = None
                if e.status in (429, 503):
                    wait = retry_after_seconds(e.retry_after, self.clock())
                wait = min(self.retry_cap, 2.0 ** attempt if wait is None else wait)
                if self.log:
                    self.log.say(f"{method} failed ({e}); attempt {attempt + 1} of "
                                 f"{self.attempts} in {wait:g} s")
                self.sleep(wait)
        raise AssertionError("unreachable")

    def build(self, build_id):
        return self.call("GET", self.url(f"/{build_id}"))[0]

    def tagged(self, definition_id, tag):
        """Every build of the definition that carries `tag`, oldest first."""
        out, token = [], None
        for _ in range(MAX_PAGES):
            query = {"definitions": definition_id, "tagFilters": tag,
                     "queryOrder": "queueTimeAscending", "$top": 100}
            if token:
                query["continuationToken"] = token
            doc, headers = self.call("GET", self.url(**query))
            value = doc.get("value") if isinstance(doc, dict) else None
            if not isinstance(value, list):
                raise ApiError("the build list has no `value` array")
            out += [b for b in value if isinstance(b, dict)]
            token = headers.get("x-ms-continuationtoken")
            if not token:
                return out
        raise ApiError(f"more than {MAX_PAGES} pages of builds tagged {tag}")

    def cancel(self, build_id):
        return self.call("PATCH", self.url(f"/{build_id}"), {"status": "cancelling"})[0]


def _service_message(raw):
    """Azure's error message from a JSON envelope, else None."""
    try:
        doc = json.loads(raw.decode("utf-8"))
        msg = doc.get("message") if isinstance(doc, dict) else None
        return " ".join(str(msg).split())[:300] if msg else None
    except (UnicodeDecodeError, ValueError):
        return None


# ---------------------------------------------------------------------------
# The run

def _boolean(text):
    """true/false in any case (a template renders a boolean as True/False)."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="port_guard.py", description=(
        "The first step of a pipeline that a pipebutton device starts: tags the build with the "
        "trigger's runId, refuses stale triggers and ends duplicates (see the module's doc)."))
    p.add_argument("--max-age", type=float, default=600.0, metavar="S",
                   help="refuse a trigger pressed more than S seconds before the run was queued "
                        "(default 600; 0: no limit)")
    p.add_argument("--max-future", type=float, default=60.0, metavar="S",
                   help="refuse a trigger pressed more than S seconds after the run was queued (default 60)")
    p.add_argument("--on-duplicate", choices=("cancel", "fail", "skip"), default="cancel")
    p.add_argument("--duplicate-check", dest="duplicates", type=_boolean, default=True, metavar="BOOL",
                   help="true (default): end duplicates; false: tag and check the age only")
    p.add_argument("--manual-runs", dest="manual", type=_boolean, default=True, metavar="BOOL",
                   help="true (default): a run that no trigger started goes ahead; false: refused")
    p.add_argument("--attempts", type=int, default=4, help="Builds API attempts per call (default 4)")
    p.add_argument("--retry-cap", type=float, default=30.0, metavar="S",
                   help="the longest wait between attempts (default 30)")
    p.add_argument("--timeout", type=float, default=20.0, metavar="S", help="per request (default 20)")
    p.add_argument("--cancel-wait", type=float, default=120.0, metavar="S",
                   help="how long to wait for the agent to stop a cancelled run before failing it")
    a = p.parse_args(argv)
    if a.max_age < 0 or a.max_future < 0 or a.attempts < 1 or a.retry_cap < 0 or a.timeout <= 0 \
            or a.cancel_wait < 0:
        p.error("the numbers must not be negative (--attempts and --timeout at least 1 and > 0)")
    return a


def run(args, env, log, now=time.time, sleep=time.sleep, api=None):
    """The guard's decision; returns the exit code."""
    run_id = env.get("PB_RUN_ID", "").strip()
    at_text = env.get("PB_TRIGGER_AT", "").strip()
    reason = env.get("BUILD_REASON", "")

    def stop(code, tag, kind, text, verdict):
        if tag:
            log.tag(tag)
        log.issue(kind, text)
        log.output("proceed", "false")
        log.output("verdict", verdict)
        return code

    if not run_id and not at_text:
        if reason == "Manual" and args.manual:
            log.issue("warning", "no trigger (runId and trigger.at are empty) and the run was queued "
                                 "by a person: no checks, going ahead")
            log.output("proceed", "true")
            log.output("verdict", "manual")
            return EXIT_GO
        return stop(EXIT_REFUSED, None, "error",
                    f"no trigger: port_context.runId and port_context.trigger.at are empty (Build.Reason "
                    f"{describe_value(reason)}); pass them to the template from the webhook resource's "
                    "parameters", "refused")
    if not RUN_ID.fullmatch(run_id):
        return stop(EXIT_REFUSED, None, "error",
                    f"port_context.runId is {describe_value(run_id)}, not 1 to 64 of A-Z a-z 0-9 _ -: "
                    "refused (and not used as a tag)", "refused")
    log.tag(run_id)
    log.output("runId", run_id)
    log.say(f"runId {run_id}: tagged")
    try:
        at = parse_time(at_text)
    except ValueError as e:
        return stop(EXIT_REFUSED, TAG_REFUSED, "error", f"port_context.trigger.at: {e}: refused", "refused")

    missing = [k for k in ("SYSTEM_ACCESSTOKEN", "SYSTEM_COLLECTIONURI", "BUILD_BUILDID", "SYSTEM_DEFINITIONID")
               if not env.get(k)]
    project = env.get("SYSTEM_TEAMPROJECTID") or env.get("SYSTEM_TEAMPROJECT")
    if missing or not project:
        hint = (" (map it into the step: env SYSTEM_ACCESSTOKEN from System.AccessToken, as "
                "pipelines/port-guard.yml does)" if "SYSTEM_ACCESSTOKEN" in missing else "")
        return stop(EXIT_USAGE, TAG_UNCHECKED, "error",
                    f"not set: {', '.join(missing + ([] if project else ['SYSTEM_TEAMPROJECTID']))}{hint}",
                    "unchecked")
    if not env["BUILD_BUILDID"].isdigit() or not env["SYSTEM_DEFINITIONID"].isdigit():
        return stop(EXIT_USAGE, TAG_UNCHECKED, "error", "BUILD_BUILDID and SYSTEM_DEFINITIONID must be "
                    "numbers", "unchecked")
    own_id = int(env["BUILD_BUILDID"])
    if api is None:
        api = BuildsApi(env["SYSTEM_COLLECTIONURI"], project, env["SYSTEM_ACCESSTOKEN"],
                        timeout=args.timeout, attempts=args.attempts, retry_cap=args.retry_cap,
                        log=log, sleep=sleep, clock=now)

    def unchecked(e, what):
        fix = {401: "the job's access token was refused (map System.AccessToken into the step)",
               203: "the job's access token was refused (map System.AccessToken into the step)",
               403: "the build service identity may not read builds here (allow it View builds)",
               404: "no such project or collection (SYSTEM_COLLECTIONURI, SYSTEM_TEAMPROJECTID)"}
        hint = fix.get(e.status, "the Builds API did not answer")
        return stop(EXIT_UNCHECKED, TAG_UNCHECKED, "error",
                    f"{what}: {e}: {hint}; not deploying rather than risking a second deployment "
                    "of one press", "unchecked")

    try:
        own = api.build(own_id)
    except ApiError as e:
        return unchecked(e, f"reading this build ({own_id})")
    queued = None
    if isinstance(own, dict) and isinstance(own.get("queueTime"), str):
        try:
            queued = parse_time(own["queueTime"])
        except ValueError:
            queued = None
    if queued is None:
        queued = now()
        log.issue("warning", "this build has no readable queueTime: the trigger's age is taken "
                             "against the agent's clock")
    ok, age, why = check_age(at, queued, args.max_age, args.max_future)
    if not ok:
        return stop(EXIT_STALE, TAG_STALE, "error",
                    f"runId {run_id}: stale trigger, {why}: refused (a replayed request, or a clock "
                    "or queue far behind)", "stale")
    log.say(f"runId {run_id}: pressed {age:.1f} s before this run was queued (limit "
            f"{args.max_age:g} s)")

    if args.duplicates:
        try:
            tagged = api.tagged(int(env["SYSTEM_DEFINITIONID"]), run_id)
        except ApiError as e:
            return unchecked(e, "looking for other builds of this runId")
        others = earlier_builds(tagged, own_id, run_id)
        if others:
            first = others[0]
            text = (f"runId {run_id} already started build {describe_build(first)} of this pipeline: "
                    "this run is a duplicate (a retried or replayed delivery) and deploys nothing")
            log.tag(TAG_DUPLICATE)
            log.output("proceed", "false")
            log.output("verdict", "duplicate")
            if args.on_duplicate == "skip":
                log.issue("warning", text + "; proceed=false")
                return EXIT_GO
            if args.on_duplicate == "fail":
                log.issue("error", text)
                return EXIT_DUPLICATE
            log.issue("warning", text + "; cancelling this run")
            try:
                api.cancel(own_id)
            except ApiError as e:
                log.issue("error", f"could not cancel this run ({e}): failing it instead (allow the build "
                                   "service identity Stop builds, or use onDuplicate fail or skip)")
                return EXIT_DUPLICATE
            log.say(f"cancellation requested; waiting up to {args.cancel_wait:g} s for the agent to stop "
                    "this job")
            try:
                sleep(args.cancel_wait)
            except KeyboardInterrupt:
                log.say("stopped by the agent")
                return EXIT_DUPLICATE
            log.issue("error", f"the run was not stopped within {args.cancel_wait:g} s of its "
                               "cancellation: failing it so that nothing after this step runs")
            return EXIT_DUPLICATE
        log.say(f"runId {run_id}: no other build of this pipeline carries it")
    log.output("proceed", "true")
    log.output("verdict", "fresh")
    log.say(f"runId {run_id}: going ahead ({api.calls} Builds API calls)")
    return EXIT_GO


def main(argv=None, env=None, out=None):
    out = out or sys.stdout
    log = Log(out)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ) if env is None else env
    try:
        return run(args, env, log)
    except Exception as e:  # a bug must still stop the run, and say so
        if RUN_ID.fullmatch(env.get("PB_RUN_ID", "").strip()):
            log.tag(TAG_UNCHECKED)
        log.issue("error", f"internal error: {type(e).__name__}: {e}")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
