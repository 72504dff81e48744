"""The pipeline's side of run following: pipelines/port_guard.py (the port
guard), its template pipelines/port-guard.yml and the example pipeline.
The script's logic on its own, then the script as the agent runs it (a
process with the agent's environment) against the webhook emulator's Builds
API over TLS: first build, stale, duplicate in each onDuplicate mode, and
every kind of API failure.  No QEMU, root or namespace needed."""
import io
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from webhook_emulator import WebhookEmulator

sys.path.insert(0, os.path.join(ROOT, "pipelines"))
import port_guard as pg  # noqa: E402

SCRIPT = os.path.join(ROOT, "pipelines", "port_guard.py")
TEMPLATE = os.path.join(ROOT, "pipelines", "port-guard.yml")
EXAMPLE = os.path.join(ROOT, "pipelines", "example-pipeline.yml")
ORG, PROJECT, TOKEN = "contoso", "Fabrikam", "job-token-0123456789"
RUN = "pb-525400123456-7-1"

# The script runs as on an agent, except that dev.azure.com is this machine
# (the emulator's certificate names it): resolved to 127.0.0.1 in-process.
PRELUDE = """
import runpy, socket, sys
_real = socket.getaddrinfo
def _lookup(host, *args, **kw):
    return _real("127.0.0.1" if host == "dev.azure.com" else host, *args, **kw)
socket.getaddrinfo = _lookup
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + ".%03dZ" % (epoch % 1 * 1000)


# -- the logic ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,epoch", [
    ("2026-03-01T10:00:00Z", 1772359200.0),
    ("2026-03-01T10:00:00.123Z", 1772359200.123),
    ("2026-03-01t10:00:00.5z", 1772359200.5),
    ("2026-03-01T10:00:00.1234567Z", 1772359200.1234567),       # Azure's 7 digits
    ("2026-03-01T10:00:00.123456789Z", 1772359200.123456789),
    ("2026-03-01T11:30:00+01:30", 1772359200.0),
    ("2026-03-01T08:00:00-02:00", 1772359200.0),
    ("2024-02-29T00:00:00Z", 1709164800.0),
    (" 2026-03-01T10:00:00Z ", 1772359200.0),
])
def test_parse_time(text, epoch):
    assert pg.parse_time(text) == pytest.approx(epoch, abs=1e-6)


@pytest.mark.parametrize("text", ["", "2026-03-01T10:00:00", "2026-03-01 10:00:00Z", "2026-03-01T10:00Z",
                                  "2026-02-29T10:00:00Z", "2026-13-01T10:00:00Z", "2026-03-01T24:00:00Z",
                                  "2026-03-01T10:00:60Z", "2026-03-01T10:00:00.Z",
                                  "2026-03-01T10:00:00.1234567890Z", "2026-03-01T10:00:00+24:00",
                                  "2026-03-01T10:00:00+0100", "1772359200", "%(System.AccessToken)", None])
def test_parse_time_refuses(text):
    with pytest.raises(ValueError):
        pg.parse_time(text)


def test_check_age():
    assert pg.check_age(1000.0, 1600.0, 600, 60)[0]
    ok, age, why = pg.check_age(1000.0, 1600.5, 600, 60)
    assert not ok and age == 600.5 and "limit 600 s" in why
    assert pg.check_age(1060.0, 1000.0, 600, 60)[0]
    ok, _, why = pg.check_age(1060.5, 1000.0, 600, 60)
    assert not ok and "after this run was queued" in why
    assert pg.check_age(0.0, 10 ** 9, 0, 60)[0]               # 0: no age limit
    assert not pg.check_age(10 ** 9, 0.0, 0, 60)[0]           # but the future still counts


def test_earlier_builds():
    builds = [{"id": 9, "tags": [RUN], "queueTime": "2026-03-01T10:00:09Z"},
              {"id": 5, "tags": [RUN, "port-guard-duplicate"], "queueTime": "2026-03-01T10:00:05Z"},
              {"id": 7, "tags": [RUN], "queueTime": "2026-03-01T10:00:07Z"},
              {"id": 8, "tags": ["other"], "queueTime": "2026-03-01T10:00:08Z"},
              {"id": 6, "tags": [RUN, "port-guard-stale"]},
              {"id": 4, "tags": [RUN, "port-guard-refused"]},
              {"id": 3, "tags": [RUN, "port-guard-unchecked"]},
              {"id": 10, "tags": [RUN]}]
    assert [b["id"] for b in pg.earlier_builds(builds, 10, RUN)] == [7, 9]
    assert [b["id"] for b in pg.earlier_builds(builds, 7, RUN)] == [10, 9]      # later ones count too
    assert pg.earlier_builds([], 1, RUN) == []


def test_retry_after():
    assert pg.retry_after_seconds("7", 0) == 7
    assert pg.retry_after_seconds(None, 0) is None and pg.retry_after_seconds("soon", 0) is None
    assert pg.retry_after_seconds("Sun, 01 Mar 2026 10:00:30 GMT", 1772359200.0) == 30
    assert pg.retry_after_seconds("Sun, 01 Mar 2026 09:00:00 GMT", 1772359200.0) == 0


def test_untrusted_values_are_described_not_echoed():
    text = pg.describe_value("x" * 500 + "\n##vso[task.setvariable variable=a]b")
    assert len(text) < 80 and "(536 characters)" in text
    text = pg.describe_value("ab\n##vso[task.setvariable variable=a]b")
    assert "##vso" not in text and "\n" not in text and "[" not in text
    assert "\n" not in pg.describe_value("a\nb") and pg.describe_value(None) == "nothing"


def test_logging_commands_are_escaped():
    out = io.StringIO()
    log = pg.Log(out)
    log.issue("error", "two\nlines 100%")
    log.tag("a;b]c")
    log.output("verdict", "x\r\ny")
    assert out.getvalue().splitlines() == [
        "##vso[task.logissue type=error]port guard: two%0Alines 100%AZP25",
        "##vso[build.addbuildtag]a%3Bb%5Dc",
        "##vso[task.setvariable variable=verdict;isOutput=true]x%0D%0Ay"]


def test_arguments():
    a = pg.parse_args([])
    assert (a.max_age, a.max_future, a.on_duplicate, a.duplicates, a.manual) == (600, 60, "cancel", True, True)
    a = pg.parse_args(["--duplicate-check", "False", "--manual-runs", "TRUE", "--on-duplicate", "skip"])
    assert (a.duplicates, a.manual, a.on_duplicate) == (False, True, "skip")
    for bad in (["--duplicate-check", "yes"], ["--on-duplicate", "ignore"], ["--max-age", "-1"],
                ["--attempts", "0"]):
        with pytest.raises(SystemExit):
            pg.parse_args(bad)


class FakeApi:
    """The Builds API as run() sees it, for the paths that need no network."""

    def __init__(self, fail=None):
        self.calls, self.fail = 0, fail

    def build(self, build_id):
        if self.fail:
            raise self.fail
        return {"id": build_id, "queueTime": pg.time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    def tagged(self, definition, tag):
        raise RuntimeError("boom")


def env(**kw):
    e = {"PB_RUN_ID": RUN, "PB_TRIGGER_AT": iso(time.time()), "SYSTEM_ACCESSTOKEN": TOKEN,
         "SYSTEM_COLLECTIONURI": "https://dev.azure.com/contoso/", "SYSTEM_TEAMPROJECTID": "p",
         "SYSTEM_DEFINITIONID": "12", "BUILD_BUILDID": "1201", "BUILD_REASON": "ResourceTrigger"}
    e.update(kw)
    return {k: v for k, v in e.items() if v is not None}


def test_a_bug_still_stops_the_run(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(pg, "BuildsApi", lambda *a, **k: FakeApi())
    assert pg.main([], env(), out) == pg.EXIT_ERROR
    lines = out.getvalue().splitlines()
    assert f"##vso[build.addbuildtag]{RUN}" in lines and "##vso[build.addbuildtag]port-guard-unchecked" in lines
    assert lines[-1] == "##vso[task.logissue type=error]port guard: internal error: RuntimeError: boom"


@pytest.mark.parametrize("changes,code,verdict", [
    ({"PB_RUN_ID": "", "PB_TRIGGER_AT": "", "BUILD_REASON": "Manual"}, pg.EXIT_GO, "manual"),
    ({"PB_RUN_ID": "", "PB_TRIGGER_AT": "", "BUILD_REASON": "ResourceTrigger"}, pg.EXIT_REFUSED, "refused"),
    ({"PB_RUN_ID": "", "BUILD_REASON": "Manual"}, pg.EXIT_REFUSED, "refused"),
    ({"PB_RUN_ID": "%(System.AccessToken)"}, pg.EXIT_REFUSED, "refused"),
    ({"PB_RUN_ID": "a b"}, pg.EXIT_REFUSED, "refused"),
    ({"PB_RUN_ID": "x" * 65}, pg.EXIT_REFUSED, "refused"),
    ({"PB_TRIGGER_AT": "yesterday"}, pg.EXIT_REFUSED, "refused"),
    ({"SYSTEM_ACCESSTOKEN": None}, pg.EXIT_USAGE, "unchecked"),
    ({"SYSTEM_TEAMPROJECTID": None}, pg.EXIT_USAGE, "unchecked"),
    ({"BUILD_BUILDID": "x"}, pg.EXIT_USAGE, "unchecked"),
])
def test_what_needs_no_builds_api(changes, code, verdict):
    out = io.StringIO()
    api = FakeApi(fail=AssertionError("no call expected"))
    assert pg.run(pg.parse_args([]), env(**changes), pg.Log(out), api=api) == code
    text = out.getvalue()
    assert f"verdict;isOutput=true]{verdict}" in text
    tagged = f"##vso[build.addbuildtag]{RUN}" in text
    assert tagged == (changes.get("PB_RUN_ID", RUN) == RUN)           # only a valid runId is a tag
    if code == pg.EXIT_USAGE and changes.get("SYSTEM_ACCESSTOKEN", "") is None:
        assert "map it into the step" in text
    assert "%(System" not in text                               # untrusted values are not echoed


def test_the_list_failing_is_unchecked_too():
    class ListFails(FakeApi):
        def tagged(self, definition, tag):
            raise pg.ApiError("HTTP 503: Service Unavailable", 503, transient=True)
    out = io.StringIO()
    assert pg.run(pg.parse_args([]), env(), pg.Log(out), api=ListFails()) == pg.EXIT_UNCHECKED
    assert "looking for other builds of this runId: HTTP 503" in out.getvalue()
    assert "##vso[build.addbuildtag]port-guard-unchecked" in out.getvalue()


def test_manual_runs_can_be_refused():
    out = io.StringIO()
    args = pg.parse_args(["--manual-runs", "false"])
    assert pg.run(args, env(PB_RUN_ID="", PB_TRIGGER_AT="", BUILD_REASON="Manual"), pg.Log(out),
                  api=FakeApi()) == pg.EXIT_REFUSED


# -- the template and the example ----------------------------------------------------------------------

def load_gen():
    import importlib.util
    spec = importlib.util.spec_from_file_location("gen_port_guard", os.path.join(ROOT, "tools", "gen-port-guard.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_template_holds_the_script_as_it_is():
    gen = load_gen()
    with open(TEMPLATE) as f:
        template = f.read()
    with open(SCRIPT) as f:
        script = f.read()
    assert gen.embedded_script(template) == script, "run tools/gen-port-guard.py"
    assert gen.generate(script, template) == template
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen-port-guard.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("bad", ["x = '$(System.AccessToken)'\n", "# ${{ parameters.x }}\n",
                                 "y = '$[ variables.a ]'\n", "\tindented = 1\n"])
def test_the_generator_refuses_what_azure_would_expand(bad):
    gen = load_gen()
    with open(TEMPLATE) as f:
        template = f.read()
    with pytest.raises(gen.GenError):
        gen.generate("import sys\n" + bad, template)


def test_template_and_example_are_the_yaml_they_should_be():
    yaml = pytest.importorskip("yaml")
    with open(TEMPLATE) as f:
        t = yaml.safe_load(f)
    params = {p["name"]: p for p in t["parameters"]}
    assert set(params) == {"runId", "triggerAt", "maxAgeSeconds", "maxFutureSeconds", "onDuplicate",
                           "checkDuplicates", "allowManualRuns", "pythonInterpreter"}
    assert params["maxAgeSeconds"]["default"] == 600 and params["onDuplicate"]["values"] == \
        ["cancel", "fail", "skip"]
    (step,) = t["steps"]
    assert (step["task"], step["name"], step["inputs"]["scriptSource"]) == ("PythonScript@0", "portGuard", "inline")
    assert step["env"] == {"PB_RUN_ID": "${{ replace(parameters.runId, '$', '%') }}",
                           "PB_TRIGGER_AT": "${{ replace(parameters.triggerAt, '$', '%') }}",
                           "SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}
    # the arguments are the template's own typed parameters, and the script takes them
    args = step["inputs"]["arguments"]
    rendered = args
    for name, value in (("maxAgeSeconds", "600"), ("maxFutureSeconds", "60"), ("onDuplicate", "cancel"),
                        ("checkDuplicates", "True"), ("allowManualRuns", "False")):
        rendered = rendered.replace("${{ parameters.%s }}" % name, value)
    assert "${{" not in rendered and "runId" not in args and "triggerAt" not in args
    a = pg.parse_args(rendered.split())
    assert (a.max_age, a.duplicates, a.manual) == (600, True, False)
    assert "parameters.runId" not in step["inputs"]["script"]
    with open(EXAMPLE) as f:
        e = yaml.safe_load(f)
    assert e["trigger"] == "none" and e["resources"]["webhooks"][0]["webhook"] == "port_trigger"
    first = e["steps"][0]
    assert first["template"] == "pipelines/port-guard.yml@pipebutton"
    assert first["parameters"] == {"runId": "${{ parameters.port_trigger.port_context.runId }}",
                                   "triggerAt": "${{ parameters.port_trigger.port_context.trigger.at }}"}
    assert e["resources"]["repositories"][0]["repository"] == "pipebutton"


# -- the script against the emulator's Builds API ----------------------------------------------------------

class Guard:
    """The emulator with this run's build, and the script run as an agent would."""

    def __init__(self, emu, pki, org=ORG):
        self.emu, self.pki, self.org = emu, pki, org
        self.pid = emu.project_id(org, PROJECT)
        self.own = emu.add_build(org, PROJECT, status="inProgress", reason="resourceTrigger")
        self.queued = emu.build(self.own).queue_time

    def env(self, **kw):
        e = env(PB_TRIGGER_AT=iso(self.queued - 5),
                SYSTEM_COLLECTIONURI=f"https://dev.azure.com:{self.emu.port}/{self.org}/",
                SYSTEM_TEAMPROJECTID=self.pid, SYSTEM_DEFINITIONID=str(self.emu.build(self.own).definition_id),
                BUILD_BUILDID=str(self.own), SSL_CERT_FILE=os.path.join(self.pki, "root.pem"),
                PATH=os.environ.get("PATH", "/usr/bin:/bin"))
        e.update(kw)
        return {k: v for k, v in e.items() if v is not None}

    def run(self, *args, **env_changes):
        proc = subprocess.run([sys.executable, "-c", PRELUDE, SCRIPT, "--retry-cap", "0.05",
                               "--cancel-wait", "0", *args],
                              env=self.env(**env_changes), capture_output=True, text=True, timeout=60)
        assert proc.stderr == "", proc.stderr
        self.out = proc.stdout
        return proc.returncode

    def tags(self):
        return [ln.split("]", 1)[1] for ln in self.out.splitlines() if ln.startswith("##vso[build.addbuildtag]")]

    def output(self, name):
        key = f"##vso[task.setvariable variable={name};isOutput=true]"
        values = [ln[len(key):] for ln in self.out.splitlines() if ln.startswith(key)]
        return values[-1] if values else None

    def earlier(self, tags=(RUN,), **kw):
        """A build of this pipeline queued before this one."""
        return self.emu.add_build(self.org, PROJECT, tags=list(tags), **kw)


