"""The Azure DevOps Builds API as tools/webhook_emulator.py serves it: what a
device following its pipeline run (spec section 8) and the pipeline's own
guard (pipelines/port_guard.py) talk to.  Standard library only.

Routes (below the emulator's path_prefix; matched without regard to case,
as Azure's own links spell them `_apis/build/Builds`):

  GET   /{org}/{project}/_apis/build/builds?api-version=7.1[&tagFilters=a,b]
        [&definitions=1,2][&queryOrder=queueTimeAscending][&$top=N]
        [&continuationToken=T]            -> {"count": n, "value": [build, ...]}
  GET   /{org}/{project}/_apis/build/builds/{id}?api-version=7.1 -> build
  PATCH /{org}/{project}/_apis/build/builds/{id}?api-version=7.1
        body {"status": "cancelling"}     -> build (cancels a run)

`project` is the project's name (any case, URL-encoded) or its id.

Answers, first rule that applies (`verdict` as the request log records it):

  api-version missing, repeated or not 7.1 ........ 400 envelope          bad-api-version
  no Authorization, unknown PAT or token .......... 401 TF400813 envelope  unauthorized
  a revoked PAT ................................... 401 "has expired"      unauthorized
  PAT as Bearer or job token as Basic ............. 401 TF400813 envelope  unauthorized
  project not in this org ......................... 404 TF200016 envelope  project-not-found
  method other than GET (PATCH on one build) ...... 405 envelope          bad-method
  a query value that does not parse ............... 400 envelope          bad-query
  build id not in the project ..................... 404 envelope          build-not-found
  PATCH by a PAT or a token without Stop builds ... 403 envelope          forbidden
  PATCH body other than {"status":"cancelling"} ... 400 envelope          bad-json
  otherwise ....................................... 200                   builds-listed /
                                                                          build-read / build-cancelled

A PAT (Build (Read) scope: GET only) is accepted only as `Authorization:
Basic base64(<any user> ":" PAT)`; a job access token (System.AccessToken)
only as `Bearer <token>`, and it may cancel only when added with
stop_builds=True.  The 401 texts and the TF200016 sentence are Azure's (as
published answers quote them); the 403, 404-build and 400 texts are "-like".  Azure can also answer an
unauthenticated GET with 203 and a sign-in page; that is not emulated here.

Build objects are shaped like Azure's (about 5 KB each: _links, properties,
tags, validationResults, plans, templateParameters, definition with its
project, project, queue with its pool, requestedFor/By, lastChangedBy,
orchestrationPlan, logs, repository, ...), compact JSON.  Members named
`id`, `status`, `result` and `buildNumber` also occur inside nested objects:
Azure's own (definition.id, definition.project.state, queue.pool.id,
logs.id, validationResults[].result) and, in the free-form bags that a
pipeline or an extension fills (properties, templateParameters), ones chosen
to trip a reader that does not track nesting.  `order` = "shuffled" (the
default) shuffles the members of every object differently in every answer;
"azure" keeps Azure's documented order.  Before completion a build has no
`result` member, or `"result":"none"` when its plan says pending_result="none".

Simulated runs: each webhook call the emulator accepts starts the run that
`RunPlan` describes (the first of `plan_runs(...)` if any are queued, else
`run_plan`; None: no builds at all, the default).  Its build is tagged with
the payload's port_context.runId, standing in for the pipeline's first step
(the port guard), and the tag becomes visible `appear_s` after the call
(default: when the job starts, after `queued_s`), as Azure shows a tag added
by a pipeline only once its job runs:

  0 .. queued_s                     notStarted
  .. + running_s                    inProgress
  .. + cancelling_s (canceled only) cancelling
  then                              completed, result = plan.result

RunPlan(starts=False) (or "none") is "no run starts": the call is answered
200 and nothing ever appears, as when a webhook filter does not match.
Time comes from `clock` (time.monotonic unless a test passes its own), so
tests step through a run without sleeping.
"""

import base64
import binascii
import dataclasses
import datetime
import json
import random
import re
import threading
import time
import urllib.parse
import uuid

API_VERSIONS = ("7.1",)
STATUSES = ("notStarted", "postponed", "inProgress", "cancelling", "completed")
RESULTS = ("succeeded", "partiallySucceeded", "failed", "canceled")
QUERY_ORDERS = ("queueTimeAscending", "queueTimeDescending", "startTimeAscending",
                "startTimeDescending", "finishTimeAscending", "finishTimeDescending")