@pytest.fixture
def guard(pki):
    with WebhookEmulator(os.path.join(pki, "chain.pem"), os.path.join(pki, "leaf.key"),
                         projects=[(ORG, PROJECT)], job_tokens={ORG: TOKEN}) as emu:
        yield Guard(emu, pki)
        assert emu.errors == []


def test_first_build_goes_ahead(guard):
    assert guard.run() == pg.EXIT_GO
    assert guard.tags() == [RUN]
    assert (guard.output("proceed"), guard.output("verdict"), guard.output("runId")) == ("true", "fresh", RUN)
    assert "pressed 5.0 s before this run was queued (limit 600 s)" in guard.out
    reqs = guard.emu.builds_requests
    assert [(r.method, r.verdict, r.auth) for r in reqs] == [("GET", "build-read", "bearer"),
                                                             ("GET", "builds-listed", "bearer")]
    assert reqs[0].build_id == guard.own
    q = dict(reqs[1].query)
    assert (q["tagFilters"], q["definitions"], q["queryOrder"], q["api-version"]) == \
        (RUN, str(guard.emu.build(guard.own).definition_id), "queueTimeAscending", "7.1")
    assert TOKEN not in guard.out


def test_own_tag_and_other_pipelines_do_not_count(guard):
    guard.emu.builds_api._find(guard.own).tags.append(RUN)      # the agent's tag has landed
    guard.earlier(definition="another-pipeline")                # the same press started another pipeline
    guard.earlier(tags=["pb-525400123456-7-2"])
    assert guard.run() == pg.EXIT_GO and guard.output("verdict") == "fresh"