MAX_TOP = 5000

_ROUTE = re.compile(r"/([^/]+)/([^/]+)/_apis/build/builds(?:/([^/]*))?", re.IGNORECASE)
_ORG = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PROJECT = re.compile(r"[A-Za-z0-9._ -]{1,64}")
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]{1,256}")

# Seen in published answers of Azure DevOps (issue threads quoting them).
_PAT_EXPIRED = "Access Denied: The Personal Access Token used has expired."
_NOT_AUTHORIZED = "TF400813: The user '' is not authorized to access this resource."
WWW_AUTHENTICATE = [
    ("WWW-Authenticate", "Bearer authorization_uri=https://login.microsoftonline.com/common"),
    ("WWW-Authenticate", 'Basic realm="https://tfsprodweu5.visualstudio.com/"'),
    ("WWW-Authenticate", "TFS-Federated"),
]

_POOL = {"id": 9, "name": "Azure Pipelines", "isHosted": True}


def envelope(message, type_name, type_key, custom=None):
    """Azure DevOps's JSON error envelope (compact, Azure's member order)."""
    doc = {"$id": "1"}
    if custom is not None:
        doc["customProperties"] = custom
    doc.update({"innerException": None, "message": message, "typeName": type_name,
                "typeKey": type_key, "errorCode": 0, "eventId": 3000})
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def expired_pat_body():
    """Azure's 401 for an expired or revoked PAT, word for word."""
    return envelope(_PAT_EXPIRED, "Microsoft.VisualStudio.Services.Security.AccessCheckException, "
                                  "Microsoft.VisualStudio.Services.WebApi", "AccessCheckException",
                    custom={"Descriptor": None, "IdentityDisplayName": None, "Token": None,
                            "RequestedPermissions": 0,
                            "NamespaceId": "00000000-0000-0000-0000-000000000000"})


def unauthorized_body():
    """Azure's 401 for a request without acceptable credentials."""
    return envelope(_NOT_AUTHORIZED, "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, "
                                     "Microsoft.TeamFoundation.Framework.Server", "UnauthorizedRequestException")


def project_not_found_body(project):
    return envelope(f"TF200016: The following project does not exist: {project}. Verify that the name "
                    "of the project is correct and that the project exists on the specified Azure "
                    "DevOps Server.",
                    "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, "
                    "Microsoft.TeamFoundation.Core.WebApi", "ProjectDoesNotExistWithNameException")


def _build_error(message, key):
    return envelope(message, f"Microsoft.TeamFoundation.Build.WebApi.{key}, "
                             "Microsoft.TeamFoundation.Build2.WebApi", key)


def azure_time(epoch):
    """An Azure DevOps timestamp: UTC, up to 7 fractional digits with trailing
    zeros dropped (as .NET writes them), Z."""
    dt = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    ticks = round((epoch - int(epoch)) * 10_000_000) % 10_000_000
    frac = f"{ticks:07d}".rstrip("0")
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


# ---------------------------------------------------------------------------
# Run plans