@pytest.mark.parametrize("offset,code", [(-599, pg.EXIT_GO), (-601, pg.EXIT_STALE), (-86400, pg.EXIT_STALE),
                                         (59, pg.EXIT_GO), (61, pg.EXIT_STALE)])
def test_stale_and_future_triggers(guard, offset, code):
    assert guard.run(PB_TRIGGER_AT=iso(guard.queued + offset)) == code
    if code == pg.EXIT_STALE:
        assert guard.tags() == [RUN, "port-guard-stale"] and guard.output("verdict") == "stale"
        assert "##vso[task.logissue type=error]port guard: runId" in guard.out
        assert len(guard.emu.builds_requests) == 1           # no duplicate check for a stale trigger


def test_the_age_is_taken_when_azure_queued_the_run(pki):
    """A run that waited an hour for a free agent (or a job re-run an hour
    later) is judged by when Azure queued it, not by the agent's clock."""
    with WebhookEmulator(os.path.join(pki, "chain.pem"), os.path.join(pki, "leaf.key"),
                         projects=[(ORG, PROJECT)], job_tokens={ORG: TOKEN}) as emu:
        g = Guard(emu, pki)
        old = emu.add_build(ORG, PROJECT, status="inProgress", queue_time=time.time() - 3600)
        assert g.run(BUILD_BUILDID=str(old), PB_TRIGGER_AT=iso(time.time() - 3605)) == pg.EXIT_GO
        assert g.run(BUILD_BUILDID=str(old), PB_TRIGGER_AT=iso(time.time() - 4300)) == pg.EXIT_STALE


def test_the_age_limit_is_a_parameter(guard):
    assert guard.run("--max-age", "3600", PB_TRIGGER_AT=iso(guard.queued - 1800)) == pg.EXIT_GO
    assert guard.run("--max-age", "0", PB_TRIGGER_AT=iso(guard.queued - 10 ** 6)) == pg.EXIT_GO


def test_duplicate_fails_in_fail_mode(guard):
    first = guard.earlier(status="completed", result="failed")
    assert guard.run("--on-duplicate", "fail") == pg.EXIT_DUPLICATE
    assert guard.tags() == [RUN, "port-guard-duplicate"]
    assert (guard.output("proceed"), guard.output("verdict")) == ("false", "duplicate")
    assert f"already started build #{guard.emu.build(first).number} (id {first}, completed, failed)" in guard.out
    assert "##vso[task.logissue type=error]" in guard.out


def test_duplicate_skips_in_skip_mode(guard):
    guard.earlier(status="inProgress")
    assert guard.run("--on-duplicate", "skip") == pg.EXIT_GO
    assert (guard.output("proceed"), guard.output("verdict")) == ("false", "duplicate")
    assert "##vso[task.logissue type=warning]" in guard.out


def test_duplicate_cancels_itself(guard):
    guard.emu.add_job_token(ORG, "stopper", stop_builds=True)
    guard.earlier()
    assert guard.run(SYSTEM_ACCESSTOKEN="stopper") == pg.EXIT_DUPLICATE
    patch = guard.emu.builds_requests[-1]
    assert (patch.method, patch.verdict, patch.build_id) == ("PATCH", "build-cancelled", guard.own)
    assert json.loads(patch.body) == {"status": "cancelling"}
    assert guard.emu.build(guard.own).cancel_requested
    assert "cancellation requested" in guard.out and "was not stopped within 0 s" in guard.out