@dataclasses.dataclass(frozen=True)
class RunPlan:
    """How a simulated run goes (seconds from the accepted webhook call)."""
    result: str = "succeeded"
    queued_s: float = 2.0
    running_s: float = 5.0
    appear_s: float = None          # the tag shows; None: when the job starts (queued_s)
    cancelling_s: float = 1.0       # `cancelling` before a canceled run completes
    starts: bool = True             # False: "no run starts"
    project: str = None             # None: the org's first project
    definition: str = "deploy"      # the pipeline's name
    pending_result: str = None      # None: no `result` before completion; "none": "result":"none"

    def __post_init__(self):
        if self.result not in RESULTS:
            raise ValueError(f"run plan: result {self.result!r} is not one of {', '.join(RESULTS)}")
        for name in ("queued_s", "running_s", "cancelling_s"):
            if not 0 <= getattr(self, name) <= 86400:
                raise ValueError(f"run plan: {name} must be 0..86400")
        if self.appear_s is not None and not 0 <= self.appear_s <= 86400:
            raise ValueError("run plan: appear_s must be 0..86400")
        if self.pending_result not in (None, "none"):
            raise ValueError('run plan: pending_result is None or "none"')

    @property
    def appears_at(self):
        return self.queued_s if self.appear_s is None else self.appear_s

    def describe(self):
        if not self.starts:
            return "no run starts"
        steps = [f"notStarted {self.queued_s:g} s", f"inProgress {self.running_s:g} s"]
        if self.result == "canceled":
            steps.append(f"cancelling {self.cancelling_s:g} s")
        tag = "" if self.appear_s is None else f", tag after {self.appear_s:g} s"
        return f"{', '.join(steps)}, then {self.result}{tag}"

    @classmethod
    def parse(cls, spec):
        """"failed,queued=2,running=5[,appear=0][,cancelling=1][,project=P]
        [,pending=none]" or "none" (no run starts) -> RunPlan.  ValueError."""
        text = str(spec).strip()
        if text == "none":
            return cls(starts=False)
        parts = text.split(",")
        kw = {"result": parts[0].strip()}
        names = {"queued": "queued_s", "running": "running_s", "appear": "appear_s",
                 "cancelling": "cancelling_s", "project": "project", "definition": "definition",
                 "pending": "pending_result"}
        for p in parts[1:]:
            k, sep, v = p.strip().partition("=")
            if not sep or k not in names:
                raise ValueError(f"run plan {text!r}: unknown option {p!r}")
            if k in ("project", "definition", "pending"):
                kw[names[k]] = v
            else:
                try:
                    kw[names[k]] = float(v)
                except ValueError:
                    raise ValueError(f"run plan {text!r}: {k} needs a number") from None
        return cls(**kw)


NO_RUN = RunPlan(starts=False)


@dataclasses.dataclass(frozen=True)
class BuildInfo:
    """A snapshot of one build as the API would show it now."""
    id: int
    number: str
    org: str
    project: str
    definition_id: int
    definition: str
    tags: tuple                 # as visible now
    status: str
    result: str                 # None before completion
    run_id: str                 # the runId it was tagged with (None: untagged)
    webhook: str                # the webhook whose call started it (None: add_build)
    plan: RunPlan
    cancel_requested: bool
    reason: str
    queue_time: float           # seconds since 1970, as queueTime shows it


class _Project:
    def __init__(self, org, name, pid):
        self.org, self.name, self.id = org, name, pid
        self.revision = 400 + len(name)
        self.repo_id = str(uuid.uuid5(uuid.UUID(pid), "repo"))


class _Build:
    def __init__(self, bid, number, project, definition, tags, reason, plan, created, created_wall,
                 webhook=None, run_id=None, status=None, result=None):
        self.id, self.number, self.project, self.definition = bid, number, project, definition
        self.tags = list(tags)
        self.reason, self.plan = reason, plan
        self.created, self.created_wall = created, created_wall
        self.webhook, self.run_id = webhook, run_id
        status = status or "completed"
        self.static = (status, (result or "succeeded") if status == "completed" else None)
        self.cancel_at = None
        self.plan_id = str(uuid.uuid4())
        self.source_version = uuid.uuid4().hex + uuid.uuid4().hex[:8]

    def phase(self, now):
        """(status, result, start offset, finish offset, tags visible) at `now`
        (offsets in seconds from creation, None when not reached)."""
        t = now - self.created
        if self.plan is None:
            status, result = self.static
            if self.cancel_at is not None and status != "completed":
                return "completed", "canceled", 0.0, self.cancel_at - self.created, True
            started = status not in ("notStarted", "postponed")
            return status, result, 0.0 if started else None, 0.0 if status == "completed" else None, True
        p = self.plan
        visible = t >= p.appears_at
        start = p.queued_s if t >= p.queued_s else None
        cancel = None if self.cancel_at is None else self.cancel_at - self.created
        end_running = p.queued_s + p.running_s
        if cancel is not None and cancel < end_running + (p.cancelling_s if p.result == "canceled" else 0):
            if t < cancel:
                pass
            elif t < cancel + p.cancelling_s:
                return "cancelling", None, start, None, visible
            else:
                return "completed", "canceled", start, cancel + p.cancelling_s, visible
        if t < p.queued_s:
            return "notStarted", None, None, None, visible
        if t < end_running:
            return "inProgress", None, start, None, visible
        if p.result == "canceled":
            if t < end_running + p.cancelling_s:
                return "cancelling", None, start, None, visible
            return "completed", "canceled", start, end_running + p.cancelling_s, visible
        return "completed", p.result, start, end_running, visible