def test_duplicate_fails_when_it_may_not_cancel(guard):
    guard.earlier()
    assert guard.run() == pg.EXIT_DUPLICATE
    assert guard.emu.builds_requests[-1].verdict == "forbidden"
    assert "could not cancel this run (HTTP 403: TF215106" in guard.out and "Stop builds" in guard.out
    assert not guard.emu.build(guard.own).cancel_requested


def test_stopped_builds_are_not_the_earlier_build(guard):
    for tag in sorted(pg.STOP_TAGS):
        guard.earlier(tags=[RUN, tag])
    assert guard.run() == pg.EXIT_GO


def test_a_later_build_that_went_ahead_counts_too(guard):
    later = guard.emu.add_build(ORG, PROJECT, tags=[RUN], status="inProgress")
    assert later > guard.own
    assert guard.run("--on-duplicate", "fail") == pg.EXIT_DUPLICATE


def test_duplicate_found_on_a_later_page(guard):
    for _ in range(100):
        guard.earlier(tags=[RUN, "port-guard-duplicate"])
    guard.earlier()
    assert guard.run("--on-duplicate", "fail") == pg.EXIT_DUPLICATE
    lists = [r for r in guard.emu.builds_requests if r.verdict == "builds-listed"]
    assert len(lists) == 2 and dict(lists[1].query)["continuationToken"] == "100"