class Answer:
    """What the API answers: status, body bytes, extra headers, the verdict
    for the request log and a few facts about the request."""

    def __init__(self, status, body, verdict, detail="", headers=(), **facts):
        self.status, self.body, self.verdict, self.detail = status, body, verdict, detail
        self.headers = list(headers)
        self.facts = facts


def match_route(path, prefix=""):
    """(org, project, build id text or None) when `path` is a Builds API
    route below `prefix`, else None.  The project is URL-decoded."""
    if prefix:
        if not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix):]
    m = _ROUTE.fullmatch(path)
    if not m:
        return None
    return urllib.parse.unquote(m.group(1)), urllib.parse.unquote(m.group(2)), m.group(3)


class BuildsApi:
    """The Builds API's state: projects, credentials, builds, run plans."""

    def __init__(self, clock=None, wallclock=None, api_versions=API_VERSIONS, seed=1):
        self.clock = clock or time.monotonic
        self.wallclock = wallclock or time.time
        self.api_versions = tuple(api_versions)
        self.order = "shuffled"
        self.run_plan = None
        self._lock = threading.RLock()
        self._projects = {}         # (org, name.lower()) -> _Project
        self._pats = {}             # (org, pat) -> "ok" | "revoked"
        self._tokens = {}           # (org, token) -> may stop builds
        self._builds = []
        self._planned = []
        self._definitions = {}      # (org, project id, name) -> id
        self._numbers = {}          # (definition id, day) -> last revision
        self._next_id = 1201
        self._seed = seed
        self._answers = 0

    # -- set-up ------------------------------------------------------------------

    def add_project(self, org, name, project_id=None):
        """Adds a project to `org`; returns its id (a GUID)."""
        if not _ORG.fullmatch(org) or not _PROJECT.fullmatch(name) or name != name.strip():
            raise ValueError(f"bad org/project {org!r}/{name!r}")
        pid = project_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"pipebutton/{org}/{name}"))
        with self._lock:
            self._projects[(org, name.lower())] = _Project(org, name, pid)
        return pid

    def project_id(self, org, name):
        with self._lock:
            return self._projects[(org, name.lower())].id

    def add_pat(self, org, pat):
        """A personal access token of scope Build (Read) in `org`."""
        if not _TOKEN_CHARS.fullmatch(pat):
            raise ValueError("a PAT is 1 to 256 printable ASCII characters")
        with self._lock:
            self._pats[(org, pat)] = "ok"

    def revoke_pat(self, org, pat):
        """From now on the PAT gets Azure's 401 for an expired token."""
        with self._lock:
            self._pats[(org, pat)] = "revoked"

    def remove_pat(self, org, pat):
        with self._lock:
            self._pats.pop((org, pat), None)

    def add_job_token(self, org, token, stop_builds=False):
        """A job access token (System.AccessToken) for `org`, sent as Bearer;
        stop_builds: its build service identity may cancel builds."""
        if not _TOKEN_CHARS.fullmatch(token):
            raise ValueError("a token is 1 to 256 printable ASCII characters")
        with self._lock:
            self._tokens[(org, token)] = bool(stop_builds)

    def plan_runs(self, *plans):
        """Queues plans for the next accepted webhook calls, one each, before
        `run_plan` applies again.  Strings are parsed (RunPlan.parse)."""
        with self._lock:
            self._planned.extend(p if isinstance(p, RunPlan) else RunPlan.parse(p) for p in plans)

    # -- builds ------------------------------------------------------------------

    def _project(self, org, name):
        p = self._projects.get((org, name.lower()))
        if p is None:
            p = next((q for q in self._projects.values() if q.org == org and q.id == name.lower()), None)
        return p

    def _definition(self, project, name):
        key = (project.org, project.id, name)
        if key not in self._definitions:
            self._definitions[key] = 12 + len(self._definitions)
        return {"id": self._definitions[key], "name": name}

    def _new_build(self, project, definition, tags, reason, plan, webhook=None, run_id=None,
                   status=None, result=None, queue_time=None):
        now_wall = self.wallclock() if queue_time is None else queue_time
        day = time.strftime("%Y%m%d", time.gmtime(now_wall))
        d = self._definition(project, definition)
        n = self._numbers[(d["id"], day)] = self._numbers.get((d["id"], day), 0) + 1
        b = _Build(self._next_id, f"{day}.{n}", project, d, tags, reason, plan, self.clock(), now_wall,
                   webhook=webhook, run_id=run_id, status=status, result=result)
        self._next_id += 1
        self._builds.append(b)
        return b

    def add_build(self, org, project, tags=(), definition="deploy", plan=None, status=None,
                  result=None, reason="manual", queue_time=None):
        """Adds a build directly (an earlier run, say): its tags visible at
        once and a fixed status/result (default completed/succeeded), or the
        timeline of `plan` from now.  queue_time: its queueTime (seconds
        since 1970; default now).  Returns its id."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
        if result is not None and result not in RESULTS:
            raise ValueError(f"result {result!r} is not one of {', '.join(RESULTS)}")
        with self._lock:
            p = self._project(org, project)
            if p is None:
                raise KeyError(f"no project {org}/{project}")
            if plan is not None and not isinstance(plan, RunPlan):
                plan = RunPlan.parse(plan)
            return self._new_build(p, definition, tags, reason, plan, status=status, result=result,
                                   queue_time=queue_time).id

    def set_build(self, build_id, status=None, result=None):
        """Changes a build added without a plan."""
        with self._lock:
            b = self._find(build_id)
            if b.plan is not None:
                raise ValueError("build follows a plan; set_build is for fixed builds")
            s = status or b.static[0]
            b.static = (s, (result or "succeeded") if s == "completed" else None)

    def start_run(self, org, webhook, payload):
        """A webhook call was accepted: starts the next planned run.  Returns
        its BuildInfo, or None when no run starts."""
        with self._lock:
            plan = self._planned.pop(0) if self._planned else self.run_plan
            if plan is None or not plan.starts:
                return None
            projects = [p for p in self._projects.values() if p.org == org]
            if plan.project is not None:
                projects = [p for p in projects if p.name.lower() == plan.project.lower()]
            if not projects:
                return None
            pc = payload.get("port_context") if isinstance(payload, dict) else None
            run_id = pc.get("runId") if isinstance(pc, dict) else None
            run_id = run_id if isinstance(run_id, str) and run_id else None
            b = self._new_build(projects[0], plan.definition, [run_id] if run_id else [],
                                "resourceTrigger", plan, webhook=webhook, run_id=run_id)
            return self._info(b, self.clock())

    def _find(self, build_id):
        for b in self._builds:
            if b.id == build_id:
                return b
        raise KeyError(f"no build {build_id}")

    def _info(self, b, now):
        status, result, _, _, visible = b.phase(now)
        return BuildInfo(id=b.id, number=b.number, org=b.project.org, project=b.project.name,
                         definition_id=b.definition["id"], definition=b.definition["name"],
                         tags=tuple(b.tags) if visible else (), status=status, result=result,
                         run_id=b.run_id, webhook=b.webhook, plan=b.plan,
                         cancel_requested=b.cancel_at is not None, reason=b.reason,
                         queue_time=b.created_wall)

    def builds(self, org=None, project=None):
        """Snapshots of every build (oldest first), optionally of one project."""
        with self._lock:
            now = self.clock()
            return [self._info(b, now) for b in self._builds
                    if (org is None or b.project.org == org)
                    and (project is None or b.project.name.lower() == project.lower())]

    def build(self, build_id):
        with self._lock:
            return self._info(self._find(build_id), self.clock())

    # -- answering -----------------------------------------------------------------

    def handle(self, method, route, query, headers, body, host="dev.azure.com"):
        """Answers one request on a route from match_route()."""
        org, project_name, build_text = route
        facts = {"org": org, "project": project_name}
        versions = [v for k, v in query if k == "api-version"]
        if len(versions) != 1 or versions[0] not in self.api_versions:
            msg = (f"The requested REST API version of {','.join(versions) or '(none)'} is not one "
                   f"this server accepts for the Builds API: {', '.join(self.api_versions)}.")
            return Answer(400, envelope(msg, "Microsoft.VisualStudio.Services.WebApi."
                                             "VssVersionOutOfRangeException, Microsoft.VisualStudio."
                                             "Services.WebApi", "VssVersionOutOfRangeException"),
                          "bad-api-version", f"api-version {versions!r}", **facts)
        with self._lock:
            who, scheme, why = self._authenticate(org, headers)
            facts["auth"] = scheme
            if who is None:
                body401 = expired_pat_body() if why == "revoked" else unauthorized_body()
                return Answer(401, body401, "unauthorized", why, headers=WWW_AUTHENTICATE, **facts)
            project = self._project(org, project_name)
            if project is None:
                return Answer(404, project_not_found_body(project_name), "project-not-found",
                              f"no project {project_name!r} in {org}", **facts)
            if build_text is None:
                if method != "GET":
                    return self._bad_method(method, "GET", facts)
                return self._list(project, query, host, facts)
            if method not in ("GET", "PATCH"):
                return self._bad_method(method, "GET, PATCH", facts)
            if not build_text.isdigit() or not build_text.isascii():
                return Answer(400, _build_error(f"The build id '{build_text}' is not a number.",
                                                "InvalidBuildQueryException"),
                              "bad-query", f"build id {build_text!r}", **facts)
            b = next((x for x in self._builds if x.id == int(build_text) and x.project is project), None)
            facts["build_id"] = int(build_text)
            if b is None:
                return Answer(404, _build_error(f"The requested build {build_text} could not be found.",
                                                "BuildNotFoundException"),
                              "build-not-found", f"no build {build_text} in {org}/{project.name}", **facts)
            if method == "GET":
                return self._json(200, self._render(b, self.clock(), host), "build-read",
                                  self._summary([b]), facts)
            return self._cancel(b, who, body, host, facts)

    def _authenticate(self, org, headers):
        """(identity, scheme, why) — identity None when refused."""
        values = [v for k, v in headers if k.lower() == "authorization"]
        if len(values) != 1:
            return None, None, "no Authorization header" if not values else "two Authorization headers"
        scheme, _, cred = values[0].strip().partition(" ")
        cred = cred.strip()
        if scheme.lower() == "basic":
            try:
                user_pass = base64.b64decode(cred, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                return None, "basic", "Basic credentials are not base64 of UTF-8"
            _, colon, pat = user_pass.partition(":")
            state = self._pats.get((org, pat)) if colon else None
            if state == "ok":
                return ("pat", pat), "basic", ""
            if state == "revoked":
                return None, "basic", "revoked"
            if colon and (org, pat) in self._tokens:
                return None, "basic", "a job access token sent as Basic (send it as Bearer)"
            return None, "basic", "unknown PAT"
        if scheme.lower() == "bearer":
            if (org, cred) in self._tokens:
                return ("token", cred), "bearer", ""
            if (org, cred) in self._pats:
                return None, "bearer", "a PAT sent as Bearer (send it as Basic)"
            return None, "bearer", "unknown token"
        return None, scheme.lower() or None, f"unsupported scheme {scheme[:20]!r}"

    def _bad_method(self, method, allow, facts):
        return Answer(405, envelope(f"The requested resource does not support http method '{method}'.",
                                    "Microsoft.VisualStudio.Services.WebApi.MethodNotAllowedException, "
                                    "Microsoft.VisualStudio.Services.WebApi", "MethodNotAllowedException"),
                      "bad-method", f"method {method}", headers=[("Allow", allow)], **facts)

    def _list(self, project, query, host, facts):
        names = [k for k, _ in query]
        for k in ("tagFilters", "definitions", "queryOrder", "$top", "continuationToken"):
            if names.count(k) > 1:
                return self._bad_query(f"{k} given {names.count(k)} times", facts)
        q = dict(query)
        tags = [t.strip() for t in q.get("tagFilters", "").split(",") if t.strip()]
        defs = None
        if "definitions" in q:
            try:
                defs = {int(d) for d in q["definitions"].split(",")}
            except ValueError:
                return self._bad_query(f"definitions {q['definitions']!r}", facts)
        order = q.get("queryOrder", "queueTimeDescending")
        if order not in QUERY_ORDERS:
            return self._bad_query(f"queryOrder {order!r}", facts)
        top = q.get("$top")
        if top is not None and (not top.isdigit() or not top.isascii() or not 1 <= int(top) <= MAX_TOP):
            return self._bad_query(f"$top {top!r}", facts)
        skip = q.get("continuationToken", "0")
        if not skip.isdigit() or not skip.isascii():
            return self._bad_query(f"continuationToken {skip!r}", facts)
        now = self.clock()
        rows = []
        for b in self._builds:
            if b.project is not project or (defs is not None and b.definition["id"] not in defs):
                continue
            status, result, start, finish, visible = b.phase(now)
            shown = b.tags if visible else []
            if all(t in shown for t in tags):
                rows.append((b, start, finish))
        descending = order.endswith("Descending")
        field = order[:-len("Descending")] if descending else order[:-len("Ascending")]
        never = float("inf") if not descending else float("-inf")

        def key(row):
            b, start, finish = row
            t = {"queueTime": 0.0, "startTime": start, "finishTime": finish}[field]
            return (b.created + t if t is not None else never, b.id)

        rows.sort(key=key, reverse=descending)
        first = int(skip)
        limit = int(top) if top is not None else 1000
        page = [r[0] for r in rows[first:first + limit]]
        headers = []
        if first + limit < len(rows):
            headers.append(("x-ms-continuationtoken", str(first + limit)))
        doc_builds = [self._render(b, now, host) for b in page]
        body = (b'{"count":' + str(len(page)).encode() + b',"value":[' +
                b",".join(doc_builds) + b"]}")
        facts.update(count=len(page), tag_filters=tuple(tags))
        return Answer(200, body, "builds-listed", f"count={len(page)} {self._summary(page)}".strip(),
                      headers=headers, **facts)

    def _bad_query(self, what, facts):
        return Answer(400, _build_error(f"The query is not valid: {what}.", "InvalidBuildQueryException"),
                      "bad-query", what, **facts)

    def _cancel(self, b, who, body, host, facts):
        kind, _ = who
        may = kind == "token" and self._tokens.get((b.project.org, who[1]))
        if not may:
            name = ("Project Collection Build Service (%s)" % b.project.org if kind == "token"
                    else "the PAT's user (scope Build (Read))")
            return Answer(403, _build_error(
                f"TF215106: Access denied. {name} needs Stop builds permissions for "
                f"vstfs:///Build/Build/{b.id} in team project {b.project.name} to perform the action.",
                "AccessDeniedException"), "forbidden", f"{kind} may not stop builds", **facts)
        try:
            doc = json.loads(body.decode("utf-8"))
            ok = isinstance(doc, dict) and set(doc) == {"status"} and \
                str(doc["status"]).lower() == "cancelling"
        except (ValueError, UnicodeDecodeError):
            ok = False
        if not ok:
            return Answer(400, _build_error('Only {"status":"cancelling"} is emulated for PATCH.',
                                            "InvalidBuildException"),
                          "bad-json", f"PATCH body {body[:80]!r}", **facts)
        now = self.clock()
        if b.phase(now)[0] != "completed" and b.cancel_at is None:
            b.cancel_at = now
        return self._json(200, self._render(b, now, host), "build-cancelled", self._summary([b]), facts)

    def _json(self, status, body, verdict, detail, facts):
        return Answer(status, body, verdict, detail, **facts)

    def _summary(self, builds):
        now = self.clock()
        out = []
        for b in builds:
            status, result, *_ = b.phase(now)
            out.append(f"[{b.id} {status}{' ' + result if result else ''}]")
        return " ".join(out)

    # -- the build object ------------------------------------------------------------

    def _render(self, b, now, host):
        """One build as compact JSON bytes, members ordered as `order` says."""
        status, result, start, finish, visible = b.phase(now)
        p = b.project
        base = f"https://{host}/{p.org}"
        api = f"{base}/{p.id}/_apis/build"
        wall = b.created_wall
        proj = {"id": p.id, "name": p.name,
                "description": f"Deployments of the \"{p.name}\" services \u2014 pressed, not typed.\n"
                               "Owned by the platform team.",
                "url": f"{base}/_apis/projects/{p.id}", "state": "wellFormed", "revision": p.revision,
                "visibility": "private", "lastUpdateTime": azure_time(wall - 86400 * 40 - 1234.5)}
        d = b.definition
        system = _identity("Microsoft.VisualStudio.Services.TFS", "00000002-0000-8888-8000-000000000000",
                           "00000002-0000-8888-8000-000000000000@2c895908-04e0-4952-89fd-54b0046d6288",
                           p.org, "s2s.MDAwMDAwMDItMDAwMC04ODg4LTgwMDAtMDAwMDAwMDAwMDAwQDJjODk1OTA4LTA0"
                                  "ZTAtNDk1Mi04OWZkLTU0YjAwNDZkNjI4OA")
        person = _identity("Jos\u00e9 \"JJ\" M\u00fcller", "6c3e8b8c-5b0f-4c71-9a3f-1f0e5b7d2a44",
                           "jose.mueller@contoso.example", p.org,
                           "aad.NmMzZThiOGMtNWIwZi03YzcxLTlhM2YtMWYwZTViN2QyYTQ0")
        doc = {
            "_links": {
                "self": {"href": f"{api}/Builds/{b.id}"},
                "web": {"href": f"{base}/{p.id}/_build/results?buildId={b.id}"},
                "sourceVersionDisplayUri": {"href": f"{api}/builds/{b.id}/sources"},
                "timeline": {"href": f"{api}/builds/{b.id}/Timeline"},
                "badge": {"href": f"{base}/{p.id}/_apis/build/status/{d['id']}"},
            },
            "properties": {
                "status": {"$type": "System.String", "$value": "completed"},
                "result": {"$type": "System.String", "$value": "failed"},
                "deploymentGate": {"id": 77, "buildNumber": "1.0.77", "status": "failed",
                                   "result": "canceled", "checks": [{"id": 1, "status": "skipped"}]},
            },
            "tags": list(b.tags) if visible else [],
            "validationResults": [{"result": "warning",
                                   "message": "The pipeline's YAML uses a deprecated task: "
                                              "\"PythonScript@0\" \\ consider its successor."}],
            "plans": [{"planId": b.plan_id}],
            "templateParameters": {"status": "inProgress", "result": "failed", "id": "0",
                                   "buildNumber": "0.0"},
            "id": b.id,
            "buildNumber": b.number,
            "status": status,
            "result": result,
            "queueTime": azure_time(wall),
            "startTime": azure_time(wall + start) if start is not None else None,
            "finishTime": azure_time(wall + finish) if finish is not None else None,
            "url": f"{api}/Builds/{b.id}",
            "definition": {"drafts": [], "id": d["id"], "name": d["name"],
                           "url": f"{api}/Definitions/{d['id']}?revision=7",
                           "uri": f"vstfs:///Build/Definition/{d['id']}", "path": "\\deploy",
                           "type": "build", "queueStatus": "enabled", "revision": 7, "project": proj},
            "buildNumberRevision": int(b.number.rsplit(".", 1)[1]),
            "project": dict(proj),
            "uri": f"vstfs:///Build/Build/{b.id}",
            "sourceBranch": "refs/heads/main",
            "sourceVersion": b.source_version[:40],
            "queue": {"id": 18, "name": "Azure Pipelines", "pool": dict(_POOL)},
            "priority": "normal",
            "reason": b.reason,
            "requestedFor": system if b.reason == "resourceTrigger" else person,
            "requestedBy": dict(system),
            "lastChangedDate": azure_time(wall + (finish if finish is not None else 0.25)),
            "lastChangedBy": dict(system),
            "orchestrationPlan": {"planId": b.plan_id},
            "logs": {"id": 0, "type": "Container", "url": f"{api}/builds/{b.id}/logs"},
            "repository": {"id": p.repo_id, "type": "TfsGit", "name": "deploy",
                           "url": f"{base}/{urllib.parse.quote(p.name)}/_git/deploy", "clean": None,
                           "checkoutSubmodules": False},
            "retainedByRelease": False,
            "triggeredByBuild": None,
            "appendCommitMessageToRunName": True,
        }
        for k in ("startTime", "finishTime"):
            if doc[k] is None:
                del doc[k]
        if result is None:
            if b.plan is not None and b.plan.pending_result == "none":
                doc["result"] = "none"
            else:
                del doc["result"]
        with self._lock:
            self._answers += 1
            rng = random.Random(self._seed * 1_000_003 + self._answers)
        if self.order == "shuffled":
            doc = _shuffled(doc, rng)
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _identity(name, iid, unique, org, descriptor):
    return {"displayName": name,
            "url": f"https://spsprodweu5.vssps.visualstudio.com/A{iid.replace('-', '')[:24]}/_apis/Identities/{iid}",
            "_links": {"avatar": {"href": f"https://dev.azure.com/{org}/_apis/GraphProfile/MemberAvatars/{descriptor}"}},
            "id": iid, "uniqueName": unique,
            "imageUrl": f"https://dev.azure.com/{org}/_apis/GraphProfile/MemberAvatars/{descriptor}",
            "descriptor": descriptor}


def _shuffled(value, rng):
    """A copy with the members of every object in a random order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value