def test_no_duplicate_check_when_turned_off(guard):
    guard.earlier()
    assert guard.run("--duplicate-check", "false") == pg.EXIT_GO
    assert [r.verdict for r in guard.emu.builds_requests] == ["build-read"]


@pytest.mark.parametrize("fault,env_changes,hint", [
    (None, {"SYSTEM_ACCESSTOKEN": "not-a-token"}, "HTTP 401: TF400813"),
    (None, {"SYSTEM_TEAMPROJECTID": "Nope"}, "HTTP 404: TF200016"),
    (None, {"SYSTEM_COLLECTIONURI": "https://dev.azure.com:{port}/other/"}, "HTTP 401"),
    ("401", {}, "The Personal Access Token used has expired"),
    ("status=403", {}, "allow it View builds"),
    ("status=400", {}, "HTTP 400"),
])
def test_refused_api_calls_are_not_retried(guard, fault, env_changes, hint):
    guard.emu.builds_fault = fault
    env_changes = {k: v.format(port=guard.emu.port) for k, v in env_changes.items()}
    assert guard.run(**env_changes) == pg.EXIT_UNCHECKED
    assert len(guard.emu.builds_requests) == 1
    assert hint in guard.out and guard.tags() == [RUN, "port-guard-unchecked"]
    assert "not deploying rather than risking a second deployment" in guard.out


@pytest.mark.parametrize("fault", ["503", "500-plain", "status=502", "429", "drop", "reset", "truncated"])
def test_transient_failures_are_retried_then_refused(guard, fault):
    guard.emu.builds_fault = fault
    assert guard.run("--attempts", "3") == pg.EXIT_UNCHECKED
    assert len(guard.emu.builds_requests) == 3
    assert guard.out.count("attempt ") == 2 and guard.tags()[-1] == "port-guard-unchecked"


def test_a_transient_failure_that_heals(guard):
    guard.emu.builds_fault = "429,times=2,retry-after=1"
    assert guard.run() == pg.EXIT_GO
    assert [r.verdict for r in guard.emu.builds_requests] == ["fault:429", "fault:429", "build-read",
                                                              "builds-listed"]
    assert "attempt 2 of 4 in 0.05 s" in guard.out                  # Retry-After 1, capped


def test_an_untrusted_certificate_is_refused(guard):
    assert guard.run(SSL_CERT_FILE=os.path.join(guard.pki, "ec-root.pem")) == pg.EXIT_UNCHECKED
    assert "certificate is not trusted" in guard.out
    assert guard.emu.builds_requests == []


def test_chunked_answers_and_any_member_order(guard):
    guard.emu.builds_chunked = True
    guard.earlier()
    assert guard.run("--on-duplicate", "fail") == pg.EXIT_DUPLICATE
    guard.emu.builds_order = "azure"
    assert guard.run("--on-duplicate", "fail") == pg.EXIT_DUPLICATE


def test_a_simulated_run_is_found_by_its_tag(pki):
    """The emulator's own run for a webhook call (what the device follows)
    is the earlier build that a retried delivery's guard meets."""
    import ssl
    from test_emulator import BODY, HOOK, SECRET, Conn, post
    from test_emulator import ORG as HOOK_ORG
    with WebhookEmulator(os.path.join(pki, "chain.pem"), os.path.join(pki, "leaf.key"),
                         webhooks={(HOOK_ORG, HOOK): SECRET}, projects=[(HOOK_ORG, PROJECT)],
                         job_tokens={HOOK_ORG: TOKEN}, run_plan="succeeded,queued=0,running=60") as emu:
        conn = Conn(emu.port, ssl.create_default_context(cafile=os.path.join(pki, "root.pem")))
        assert post(conn)[0] == 200
        conn.close()
        (run,) = emu.builds()
        g = Guard(emu, pki, org=HOOK_ORG)
        assert g.run("--on-duplicate", "fail", PB_RUN_ID=json.loads(BODY)["port_context"]["runId"]) == \
            pg.EXIT_DUPLICATE
        assert f"(id {run.id}, inProgress)" in g.out and run.definition_id == emu.build(g.own).definition_id


def test_a_redirect_is_not_followed():
    """A redirect would carry the token to wherever it points: refused."""
    import http.server
    import threading
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.server.server_port, self.headers.get("Authorization")))
            self.send_response(302 if self.path.startswith("/contoso/") else 200)
            self.send_header("Location", f"http://127.0.0.1:{elsewhere.server_port}/steal")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    azure, elsewhere = (http.server.HTTPServer(("127.0.0.1", 0), Handler) for _ in range(2))
    for server in (azure, elsewhere):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        api = pg.BuildsApi(f"http://127.0.0.1:{azure.server_port}/contoso/", "p", TOKEN, attempts=1)
        with pytest.raises(pg.ApiError) as e:
            api.build(1)
    finally:
        for server in (azure, elsewhere):
            server.shutdown()
            server.server_close()
    assert e.value.status == 302 and not e.value.transient
    assert seen == [(azure.server_port, f"Bearer {TOKEN}")]
